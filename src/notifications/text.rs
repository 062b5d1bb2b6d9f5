//! What a notification says, in the recipient's language (French or English): the same words
//! in the app, in emails and in digests.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::dates;
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

/// Who did it, as a headline names them: "Anna", "Anna and Ben", "Anna and 4 others", and
/// whether they are several (the verb agrees: « Anna et Ben ont commenté »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actors {
    pub names: String,
    pub several: bool,
}

impl std::fmt::Display for Actors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.names)
    }
}

/// Who did it, from the `names` the reader may see (most recent first) of `count` people in all;
/// those they may not see are counted, not named.
pub fn actors(names: &[String], count: usize, language: Language) -> Actors {
    let (and, other, others, people) = match language {
        Language::English => ("and", "other", "others", "people"),
        Language::French => ("et", "autre personne", "autres personnes", "personnes"),
    };
    let names = match (names, count) {
        ([], 0 | 1) => match language {
            Language::English => "Someone".to_owned(),
            Language::French => "Quelqu’un".to_owned(),
        },
        ([], _) => format!("{count} {people}"),
        ([one], _) if count <= 1 => one.clone(),
        ([first, second, ..], 2) => format!("{first} {and} {second}"),
        ([first, ..], _) => {
            let rest = count.saturating_sub(1).max(1);
            format!(
                "{first} {and} {rest} {}",
                if rest == 1 { other } else { others }
            )
        }
    };
    Actors {
        names,
        several: count > 1,
    }
}

/// Who reads a notification, and when: its dates and times are written for them, in their
/// language and time zone, relative to now ("tomorrow at 10:00").
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub language: Language,
    pub zone: Tz,
    pub now: DateTime<Utc>,
}

impl Reader {
    /// `user` reading now.
    pub fn of(user: &crate::users::User) -> Self {
        Self {
            language: Language::of(&user.locale),
            zone: user.time_zone.parse().unwrap_or(chrono_tz::UTC),
            now: Utc::now(),
        }
    }
}

fn text<'a>(data: &'a Value, field: &str) -> &'a str {
    data.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn instant(data: &Value, field: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text(data, field))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The event's time zone as the notification recorded it, else the reader's.
fn event_zone(data: &Value, reader: &Reader) -> Tz {
    text(data, "timeZone").parse().unwrap_or(reader.zone)
}

/// The one-line summary of a notification.
pub fn headline(kind: NotificationKind, who: &Actors, data: &Value, reader: &Reader) -> String {
    use NotificationKind as K;
    let title = text(data, "title");
    let group = text(data, "groupName");
    let folder = text(data, "folderName");
    let approved = data
        .get("approved")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let on_comment = data
        .get("onComment")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // One occurrence of a series: its day where the event takes place.
    let day = instant(data, "occurrenceStartsAt").map(|at| {
        let local = at.with_timezone(&event_zone(data, reader));
        dates::date(local.date_naive(), reader.language)
    });
    // The French verb agrees with the number of people ("a commenté", "ont commenté").
    let verb = |one: &'static str, several: &'static str| if who.several { several } else { one };
    match reader.language {
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
            K::AcknowledgementRequested => format!(
                "{who} {} you to read and acknowledge “{title}”",
                verb("asks", "ask")
            ),
            K::EventInvitation => format!("{who} invited you to {title}"),
            K::EventUpdated => format!("{who} changed {title}"),
            K::EventCancelled => match day {
                Some(day) => format!("{title} on {day} is cancelled"),
                None => format!("{title} was cancelled"),
            },
            K::EventReminder => format!("{title} {}", reminder(data, reader)),
            K::FileShared => format!("{who} added {title} to {folder}"),
            K::FileUpdated => format!("{who} updated {title}"),
            K::AdminMessage => title.to_owned(),
        },
        Language::French => match kind {
            K::Mention => format!(
                "{who} {} dans « {title} »",
                verb("vous a mentionné", "vous ont mentionné")
            ),
            K::GroupMention => format!(
                "{who} {} {group} dans « {title} »",
                verb("a mentionné", "ont mentionné")
            ),
            K::Comment => format!(
                "{who} {} votre publication « {title} »",
                verb("a commenté", "ont commenté")
            ),
            K::Reply => format!(
                "{who} {} à votre commentaire sur « {title} »",
                verb("a répondu", "ont répondu")
            ),
            K::Reaction if on_comment => format!(
                "{who} {} à votre commentaire sur « {title} »",
                verb("a réagi", "ont réagi")
            ),
            K::Reaction => format!(
                "{who} {} à votre publication « {title} »",
                verb("a réagi", "ont réagi")
            ),
            K::GroupInvitation => format!(
                "{who} {} à rejoindre {title}",
                verb("vous invite", "vous invitent")
            ),
            K::JoinRequest => format!("{who} {} à rejoindre {title}", verb("demande", "demandent")),
            K::JoinRequestDecided if approved => format!("Vous êtes maintenant membre de {title}"),
            K::JoinRequestDecided => format!("Votre demande pour rejoindre {title} a été refusée"),
            K::GroupPost => format!(
                "{who} {} dans {group} : « {title} »",
                verb("a publié", "ont publié")
            ),
            K::AcknowledgementRequested => format!(
                "{who} {} de lire et de confirmer « {title} »",
                verb("vous demande", "vous demandent")
            ),
            K::EventInvitation => {
                format!("{who} {} à {title}", verb("vous invite", "vous invitent"))
            }
            K::EventUpdated => format!("{who} {} {title}", verb("a modifié", "ont modifié")),
            K::EventCancelled => match day {
                Some(day) => format!("{title} du {day} est annulé"),
                None => format!("{title} est annulé"),
            },
            K::EventReminder => format!("{title} {}", reminder(data, reader)),
            K::FileShared => format!(
                "{who} {} {title} dans {folder}",
                verb("a ajouté", "ont ajouté")
            ),
            K::FileUpdated => format!("{who} {} {title}", verb("a mis à jour", "ont mis à jour")),
            K::AdminMessage => title.to_owned(),
        },
    }
}

