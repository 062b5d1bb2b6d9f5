//! The one-line summary of each kind of notification, in English and in French; the French verb
//! agrees with the number of people who did it.

use serde_json::Value;

use super::reminders::reminder;
use super::{Actors, Language, Reader, event_zone, instant, text};
use crate::notifications::dates;
use crate::notifications::kinds::NotificationKind;

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
            K::ChatMention if title.is_empty() => format!("{who} mentioned you in a message"),
            K::ChatMention => format!("{who} mentioned you in {title}"),
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
            K::ChatMention if title.is_empty() => format!(
                "{who} {} dans un message",
                verb("vous a mentionné", "vous ont mentionné")
            ),
            K::ChatMention => format!(
                "{who} {} dans {title}",
                verb("vous a mentionné", "vous ont mentionné")
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::actors;
    use super::super::tests::{names, reader};
    use super::*;

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
}
