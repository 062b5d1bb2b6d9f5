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
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub sso_provider_id: Option<String>,
}

/// Where a session comes from, as people see it in their list of sessions.
#[derive(Debug, Clone, Default)]
pub struct SessionOrigin {
    pub user_agent: Option<String>,
    /// The identity provider that signed the person in, if any.
    pub sso_provider_id: Option<String>,
}

/// `last_seen_at` is refreshed at most this often, so requests do not each write.
const LAST_SEEN_RESOLUTION: chrono::Duration = chrono::Duration::minutes(5);
/// User agents are kept for display; longer ones are cut.
const USER_AGENT_MAX_CHARS: usize = 512;

/// Opens a session; returns it with the secret for the cookie (never stored in clear).
pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    lifetime: std::time::Duration,
    origin: SessionOrigin,
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
            sessions::user_agent.eq(origin
                .user_agent
                .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect::<String>())),
            sessions::sso_provider_id.eq(origin.sso_provider_id),
        ))
        .returning(Session::as_returning())
        .get_result(conn)
        .await?;
    Ok((session, secret))
}

/// The active person behind a live session secret; marks the session as seen now.
pub async fn find_user(
    conn: &mut AsyncPgConnection,
    secret: &str,
) -> ApiResult<Option<(Session, User)>> {
    let found: Option<(Session, User)> = live_sessions()
        .filter(sessions::token_hash.eq(secrets::hash(secret)))
        .first(conn)
        .await
        .optional()?;
    if let Some((session, _)) = &found
        && session.last_seen_at < Utc::now() - LAST_SEEN_RESOLUTION
    {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::last_seen_at.eq(Utc::now()))
            .execute(conn)
            .await?;
    }
    Ok(found)
}

/// A person's live sessions, most recently seen first.
pub async fn list_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<Vec<Session>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(Utc::now()))
        .order((sessions::last_seen_at.desc(), sessions::id.desc()))
        .select(Session::as_select())
        .load(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Session>> {
    Ok(sessions::table
        .find(id)
        .filter(sessions::expires_at.gt(Utc::now()))
        .select(Session::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Ends every session of a person (deactivation); returns how many there were.
pub async fn delete_all_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<usize> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
            .execute(conn)
            .await?,
    )
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

/// Ends a session and, once that commits, closes its open subscriptions on every instance;
/// returns when every instance has heard of it, so no request is accepted with it after that
/// (see `auth::cache`).
pub async fn end(
    conn: &mut AsyncPgConnection,
    events: &crate::events::EventBus,
    session: &Session,
) -> ApiResult<()> {
    use diesel_async::AsyncConnection;
    let ended = crate::events::Event::CredentialsRevoked {
        user_id: session.user_id,
        credential_id: Some(session.id),
    };
    conn.transaction::<_, crate::error::ApiError, _>(async |conn| {
        delete(conn, session.id).await?;
        events.publish(conn, &ended).await
    })
    .await?;
    events.barrier(conn).await;
    Ok(())
}

/// Ends a session; returns it as it was, if it existed.
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Session>> {
    Ok(diesel::delete(sessions::table.find(id))
        .returning(Session::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}