/// When a reminded occurrence starts, as the reader sees it now: "starts in 15 minutes",
/// "starts tomorrow at 10:00", "started today at 10:00"; an all-day event by its day where it
/// takes place ("is tomorrow").
fn reminder(data: &Value, reader: &Reader) -> String {
    use Language::{English, French};
    let Some(starts_at) = instant(data, "occurrenceStartsAt") else {
        return match reader.language {
            English => "starts soon".to_owned(),
            French => "commence bientôt".to_owned(),
        };
    };
    let all_day = data.get("allDay").and_then(Value::as_bool).unwrap_or(false);
    if all_day {
        let zone = event_zone(data, reader);
        let today = reader.now.with_timezone(&zone).date_naive();
        let day = starts_at.with_timezone(&zone).date_naive();
        let when = dates::relative_day(day, today, reader.language);
        return match (reader.language, day < today) {
            (English, false) => format!("is {when}"),
            (English, true) => format!("was {when}"),
            (French, false) => format!("a lieu {when}"),
            (French, true) => format!("a eu lieu {when}"),
        };
    }
    // To the nearest minute: a reminder sent a second late still "starts now".
    let minutes = ((starts_at - reader.now).num_seconds() + 30).div_euclid(60);
    let local = starts_at.with_timezone(&reader.zone);
    let when = || {
        dates::relative_moment(
            local,
            reader.now.with_timezone(&reader.zone),
            reader.language,
        )
    };
    match (reader.language, minutes) {
        (English, 0) => "starts now".to_owned(),
        (English, 1) => "starts in 1 minute".to_owned(),
        (English, 2..60) => format!("starts in {minutes} minutes"),
        (English, 60..) => format!("starts {}", when()),
        (English, _) => format!("started {}", when()),
        (French, 0) => "commence maintenant".to_owned(),
        (French, 1) => "commence dans 1 minute".to_owned(),
        (French, 2..60) => format!("commence dans {minutes} minutes"),
        (French, 60..) => format!("commence {}", when()),
        (French, _) => format!("a commencé {}", when()),
    }
}

