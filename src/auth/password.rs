//! Password hashing with argon2id. Each hash or check takes a core and ~19 MiB for a while, so
//! requests reach argon2 only through `verify_limited` and `hash_limited`: at most one hash or
//! check per HTTP request (see `PasswordAllowance`), queued on the server's shared semaphore.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::Client;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Verified when an account does not exist, so a wrong identifier costs as much time as a wrong
/// password and does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("not a real password").unwrap_or_default());

/// The one password hash or check an HTTP request may cost. The operations of a batch share it,
/// so ten sign-ins, activations or invitation acceptances in one request cost one hash, not ten.
#[derive(Debug, Clone, Default)]
pub struct PasswordAllowance(Arc<AtomicBool>);

impl PasswordAllowance {
    fn spend(&self) -> ApiResult<()> {
        if self.0.swap(true, Ordering::SeqCst) {
            return Err(ApiError::bad_input(
                "password",
                "only one password may be checked or set per request; send the other operations \
                 in requests of their own",
            ));
        }
        Ok(())
    }
}

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

/// Hashes right here, unqueued: for work outside requests (the CLI, the demo seed). Requests use
/// `hash_limited`.
pub fn hash(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::internal(anyhow::anyhow!("hashing a password: {error}")))
}

/// Whether `password` matches `stored` (with no stored hash, burns the same time and fails).
pub async fn verify_limited(
    services: &Services,
    client: &Client,
    password: String,
    stored: Option<String>,
) -> ApiResult<bool> {
    run_limited(services, client, move || {
        verify(&password, stored.as_deref())
    })
    .await
}

/// Validates and hashes a new password. Callers check everything cheaper first (tokens, codes,
/// throttles, names).
pub async fn hash_limited(
    services: &Services,
    client: &Client,
    password: String,
) -> ApiResult<String> {
    validate(&password)?;
    run_limited(services, client, move || hash(&password)).await?
}

/// Spends the request's one password allowance, then runs `work` on the blocking pool once the
/// shared semaphore lets it, so password storms queue there instead of starving the server.
async fn run_limited<T: Send + 'static>(
    services: &Services,
    client: &Client,
    work: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    client.password_allowance.spend()?;
    let _permit = services
        .password_checks
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

fn verify(password: &str, stored: Option<&str>) -> bool {
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), stored.unwrap_or(DUMMY_HASH.as_str()))
        .is_ok();
    matches && stored.is_some()
}
