//! The demo news feed: about three hundred posts in the demo groups with comments and reactions,
//! a charter to acknowledge and a poll; the recent ones notify people through the triggers.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::Lcg;
use super::groups::{self as demo_groups, DemoGroupMembers};
use super::people::demo_people_ids;
use crate::error::ApiResult;
use crate::groups::PostingPolicy;
use crate::notifications::triggers::Trigger;
use crate::posts::model::{self as posts, NewPost};

/// Demo posts published this recently notify people of themselves, their comments and reactions
/// (through the job queue once the server runs), so inboxes are lively but not years deep.
const NOTIFIED_RECENTLY: chrono::Duration = chrono::Duration::days(14);

const POST_OPENINGS: &[&str] = &[
    "Bonjour à tous ! Petit point sur",
    "Hello everyone, a quick update on",
    "Rappel :",
    "Reminder:",
    "Bonne nouvelle concernant",
    "Good news about",
    "Question pour l'équipe à propos de",
    "Question for the team about",
];

const POST_TOPICS: &[&str] = &[
    "la nouvelle cantine du 3e étage",
    "the quarterly results",
    "la migration du CRM",
    "the summer party",
    "le télétravail le vendredi",
    "the new onboarding guide",
    "les places de parking",
    "our customer satisfaction survey",
    "la formation sécurité",
    "the London office move",
];

const POST_DETAILS: &[&str] = &[
    "Tout est dans le document partagé, **n'hésitez pas à commenter**.",
    "Details are in the shared folder — *feedback welcome*.",
    "Merci à toutes celles et ceux qui ont participé 🙏",
    "Thanks to everyone who helped make it happen!",
    "On en reparle jeudi en réunion d'équipe.",
    "- Date : vendredi\n- Lieu : salle Atlas\n- Durée : 1 h",
];

const COMMENTS: &[&str] = &[
    "Merci pour l'info !",
    "Great, thanks!",
    "Super nouvelle 👏",
    "Is this also for Lyon?",
    "Je serai là.",
    "+1",
];
const REACTIONS: &[&str] = &["👍", "🎉", "❤️", "👏", "😂"];

/// About three hundred posts over the last four months in the demo groups, with comments and
/// reactions (only when the organization has no post yet); `news` gets what the recent ones
/// should notify people of.
pub(super) async fn seed_posts(
    conn: &mut AsyncPgConnection,
    news: &mut Vec<Trigger>,
) -> ApiResult<usize> {
    if posts::count_all(conn).await? > 0 {
        return Ok(0);
    }
    let people = demo_people_ids(conn).await?;
    let groups_with_members = demo_groups::with_members(conn).await?;
    let mut random = Lcg(2026);
    let mut created = 0;
    for index in 0..300 {
        let (group, posting, members) = &groups_with_members[index % groups_with_members.len()];
        let authors: Vec<Uuid> = match posting {
            PostingPolicy::Managers => members
                .iter()
                .filter(|(_, role)| role.manages())
                .map(|(id, _)| *id)
                .collect(),
            PostingPolicy::Members => members.iter().map(|(id, _)| *id).collect(),
        };
        let Some(&author) = random.pick(&authors) else {
            continue;
        };
        let body = format!(
            "{} {}.\n\n{}",
            random.pick(POST_OPENINGS).copied().unwrap_or_default(),
            random.pick(POST_TOPICS).copied().unwrap_or_default(),
            random.pick(POST_DETAILS).copied().unwrap_or_default(),
        );
        let published_at =
            Utc::now() - chrono::Duration::minutes((random.next() % (120 * 24 * 60)) as i64);
        let post = posts::insert(
            conn,
            &NewPost {
                id: Uuid::now_v7(),
                author_id: Some(author),
                webhook_id: None,
                integration_name: None,
                title: (index % 4 == 0).then(|| format!("Nouvelles de {}", group.name)),
                body_html: crate::markdown::to_safe_html(&body),
                body,
                organization_wide: false,
                requires_acknowledgement: false,
                published_at: Some(published_at),
            },
            &[group.id],
            &[],
        )
        .await?;
        let mut happened = vec![Trigger::PostPublished { post_id: post.id }];
        for _ in 0..random.next() % 4 {
            if let (Some(&(commenter, _)), Some(text)) =
                (random.pick(members), random.pick(COMMENTS))
            {
                let comment = posts::insert_comment(conn, post.id, None, commenter, text).await?;
                happened.push(Trigger::CommentAdded {
                    comment_id: comment.id,
                });
            }
        }
        for _ in 0..random.next() % 6 {
            if let (Some(&(reader, _)), Some(emoji)) =
                (random.pick(members), random.pick(REACTIONS))
                && posts::react(conn, post.id, posts::SubjectKind::Post, reader, emoji).await?
            {
                happened.push(Trigger::Reacted {
                    subject_id: post.id,
                    user_id: reader,
                });
            }
        }
        if published_at > Utc::now() - NOTIFIED_RECENTLY {
            news.extend(happened);
        }
        created += 1;
    }
    created += seed_announcement_and_poll(conn, &people, &groups_with_members, news).await?;
    Ok(created)
}

/// A pinned organization-wide announcement that asks to be acknowledged, and a poll.
async fn seed_announcement_and_poll(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
    groups_with_members: &[DemoGroupMembers],
    news: &mut Vec<Trigger>,
) -> ApiResult<usize> {
    let (Some(&admin), Some((guild, _, guild_members))) =
        (people.first(), groups_with_members.get(5))
    else {
        return Ok(0);
    };
    let announcement = "## Nouvelle charte informatique\n\nMerci de lire la charte mise à jour et de confirmer sa lecture. *Please read the updated IT policy and acknowledge it.*";
    let charter = posts::insert(
        conn,
        &NewPost {
            id: Uuid::now_v7(),
            author_id: Some(admin),
            webhook_id: None,
            integration_name: None,
            title: Some("Charte informatique 2026".into()),
            body_html: crate::markdown::to_safe_html(announcement),
            body: announcement.into(),
            organization_wide: true,
            requires_acknowledgement: true,
            published_at: Some(Utc::now()),
        },
        &[],
        &[],
    )
    .await?;
    posts::pin(conn, charter.id, None, 0, admin).await?;
    news.push(Trigger::PostPublished {
        post_id: charter.id,
    });
    let question =
        "Which day suits the next Engineering Guild talk? / Quel jour pour le prochain talk ?";
    let poll_author = guild_members.first().map_or(admin, |(id, _)| *id);
    let poll_post = posts::insert(
        conn,
        &NewPost {
            id: Uuid::now_v7(),
            author_id: Some(poll_author),
            webhook_id: None,
            integration_name: None,
            title: None,
            body_html: crate::markdown::to_safe_html(question),
            body: question.into(),
            organization_wide: false,
            requires_acknowledgement: false,
            published_at: Some(Utc::now()),
        },
        &[guild.id],
        &[],
    )
    .await?;
    let poll = crate::posts::polls::NewPoll {
        options: vec![
            "Mardi / Tuesday".into(),
            "Jeudi / Thursday".into(),
            "Vendredi / Friday".into(),
        ],
        multiple_choice: false,
        anonymous: false,
        closes_at: Some(Utc::now() + chrono::Duration::days(7)),
        results_visibility: crate::posts::polls::ResultsVisibility::AfterVoting,
    };
    crate::posts::polls::insert(conn, poll_post.id, &poll).await?;
    Ok(2)
}
