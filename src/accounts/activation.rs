//! Accounts made by an admin for people without email: a username and a one-time activation code
//! handed over on site. The person activates the account with both and chooses a password.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use uuid::Uuid;

use crate::auth::secrets;
use crate::db::schema::users;
use crate::error::ApiResult;
use crate::users::{User, UserStatus};

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

/// Activates a pending account with its first password; the code is spent.
pub async fn activate(
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
