//! Verified credentials, remembered by each instance for a short while so that most requests
//! authenticate without a database round trip.
//!
//! An entry lives at most the configured lifetime (and never past its credential's expiry). The
//! database announces every change of a person's account, sessions or tokens (`AccountChanged`,
//! raised by triggers whatever made the change) on the event bus, and every instance forgets
//! that person's entries as the event arrives; while the bus's connection is down, nothing is
//! remembered long (`EventsMissed` empties the cache).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Viewer;
use crate::events::Event;

/// Entries kept at most: a bound on memory whatever the number of credentials in use.
const MAX_ENTRIES: usize = 10_000;

/// A credential as presented: the bearer token or the session cookie's secret.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    Bearer(&'a str),
    SessionCookie(&'a str),
}

impl Presented<'_> {
    /// The entry's key: a digest, so the cache holds no secret.
    fn key(self) -> [u8; 32] {
        let (kind, secret) = match self {
            Self::Bearer(token) => (b'b', token),
            Self::SessionCookie(secret) => (b's', secret),
        };
        Sha256::new()
            .chain_update([kind])
            .chain_update(secret.as_bytes())
            .finalize()
            .into()
    }
}

pub struct CredentialCache {
    lifetime: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<[u8; 32], Entry>,
    /// Counts the times entries were forgotten: a verification that started before one of them
    /// may have read what it made stale, and is not stored.
    forgettings: u64,
}

struct Entry {
    viewer: Viewer,
    until: Instant,
}

/// A credential not found in the cache, to be verified against the database then `store`d.
pub struct Miss {
    key: [u8; 32],
    forgettings: u64,
}

impl CredentialCache {
    /// A cache keeping entries for `lifetime` (zero keeps none).
    pub fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            state: Mutex::default(),
        }
    }

    /// The viewer `presented` was verified as, if remembered and still fresh.
    pub fn get(&self, presented: Presented<'_>) -> Result<Viewer, Miss> {
        let key = presented.key();
        let state = self.state();
        match state.entries.get(&key) {
            Some(entry) if entry.until > Instant::now() => Ok(entry.viewer.clone()),
            _ => Err(Miss {
                key,
                forgettings: state.forgettings,
            }),
        }
    }

    /// Remembers the viewer a missed credential was verified as, until the cache's lifetime
    /// or the credential's own expiry; not when something was forgotten since the miss.
    pub fn store(&self, miss: Miss, viewer: &Viewer, expires_at: Option<DateTime<Utc>>) {
        let mut lifetime = self.lifetime;
        if let Some(expires_at) = expires_at {
            let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
            lifetime = lifetime.min(left);
        }
        if lifetime.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut state = self.state();
        if state.forgettings != miss.forgettings {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.retain(|_, entry| entry.until > now);
            if state.entries.len() >= MAX_ENTRIES {
                return;
            }
        }
        let entry = Entry {
            viewer: viewer.clone(),
            until: now + lifetime,
        };
        state.entries.insert(miss.key, entry);
    }

    /// How many times entries were forgotten so far: a viewer checked when this was `n` is still
    /// as checked while it is `n` (and the lifetime has not passed), see `LiveViewer`.
    pub fn forgettings(&self) -> u64 {
        self.state().forgettings
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Applies an event of the bus: forgets a person whose account changed, or everyone when
    /// events may have been missed.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::AccountChanged { user_id } => self.forget(|viewer| viewer.id() == *user_id),
            Event::EventsMissed => self.forget(|_| true),
            _ => {}
        }
    }

    fn forget(&self, forgotten: impl Fn(&Viewer) -> bool) {
        let mut state = self.state();
        state.forgettings += 1;
        state.entries.retain(|_, entry| !forgotten(&entry.viewer));
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-updated in a harmful way.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_bearer_token_differs_from_that_of_the_same_text_as_a_cookie() {
        assert_ne!(
            Presented::Bearer("secret").key(),
            Presented::SessionCookie("secret").key()
        );
    }
}