/// The facts a reminder email gives besides its headline: when (in the reader's time zone),
/// where, and the meeting link.
pub fn event_facts(data: &Value, reader: &Reader) -> Vec<Fact> {
    let (when_label, where_label, online_label) = match reader.language {
        Language::English => ("When:", "Where:", "Online:"),
        Language::French => ("Quand :", "Où :", "En ligne :"),
    };
    let mut facts = Vec::new();
    if let Some(starts_at) = instant(data, "occurrenceStartsAt") {
        let all_day = data.get("allDay").and_then(Value::as_bool).unwrap_or(false);
        let value = if all_day {
            let day = starts_at
                .with_timezone(&event_zone(data, reader))
                .date_naive();
            match reader.language {
                Language::English => format!("{} (all day)", dates::date(day, reader.language)),
                Language::French => {
                    format!("{} (toute la journée)", dates::date(day, reader.language))
                }
            }
        } else {
            let starts = starts_at.with_timezone(&reader.zone);
            let mut value = format!(
                "{}, {}",
                dates::date(starts.date_naive(), reader.language),
                dates::time(starts.time(), reader.language)
            );
            if let Some(ends_at) = instant(data, "occurrenceEndsAt") {
                let ends = ends_at.with_timezone(&reader.zone);
                value.push_str(" – ");
                if ends.date_naive() != starts.date_naive() {
                    value.push_str(&dates::date(ends.date_naive(), reader.language));
                    value.push_str(", ");
                }
                value.push_str(&dates::time(ends.time(), reader.language));
            }
            format!("{value} ({})", reader.zone.name())
        };
        facts.push(Fact {
            label: when_label,
            value,
            link: false,
        });
    }
    for (label, field, link) in [
        (where_label, "location", false),
        (online_label, "onlineUrl", true),
    ] {
        let value = text(data, field).trim();
        if !value.is_empty() {
            facts.push(Fact {
                label,
                value: value.to_owned(),
                link,
            });
        }
    }
    facts
}

