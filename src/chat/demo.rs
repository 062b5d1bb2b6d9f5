//! The demo organization's chat: two rooms with a history (a thread in one, reactions in each),
//! and a direct conversation with unread messages for the demo admin.

use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{self, ConversationKind, NewConversation, NewMessage};
use crate::error::ApiResult;
use crate::groups::model as groups;
use crate::posts::model::{self as reactions, SubjectKind};

/// A line of a demo conversation: who says it (an index into the conversation's people), what,
/// and whether it replies in the thread of the conversation's first message.
type Line = (usize, &'static str, bool);

const ENGINEERING: &[Line] = &[
    (
        1,
        "Qui est dispo pour relire la PR sur la recherche full-text ? 🙏",
        false,
    ),
    (2, "Moi, après le point de 14 h.", true),
    (
        3,
        "Je regarde aussi les index, il y a un `EXPLAIN` à refaire.",
        true,
    ),
    (1, "Merci à vous deux !", true),
    (
        4,
        "Rappel : la démo de vendredi est avancée à **11 h**.",
        false,
    ),
    (2, "Noted — I'll book the big room.", false),
    (5, "Le build de nuit est vert 🎉", false),
    (
        3,
        "@helene.dubois tu valides la mise en prod de lundi ?",
        false,
    ),
];

const PARIS: &[Line] = &[
    (1, "Croissants en salle Eiffel ce matin 🥐", false),
    (2, "Les derniers sont pour l'équipe support !", false),
    (3, "Le wifi du 3e est réparé.", false),
];

const DIRECT: &[Line] = &[
    (
        0,
        "Bonjour, tu as deux minutes pour le budget du T1 ?",
        false,
    ),
    (1, "Oui, je t'appelle après le déjeuner.", false),
    (1, "Finalement, je t'envoie le tableur ce soir.", false),
    (1, "C'est envoyé : dis-moi si les chiffres te vont.", false),
];

/// Adds the demo chat once (nothing if a conversation exists); returns the conversations added.
pub async fn seed(conn: &mut AsyncPgConnection, people: &[Uuid]) -> ApiResult<usize> {
    let any: i64 = diesel::sql_query("SELECT count(*) AS count FROM conversations")
        .get_result::<Count>(conn)
        .await?
        .count;
    let Some(&admin) = people.first() else {
        return Ok(0);
    };
    if any > 0 {
        return Ok(0);
    }
    let mut added = 0;
    for (slug, name, lines) in [
        ("engineering-guild", "général", ENGINEERING),
        ("site-de-paris", "café", PARIS),
    ] {
        let Some(group) = groups::find_by_slug(conn, slug).await? else {
            continue;
        };
        let members: Vec<Uuid> = groups::member_ids(conn, group.id)
            .await?
            .into_iter()
            .map(|(person, _)| person)
            .collect();
        let mut speakers = vec![admin];
        speakers.extend(members.iter().filter(|person| **person != admin));
        let room = model::insert(
            conn,
            &NewConversation {
                id: Uuid::now_v7(),
                kind: ConversationKind::GroupRoom,
                group_id: Some(group.id),
                name: Some(name.to_owned()),
                read_only: false,
                direct_key: None,
                created_by: Some(admin),
            },
        )
        .await?;
        model::add_group_members(conn, room.id, group.id).await?;
        // The admin joined the rooms (org admins may join any).
        model::add_members(conn, room.id, &[admin]).await?;
        write(conn, room.id, &speakers, lines).await?;
        added += 1;
    }
    if let Some(&colleague) = people.get(1) {
        let direct = model::insert(
            conn,
            &NewConversation {
                id: Uuid::now_v7(),
                kind: ConversationKind::Direct,
                group_id: None,
                name: None,
                read_only: false,
                direct_key: Some(model::direct_key(admin, colleague)),
                created_by: Some(admin),
            },
        )
        .await?;
        model::add_members(conn, direct.id, &[admin, colleague]).await?;
        write(conn, direct.id, &[admin, colleague], DIRECT).await?;
        added += 1;
    }
    // The admin has read up to each conversation's second message.
    diesel::sql_query("UPDATE conversation_members SET read_seq = 2 WHERE user_id = $1")
        .bind::<SqlUuid, _>(admin)
        .execute(conn)
        .await?;
    Ok(added)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Writes `lines` in a conversation (`speakers` indexed by each line), spread over the last
/// hours, every member having read everything; the other speakers like the first message.
async fn write(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    speakers: &[Uuid],
    lines: &[Line],
) -> ApiResult<()> {
    let mut root = None;
    for &(speaker, body, in_thread) in lines {
        let reply_to = if in_thread { root } else { None };
        let seq = model::take_seq(conn, conversation, reply_to.is_none()).await?;
        let author = speakers.get(speaker % speakers.len()).copied();
        let message = model::insert_message(
            conn,
            &NewMessage {
                id: Uuid::now_v7(),
                conversation_id: conversation,
                seq,
                author_id: author,
                client_id: None,
                body: body.to_owned(),
                body_html: crate::markdown::to_safe_html(body),
                reply_to_id: reply_to,
            },
        )
        .await?;
        let mentioned = crate::posts::model::mentioned_users(conn, body).await?;
        model::record_mentions(conn, &message, &mentioned).await?;
        match reply_to {
            Some(root) => model::count_reply(conn, root).await?,
            None if root.is_none() => root = Some(message.id),
            None => {}
        }
    }
    // The others like the conversation's first message.
    if let Some(first) = root {
        for &person in speakers.iter().skip(1).take(3) {
            reactions::react(conn, first, SubjectKind::Message, person, "👍").await?;
        }
    }
    diesel::sql_query(
        "UPDATE messages SET created_at = now() - (c.last_seq - messages.seq + 1) * interval '23 minutes'
         FROM conversations c WHERE c.id = $1 AND messages.conversation_id = c.id",
    )
    .bind::<SqlUuid, _>(conversation)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE conversations SET last_message_at =
           (SELECT max(created_at) FROM messages WHERE conversation_id = $1) WHERE id = $1",
    )
    .bind::<SqlUuid, _>(conversation)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE conversation_members m SET read_seq = c.last_seq
         FROM conversations c WHERE c.id = $1 AND m.conversation_id = c.id",
    )
    .bind::<SqlUuid, _>(conversation)
    .execute(conn)
    .await?;
    Ok(())
}
