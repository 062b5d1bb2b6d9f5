//! Accounts made by an admin for people without email: a username and a one-time activation code
//! handed over on site. The person activates the account with both and chooses a password.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use uuid::Uuid;

use crate::auth::throttle::{self, Attempt};
use crate::auth::{Client, password, secrets};
use crate::db::schema::users;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;
use crate::users::{User, UserStatus, model as user_model};

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L, U/V).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTWXYZ23456789";
const CODE_CHARS: usize = 12;

/// A fresh code, grouped for reading aloud: `K7QF-9XMD-2PWA` (about 58 bits; attempts are
/// throttled like passwords).
pub fn new_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..CODE_CHARS)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What a person typed, in the form codes are hashed in: upper case, no dashes or spaces.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn hash(code: &str) -> Vec<u8> {
    secrets::hash(&normalise(code))
}

/// Gives a pending account a new code (the old one stops working).
pub async fn set_code(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    code: &str,
    expires_at: DateTime<Utc>,
) -> ApiResult<User> {
    Ok(diesel::update(users::table.find(user_id))
        .set((
            users::activation_code_hash.eq(hash(code)),
            users::activation_expires_at.eq(expires_at),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}

/// Whether `code` is the pending account's current, unexpired code. Comparing hashes leaks
/// nothing about the code, so a plain comparison is enough.
pub fn matches(user: &User, code: &str) -> bool {
    user.status == UserStatus::Pending
        && user.activation_expires_at.is_some_and(|at| at > Utc::now())
        && user.activation_code_hash.as_deref() == Some(hash(code).as_slice())
}

/// Activates the pending account `username` with its code and a first password. The attempt is
/// throttled like a sign-in and the code checked before the password is hashed, so wrong codes
/// cost no hashing.
pub async fn activate_with_code(
    services: &Services,
    client: &Client,
    username: &str,
    code: &str,
    password: String,
) -> ApiResult<User> {
    let (user, attempt) = {
        let mut conn = services.pool.get().await?;
        let found = user_model::find_by_identifier(&mut conn, username).await?;
        let attempt = Attempt::new(found.as_ref().map(|u| u.id), username, client.address);
        throttle::record_attempt(&mut conn, &attempt).await?;
        let user = found.filter(|user| matches(user, code)).ok_or_else(|| {
            ApiError::bad_input(
                "activationCode",
                "unknown username, or a wrong or expired code",
            )
        })?;
        (user, attempt)
    };
    let password_hash = password::hash_limited(services, client, password).await?;
    let mut conn = services.pool.get().await?;
    let user = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // Locked again: two activations with one code make one account.
            let current = user_model::lock(conn, user.id)
                .await?
                .filter(|current| matches(current, code))
                .ok_or_else(|| ApiError::bad_input("activationCode", "this code was just used"))?;
            let user = activate(conn, current.id, &password_hash).await?;
            // Rules take in active people only: the person joins the groups whose rules match
            // the department and site the admin gave them now.
            crate::groups::rules::follow_directory(conn, user.id).await?;
            Ok(user)
        })
        .await?;
    throttle::clear(&mut conn, &attempt).await?;
    Ok(user)
}

/// Activates a pending account with its first password; the code is spent.
async fn activate(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    password_hash: &str,
) -> ApiResult<User> {
    Ok(diesel::update(users::table.find(user_id))
        .set((
            users::status.eq(UserStatus::Active),
            users::password_hash.eq(password_hash),
            users::activated_at.eq(Utc::now()),
            users::activation_code_hash.eq(None::<Vec<u8>>),
            users::activation_expires_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}