/// One line of an email's facts: "Where: Room 3".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// With its colon, as the language writes it ("Où :").
    pub label: &'static str,
    pub value: String,
    /// The value is a web address to link to.
    pub link: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader in Paris on Sunday 6 December 2026 at 09:00 (08:00 UTC).
    fn reader(language: Language) -> Reader {
        Reader {
            language,
            zone: chrono_tz::Europe::Paris,
            now: "2026-12-06T08:00:00Z".parse().expect("an instant"),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn many_actors_read_as_the_latest_and_a_count() {
        let said = |list: &[&str], count, language| actors(&names(list), count, language).names;
        assert_eq!(
            said(&["Anna", "Ben"], 5, Language::English),
            "Anna and 4 others"
        );
        assert_eq!(
            said(&["Anna", "Ben"], 5, Language::French),
            "Anna et 4 autres personnes"
        );
        assert_eq!(said(&["Anna", "Ben"], 2, Language::English), "Anna and Ben");
        assert_eq!(said(&["Anna"], 1, Language::French), "Anna");
    }

    /// What `kind` says when done by one person, by two, and by four (two of them named), in
    /// English then in French.
    fn by_one_two_and_many(kind: NotificationKind, data: &Value) -> [String; 6] {
        let people: [(&[&str], usize); 3] = [
            (&["Agnès Côté"], 1),
            (&["Agnès Côté", "Jack Thomas"], 2),
            (&["Céline Bonnet", "Agnès Côté"], 4),
        ];
        let mut said = Vec::new();
        for language in [Language::English, Language::French] {
            for (list, count) in people {
                let who = actors(&names(list), count, language);
                said.push(headline(kind, &who, data, &reader(language)));
            }
        }
        said.try_into().expect("six texts")
    }

    fn post_data() -> Value {
        serde_json::json!({ "title": "Bilan", "groupName": "Équipe" })
    }

    #[test]
    fn mentions_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::Mention, &post_data()),
            [
                "Agnès Côté mentioned you in “Bilan”",
                "Agnès Côté and Jack Thomas mentioned you in “Bilan”",
                "Céline Bonnet and 3 others mentioned you in “Bilan”",
                "Agnès Côté vous a mentionné dans « Bilan »",
                "Agnès Côté et Jack Thomas vous ont mentionné dans « Bilan »",
                "Céline Bonnet et 3 autres personnes vous ont mentionné dans « Bilan »",
            ]
        );
    }

    #[test]
    fn group_mentions_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::GroupMention, &post_data()),
            [
                "Agnès Côté mentioned Équipe in “Bilan”",
                "Agnès Côté and Jack Thomas mentioned Équipe in “Bilan”",
                "Céline Bonnet and 3 others mentioned Équipe in “Bilan”",
                "Agnès Côté a mentionné Équipe dans « Bilan »",
                "Agnès Côté et Jack Thomas ont mentionné Équipe dans « Bilan »",
                "Céline Bonnet et 3 autres personnes ont mentionné Équipe dans « Bilan »",
            ]
        );
    }

    #[test]
    fn comments_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::Comment, &post_data()),
            [
                "Agnès Côté commented on your post “Bilan”",
                "Agnès Côté and Jack Thomas commented on your post “Bilan”",
                "Céline Bonnet and 3 others commented on your post “Bilan”",
                "Agnès Côté a commenté votre publication « Bilan »",
                "Agnès Côté et Jack Thomas ont commenté votre publication « Bilan »",
                "Céline Bonnet et 3 autres personnes ont commenté votre publication « Bilan »",
            ]
        );
    }

    #[test]
    fn replies_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::Reply, &post_data()),
            [
                "Agnès Côté replied to your comment on “Bilan”",
                "Agnès Côté and Jack Thomas replied to your comment on “Bilan”",
                "Céline Bonnet and 3 others replied to your comment on “Bilan”",
                "Agnès Côté a répondu à votre commentaire sur « Bilan »",
                "Agnès Côté et Jack Thomas ont répondu à votre commentaire sur « Bilan »",
                "Céline Bonnet et 3 autres personnes ont répondu à votre commentaire sur « Bilan »",
            ]
        );
    }

    #[test]
    fn reactions_to_a_post_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::Reaction, &post_data()),
            [
                "Agnès Côté reacted to your post “Bilan”",
                "Agnès Côté and Jack Thomas reacted to your post “Bilan”",
                "Céline Bonnet and 3 others reacted to your post “Bilan”",
                "Agnès Côté a réagi à votre publication « Bilan »",
                "Agnès Côté et Jack Thomas ont réagi à votre publication « Bilan »",
                "Céline Bonnet et 3 autres personnes ont réagi à votre publication « Bilan »",
            ]
        );
    }

    #[test]
    fn reactions_to_a_comment_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "Bilan", "onComment": true });
        assert_eq!(
            by_one_two_and_many(NotificationKind::Reaction, &data),
            [
                "Agnès Côté reacted to your comment on “Bilan”",
                "Agnès Côté and Jack Thomas reacted to your comment on “Bilan”",
                "Céline Bonnet and 3 others reacted to your comment on “Bilan”",
                "Agnès Côté a réagi à votre commentaire sur « Bilan »",
                "Agnès Côté et Jack Thomas ont réagi à votre commentaire sur « Bilan »",
                "Céline Bonnet et 3 autres personnes ont réagi à votre commentaire sur « Bilan »",
            ]
        );
    }

    #[test]
    fn group_invitations_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "Équipe" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::GroupInvitation, &data),
            [
                "Agnès Côté invited you to join Équipe",
                "Agnès Côté and Jack Thomas invited you to join Équipe",
                "Céline Bonnet and 3 others invited you to join Équipe",
                "Agnès Côté vous invite à rejoindre Équipe",
                "Agnès Côté et Jack Thomas vous invitent à rejoindre Équipe",
                "Céline Bonnet et 3 autres personnes vous invitent à rejoindre Équipe",
            ]
        );
    }

    #[test]
    fn join_requests_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "Équipe" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::JoinRequest, &data),
            [
                "Agnès Côté asked to join Équipe",
                "Agnès Côté and Jack Thomas asked to join Équipe",
                "Céline Bonnet and 3 others asked to join Équipe",
                "Agnès Côté demande à rejoindre Équipe",
                "Agnès Côté et Jack Thomas demandent à rejoindre Équipe",
                "Céline Bonnet et 3 autres personnes demandent à rejoindre Équipe",
            ]
        );
    }

    #[test]
    fn group_posts_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::GroupPost, &post_data()),
            [
                "Agnès Côté posted in Équipe: “Bilan”",
                "Agnès Côté and Jack Thomas posted in Équipe: “Bilan”",
                "Céline Bonnet and 3 others posted in Équipe: “Bilan”",
                "Agnès Côté a publié dans Équipe : « Bilan »",
                "Agnès Côté et Jack Thomas ont publié dans Équipe : « Bilan »",
                "Céline Bonnet et 3 autres personnes ont publié dans Équipe : « Bilan »",
            ]
        );
    }

    #[test]
    fn acknowledgement_requests_agree_with_one_two_and_many_people() {
        assert_eq!(
            by_one_two_and_many(NotificationKind::AcknowledgementRequested, &post_data()),
            [
                "Agnès Côté asks you to read and acknowledge “Bilan”",
                "Agnès Côté and Jack Thomas ask you to read and acknowledge “Bilan”",
                "Céline Bonnet and 3 others ask you to read and acknowledge “Bilan”",
                "Agnès Côté vous demande de lire et de confirmer « Bilan »",
                "Agnès Côté et Jack Thomas vous demandent de lire et de confirmer « Bilan »",
                "Céline Bonnet et 3 autres personnes vous demandent de lire et de confirmer « Bilan »",
            ]
        );
    }

    #[test]
    fn event_invitations_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "Séminaire" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::EventInvitation, &data),
            [
                "Agnès Côté invited you to Séminaire",
                "Agnès Côté and Jack Thomas invited you to Séminaire",
                "Céline Bonnet and 3 others invited you to Séminaire",
                "Agnès Côté vous invite à Séminaire",
                "Agnès Côté et Jack Thomas vous invitent à Séminaire",
                "Céline Bonnet et 3 autres personnes vous invitent à Séminaire",
            ]
        );
    }

    #[test]
    fn event_changes_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "Séminaire" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::EventUpdated, &data),
            [
                "Agnès Côté changed Séminaire",
                "Agnès Côté and Jack Thomas changed Séminaire",
                "Céline Bonnet and 3 others changed Séminaire",
                "Agnès Côté a modifié Séminaire",
                "Agnès Côté et Jack Thomas ont modifié Séminaire",
                "Céline Bonnet et 3 autres personnes ont modifié Séminaire",
            ]
        );
    }

    #[test]
    fn shared_files_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "bilan.pdf", "folderName": "Comptes" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::FileShared, &data),
            [
                "Agnès Côté added bilan.pdf to Comptes",
                "Agnès Côté and Jack Thomas added bilan.pdf to Comptes",
                "Céline Bonnet and 3 others added bilan.pdf to Comptes",
                "Agnès Côté a ajouté bilan.pdf dans Comptes",
                "Agnès Côté et Jack Thomas ont ajouté bilan.pdf dans Comptes",
                "Céline Bonnet et 3 autres personnes ont ajouté bilan.pdf dans Comptes",
            ]
        );
    }

    #[test]
    fn file_updates_agree_with_one_two_and_many_people() {
        let data = serde_json::json!({ "title": "bilan.pdf" });
        assert_eq!(
            by_one_two_and_many(NotificationKind::FileUpdated, &data),
            [
                "Agnès Côté updated bilan.pdf",
                "Agnès Côté and Jack Thomas updated bilan.pdf",
                "Céline Bonnet and 3 others updated bilan.pdf",
                "Agnès Côté a mis à jour bilan.pdf",
                "Agnès Côté et Jack Thomas ont mis à jour bilan.pdf",
                "Céline Bonnet et 3 autres personnes ont mis à jour bilan.pdf",
            ]
        );
    }

    #[test]
    fn people_the_reader_may_not_see_are_counted_not_named() {
        let data = post_data();
        let said = |count: usize, language: Language| {
            let who = actors(&[], count, language);
            headline(NotificationKind::Reaction, &who, &data, &reader(language))
        };
        assert_eq!(
            said(1, Language::English),
            "Someone reacted to your post “Bilan”"
        );
        assert_eq!(
            said(3, Language::English),
            "3 people reacted to your post “Bilan”"
        );
        assert_eq!(
            said(1, Language::French),
            "Quelqu’un a réagi à votre publication « Bilan »"
        );
        assert_eq!(
            said(3, Language::French),
            "3 personnes ont réagi à votre publication « Bilan »"
        );
    }

    /// What a reminder of Café (in Paris) starting at `starts_at` says to the reader, in
    /// English then in French.
    fn reminded(data: Value) -> [String; 2] {
        let nobody = actors(&[], 0, Language::English);
        [Language::English, Language::French].map(|language| {
            headline(
                NotificationKind::EventReminder,
                &nobody,
                &data,
                &reader(language),
            )
        })
    }

    fn café_at(starts_at: &str) -> Value {
        serde_json::json!({ "title": "Café", "occurrenceStartsAt": starts_at,
                            "timeZone": "Europe/Paris", "minutesBefore": 1440 })
    }

    #[test]
    fn a_reminder_a_day_ahead_reads_tomorrow_at_its_time() {
        assert_eq!(
            reminded(café_at("2026-12-07T09:00:00Z")),
            [
                "Café starts tomorrow at 10:00",
                "Café commence demain à 10 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_within_the_hour_reads_in_minutes() {
        assert_eq!(
            reminded(café_at("2026-12-06T08:15:00Z")),
            ["Café starts in 15 minutes", "Café commence dans 15 minutes"]
        );
        assert_eq!(
            reminded(café_at("2026-12-06T08:01:10Z")),
            ["Café starts in 1 minute", "Café commence dans 1 minute"]
        );
        assert_eq!(
            reminded(café_at("2026-12-06T07:59:50Z")),
            ["Café starts now", "Café commence maintenant"]
        );
    }

    #[test]
    fn a_reminder_further_ahead_reads_its_day_and_time() {
        assert_eq!(
            reminded(café_at("2026-12-06T13:30:00Z")),
            [
                "Café starts today at 14:30",
                "Café commence aujourd’hui à 14 h 30"
            ]
        );
        assert_eq!(
            reminded(café_at("2026-12-09T08:00:00Z")),
            [
                "Café starts on Wednesday at 09:00",
                "Café commence mercredi à 9 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_read_after_the_start_reads_in_the_past() {
        assert_eq!(
            reminded(café_at("2026-12-06T07:00:00Z")),
            [
                "Café started today at 08:00",
                "Café a commencé aujourd’hui à 8 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_of_an_all_day_event_reads_its_day_where_it_takes_place() {
        let mut data = café_at("2026-12-06T23:00:00Z");
        data["allDay"] = Value::Bool(true);
        assert_eq!(reminded(data), ["Café is tomorrow", "Café a lieu demain"]);
    }

    #[test]
    fn a_cancelled_occurrence_reads_its_day_where_the_event_takes_place() {
        let data = serde_json::json!({ "title": "Point", "timeZone": "Europe/Paris",
                                       "occurrenceStartsAt": "2027-01-11T23:30:00Z" });
        let nobody = actors(&[], 0, Language::English);
        let in_new_york = |language| Reader {
            zone: chrono_tz::America::New_York,
            ..reader(language)
        };
        let said = |language| {
            headline(
                NotificationKind::EventCancelled,
                &nobody,
                &data,
                &in_new_york(language),
            )
        };
        assert_eq!(
            said(Language::English),
            "Point on Tuesday 12 January 2027 is cancelled"
        );
        assert_eq!(
            said(Language::French),
            "Point du mardi 12 janvier 2027 est annulé"
        );
    }

    #[test]
    fn a_reminder_gives_when_in_the_readers_time_zone_where_and_the_meeting_link() {
        let data = serde_json::json!({ "title": "Café", "timeZone": "Europe/Paris",
            "occurrenceStartsAt": "2026-12-07T09:00:00Z", "occurrenceEndsAt": "2026-12-07T10:30:00Z",
            "location": "Salle Verte", "onlineUrl": "https://meet.example.com/cafe" });
        let fact = |label, value: &str, link| Fact {
            label,
            value: value.to_owned(),
            link,
        };
        assert_eq!(
            event_facts(&data, &reader(Language::French)),
            [
                fact(
                    "Quand :",
                    "lundi 7 décembre 2026, 10 h 00 – 11 h 30 (Europe/Paris)",
                    false
                ),
                fact("Où :", "Salle Verte", false),
                fact("En ligne :", "https://meet.example.com/cafe", true),
            ]
        );
        let in_london = Reader {
            zone: chrono_tz::Europe::London,
            ..reader(Language::English)
        };
        assert_eq!(
            event_facts(&data, &in_london)[0],
            fact(
                "When:",
                "Monday 7 December 2026, 09:00 – 10:30 (Europe/London)",
                false
            )
        );
    }

    #[test]
    fn french_locales_read_french_and_others_english() {
        assert_eq!(Language::of("fr-CA"), Language::French);
        assert_eq!(Language::of("de"), Language::English);
    }
}
