//! Who and which groups a post or comment names with `@handle`, and the rows that keep them.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{post_group_mentions, post_mentions, users};
use crate::error::ApiResult;
use crate::users::UserStatus;

/// Makes `mentioned` the post's mentions; returns those who were not mentioned before.
pub async fn replace_mentions(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    mentioned: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    diesel::delete(
        post_mentions::table
            .filter(post_mentions::post_id.eq(post))
            .filter(post_mentions::user_id.ne_all(mentioned)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = mentioned
        .iter()
        .map(|user| {
            (
                post_mentions::post_id.eq(post),
                post_mentions::user_id.eq(*user),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Ok(diesel::insert_into(post_mentions::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(post_mentions::user_id)
        .get_results(conn)
        .await?)
}

/// Who mentions groups as a whole.
#[derive(Debug, Clone, Copy)]
pub enum Mentioner {
    /// A person: the groups they manage, or any group for org admins.
    Person { id: Uuid, admin: bool },
    /// An integration: the group it posts into.
    Integration { group: Uuid },
}

/// Groups named by `@group-slug` in a text that `mentioner` may mention as a whole.
pub async fn mentionable_groups(
    conn: &mut AsyncPgConnection,
    text: &str,
    mentioner: Mentioner,
) -> ApiResult<Vec<Uuid>> {
    let handles = mention_handles(text);
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let (person, admin, group) = match mentioner {
        Mentioner::Person { id, admin } => (Some(id), admin, None),
        Mentioner::Integration { group } => (None, false, Some(group)),
    };
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT g.id FROM groups g
         WHERE lower(g.slug) = ANY($1)
           AND ($3 OR g.id = $4
                OR EXISTS (SELECT 1 FROM group_memberships m
                           WHERE m.group_id = g.id AND m.user_id = $2 AND m.role IN ('owner', 'manager')))",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&handles)
    .bind::<Nullable<SqlUuid>, _>(person)
    .bind::<Bool, _>(admin)
    .bind::<Nullable<SqlUuid>, _>(group)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

pub async fn replace_group_mentions(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    groups: &[Uuid],
) -> ApiResult<()> {
    diesel::delete(post_group_mentions::table.filter(post_group_mentions::post_id.eq(post)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = groups
        .iter()
        .map(|group| {
            (
                post_group_mentions::post_id.eq(post),
                post_group_mentions::group_id.eq(*group),
            )
        })
        .collect();
    diesel::insert_into(post_group_mentions::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Active people named by `@username` in a text.
pub async fn mentioned_users(conn: &mut AsyncPgConnection, text: &str) -> ApiResult<Vec<Uuid>> {
    let usernames = mention_handles(text);
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::username.eq_any(usernames))
        .filter(users::status.eq(UserStatus::Active))
        .select(users::id)
        .load(conn)
        .await?)
}

/// The `@handles` of a text, lower-cased: `@` at a word start (so not in an email address), then
/// username characters.
pub fn mention_handles(text: &str) -> Vec<String> {
    let mut handles = Vec::new();
    let mut previous = ' ';
    for (index, c) in text.char_indices() {
        if c == '@' && !previous.is_alphanumeric() {
            let rest = &text[index + 1..];
            let handle: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
            if handle.len() >= 2 && !handles.contains(&handle) {
                handles.push(handle);
            }
        }
        previous = c;
    }
    handles
}

#[cfg(test)]
mod tests {
    use super::mention_handles;

    #[test]
    fn mentions_are_handles_at_word_starts() {
        assert_eq!(
            mention_handles("Merci @Ada, @jean.dupont. et contact@example.com (@x) @helene-d"),
            ["ada", "jean.dupont", "helene-d"]
        );
    }
}
