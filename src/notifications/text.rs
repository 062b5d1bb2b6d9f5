//! What a notification says, in the recipient's language (French or English): the same words
//! in the app, in emails and in digests.

use serde_json::Value;

use super::kinds::NotificationKind;

/// The languages notifications are written in; anything else reads English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    French,
}

impl Language {
    /// From a BCP 47 tag such as `fr-CA` or `en`.
    pub fn of(locale: &str) -> Self {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Self::French
        } else {
            Self::English
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::French => "fr",
        }
    }
}

/// Who did it: "Anna", "Anna and Ben", "Anna and 4 others" (`names` most recent first, of
/// `count` people in all).
pub fn actors(names: &[String], count: usize, language: Language) -> String {
    let (and, other, others) = match language {
        Language::English => ("and", "other", "others"),
        Language::French => ("et", "autre personne", "autres personnes"),
    };
    match (names, count) {
        ([], _) => match language {
            Language::English => "Someone".to_owned(),
            Language::French => "Quelqu’un".to_owned(),
        },
        ([one], _) if count <= 1 => one.clone(),
        ([first, second, ..], 2) => format!("{first} {and} {second}"),
        ([first, ..], _) => {
            let rest = count.saturating_sub(1).max(1);
            format!(
                "{first} {and} {rest} {}",
                if rest == 1 { other } else { others }
            )
        }
    }
}

fn text<'a>(data: &'a Value, field: &str) -> &'a str {
    data.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The one-line summary of a notification.
pub fn headline(kind: NotificationKind, who: &str, data: &Value, language: Language) -> String {
    use NotificationKind as K;
    let title = text(data, "title");
    let group = text(data, "groupName");
    let folder = text(data, "folderName");
    let minutes = data
        .get("minutesBefore")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let approved = data
        .get("approved")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let on_comment = data
        .get("onComment")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // One occurrence of a series: its (UTC) day.
    let day = text(data, "occurrenceStartsAt")
        .get(..10)
        .unwrap_or_default();
    match language {
        Language::English => match kind {
            K::Mention => format!("{who} mentioned you in “{title}”"),
            K::GroupMention => format!("{who} mentioned {group} in “{title}”"),
            K::Comment => format!("{who} commented on your post “{title}”"),
            K::Reply => format!("{who} replied to your comment on “{title}”"),
            K::Reaction if on_comment => format!("{who} reacted to your comment on “{title}”"),
            K::Reaction => format!("{who} reacted to your post “{title}”"),
            K::GroupInvitation => format!("{who} invited you to join {title}"),
            K::JoinRequest => format!("{who} asked to join {title}"),
            K::JoinRequestDecided if approved => format!("You are now a member of {title}"),
            K::JoinRequestDecided => format!("Your request to join {title} was declined"),
            K::GroupPost => format!("{who} posted in {group}: “{title}”"),
            K::AcknowledgementRequested => {
                format!("{who} asks you to read and acknowledge “{title}”")
            }
            K::EventInvitation => format!("{who} invited you to {title}"),
            K::EventUpdated => format!("{who} changed {title}"),
            K::EventCancelled if !day.is_empty() => format!("{title} on {day} is cancelled"),
            K::EventCancelled => format!("{title} was cancelled"),
            K::EventReminder => format!("{title} starts in {minutes} minutes"),
            K::FileShared => format!("{who} added {title} to {folder}"),
            K::FileUpdated => format!("{who} updated {title}"),
            K::AdminMessage => title.to_owned(),
        },
        Language::French => match kind {
            K::Mention => format!("{who} vous a mentionné dans « {title} »"),
            K::GroupMention => format!("{who} a mentionné {group} dans « {title} »"),
            K::Comment => format!("{who} a commenté votre publication « {title} »"),
            K::Reply => format!("{who} a répondu à votre commentaire sur « {title} »"),
            K::Reaction if on_comment => {
                format!("{who} a réagi à votre commentaire sur « {title} »")
            }
            K::Reaction => format!("{who} a réagi à votre publication « {title} »"),
            K::GroupInvitation => format!("{who} vous invite à rejoindre {title}"),
            K::JoinRequest => format!("{who} demande à rejoindre {title}"),
            K::JoinRequestDecided if approved => format!("Vous êtes maintenant membre de {title}"),
            K::JoinRequestDecided => format!("Votre demande pour rejoindre {title} a été refusée"),
            K::GroupPost => format!("{who} a publié dans {group} : « {title} »"),
            K::AcknowledgementRequested => {
                format!("{who} vous demande de lire et de confirmer « {title} »")
            }
            K::EventInvitation => format!("{who} vous invite à {title}"),
            K::EventUpdated => format!("{who} a modifié {title}"),
            K::EventCancelled if !day.is_empty() => format!("{title} du {day} est annulé"),
            K::EventCancelled => format!("{title} est annulé"),
            K::EventReminder => format!("{title} commence dans {minutes} minutes"),
            K::FileShared => format!("{who} a ajouté {title} dans {folder}"),
            K::FileUpdated => format!("{who} a mis à jour {title}"),
            K::AdminMessage => title.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn many_actors_read_as_the_latest_and_a_count() {
        assert_eq!(
            actors(&names(&["Anna", "Ben"]), 5, Language::English),
            "Anna and 4 others"
        );
        assert_eq!(
            actors(&names(&["Anna", "Ben"]), 5, Language::French),
            "Anna et 4 autres personnes"
        );
        assert_eq!(
            actors(&names(&["Anna", "Ben"]), 2, Language::English),
            "Anna and Ben"
        );
        assert_eq!(actors(&names(&["Anna"]), 1, Language::French), "Anna");
    }

    #[test]
    fn french_locales_read_french_and_others_english() {
        assert_eq!(Language::of("fr-CA"), Language::French);
        assert_eq!(Language::of("de"), Language::English);
    }
}
