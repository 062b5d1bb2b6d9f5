//! Personal access tokens: random 256-bit secrets sent as `Authorization: Bearer`, stored hashed,
//! shown once, revocable, optionally expiring.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::secrets;
use crate::db::schema::{personal_access_tokens as tokens, users};
use crate::error::ApiResult;
use crate::users::{User, UserStatus};

pub const NAME_MAX_LENGTH: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens, check_for_backend(diesel::pg::Pg))]
pub struct AccessToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Creates a token; returns it with its secret, which is shown once and never stored in clear.
pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<(AccessToken, String)> {
    let secret = secrets::generate("pvt_");
    let token = diesel::insert_into(tokens::table)
        .values((
            tokens::id.eq(Uuid::now_v7()),
            tokens::user_id.eq(user_id),
            tokens::name.eq(name),
            tokens::token_hash.eq(secrets::hash(&secret)),
            tokens::expires_at.eq(expires_at),
        ))
        .returning(AccessToken::as_returning())
        .get_result(conn)
        .await?;
    Ok((token, secret))
}

/// The active person behind a valid token secret; records when the token was last used.
pub async fn find_user(
    conn: &mut AsyncPgConnection,
    secret: &str,
) -> ApiResult<Option<(AccessToken, User)>> {
    let found: Option<(AccessToken, User)> = live_tokens()
        .filter(tokens::token_hash.eq(secrets::hash(secret)))
        .first(conn)
        .await
        .optional()?;
    if let Some((token, _)) = &found {
        // One write a minute at most per token keeps authentication read-mostly.
        let stale = Utc::now() - chrono::Duration::minutes(1);
        if token.last_used_at.is_none_or(|used| used < stale) {
            diesel::update(tokens::table.find(token.id))
                .set(tokens::last_used_at.eq(Utc::now()))
                .execute(conn)
                .await?;
        }
    }
    Ok(found)
}

/// The token and its person again, if the token is still valid and the person active.
pub async fn find_live(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<Option<(AccessToken, User)>> {
    Ok(live_tokens()
        .filter(tokens::id.eq(id))
        .first(conn)
        .await
        .optional()?)
}

type LiveTokens = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<
        diesel::dsl::InnerJoin<tokens::table, users::table>,
        (
            diesel::dsl::AsSelect<AccessToken, diesel::pg::Pg>,
            diesel::dsl::AsSelect<User, diesel::pg::Pg>,
        ),
    >,
    diesel::pg::Pg,
>;

fn live_tokens() -> LiveTokens {
    tokens::table
        .inner_join(users::table)
        .select((AccessToken::as_select(), User::as_select()))
        .into_boxed()
        .filter(tokens::revoked_at.is_null())
        .filter(
            tokens::expires_at
                .is_null()
                .or(tokens::expires_at.gt(Utc::now())),
        )
        .filter(users::status.eq(UserStatus::Active))
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<AccessToken>> {
    Ok(tokens::table
        .find(id)
        .select(AccessToken::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> ApiResult<Vec<AccessToken>> {
    Ok(tokens::table
        .filter(tokens::user_id.eq(user_id))
        .order(tokens::created_at.desc())
        .select(AccessToken::as_select())
        .load(conn)
        .await?)
}

/// Revokes a token of `user_id` and, once that commits, closes the subscriptions opened with it
/// on every instance; returns when every instance has heard of it, so no request is accepted
/// with it after that (see `auth::cache`).
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    events: &crate::events::EventBus,
    user_id: Uuid,
    id: Uuid,
) -> ApiResult<AccessToken> {
    use diesel_async::AsyncConnection;
    let revoked = crate::events::Event::CredentialsRevoked {
        user_id,
        credential_id: Some(id),
    };
    let token = conn
        .transaction::<_, crate::error::ApiError, _>(async |conn| {
            let token = diesel::update(tokens::table.find(id).filter(tokens::user_id.eq(user_id)))
                .set(tokens::revoked_at.eq(Some(Utc::now())))
                .returning(AccessToken::as_returning())
                .get_result(conn)
                .await?;
            events.publish(conn, &revoked).await?;
            Ok(token)
        })
        .await?;
    events.barrier(conn).await;
    Ok(token)
}

/// Revokes every token of a person still working (deactivation).
pub async fn revoke_all_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<()> {
    diesel::update(
        tokens::table
            .filter(tokens::user_id.eq(user_id))
            .filter(tokens::revoked_at.is_null()),
    )
    .set(tokens::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await?;
    Ok(())
}
