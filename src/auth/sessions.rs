//! Server-side sessions behind the HttpOnly cookie.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::secrets;
use crate::db::schema::{sessions, users};
use crate::error::ApiResult;
use crate::users::{User, UserStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Opens a session; returns it with the secret for the cookie (never stored in clear).
pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    lifetime: std::time::Duration,
) -> ApiResult<(Session, String)> {
    // The person's expired sessions go now, so the table holds only live ones.
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::expires_at.le(Utc::now())),
    )
    .execute(conn)
    .await?;
    let secret = secrets::generate("pvs_");
    let expires_at = Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
    let session = diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(Uuid::now_v7()),
            sessions::user_id.eq(user_id),
            sessions::token_hash.eq(secrets::hash(&secret)),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(Session::as_returning())
        .get_result(conn)
        .await?;
    Ok((session, secret))
}

/// The active person behind a live session secret.
pub async fn find_user(
    conn: &mut AsyncPgConnection,
    secret: &str,
) -> ApiResult<Option<(Session, User)>> {
    Ok(live_sessions()
        .filter(sessions::token_hash.eq(secrets::hash(secret)))
        .first(conn)
        .await
        .optional()?)
}

/// The session and its person again, if the session is still live and the person active.
pub async fn find_live(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<Option<(Session, User)>> {
    Ok(live_sessions()
        .filter(sessions::id.eq(id))
        .first(conn)
        .await
        .optional()?)
}

type LiveSessions = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<
        diesel::dsl::InnerJoin<sessions::table, users::table>,
        (
            diesel::dsl::AsSelect<Session, diesel::pg::Pg>,
            diesel::dsl::AsSelect<User, diesel::pg::Pg>,
        ),
    >,
    diesel::pg::Pg,
>;

fn live_sessions() -> LiveSessions {
    sessions::table
        .inner_join(users::table)
        .select((Session::as_select(), User::as_select()))
        .into_boxed()
        .filter(sessions::expires_at.gt(Utc::now()))
        .filter(users::status.eq(UserStatus::Active))
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::delete(sessions::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}
