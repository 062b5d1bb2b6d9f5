//! Password hashing with argon2id.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Verified when an account does not exist, so a wrong identifier costs as much time as a wrong
/// password and does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not a real password").unwrap_or_default());

pub fn validate(password: &str) -> ApiResult<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ApiError::bad_input(
            "password",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(ApiError::bad_input(
            "password",
            format!("must be at most {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

pub fn hash(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::internal(anyhow::anyhow!("hashing a password: {error}")))
}

/// Verifies on the blocking pool, at most `checks` permits at a time: each check costs ~19 MiB
/// and a core for a while, so sign-in storms queue here instead of starving the server.
pub async fn verify_limited(
    checks: &Semaphore,
    password: String,
    stored: Option<String>,
) -> ApiResult<bool> {
    let _permit = checks.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)
}

/// Validates and hashes a new password on the blocking pool, queued like `verify_limited`.
pub async fn hash_limited(checks: &Semaphore, password: String) -> ApiResult<String> {
    validate(&password)?;
    let _permit = checks.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(ApiError::internal)?
}

/// Whether `password` matches `stored`; with no stored hash, burns the same time and fails.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), stored.unwrap_or(DUMMY_HASH.as_str()))
        .is_ok();
    matches && stored.is_some()
}
