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
use uuid::Uuid;

use super::Viewer;
use crate::events::Event;

/// Entries kept at most: a bound on memory whatever the number of credentials in use.
const MAX_ENTRIES: usize = 10_000;

/// People are spread over this many counters of forgettings (`forgettings_of`): a change to
/// one person's account makes a long-lived connection of another ask the database again only
/// when they share a counter.
const PERSON_COUNTERS: usize = 1024;

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

struct State {
    entries: HashMap<[u8; 32], Entry>,
    /// Counts the times entries were forgotten: a verification that started before one of them
    /// may have read what it made stale, and is not stored.
    forgettings: u64,
    /// The times everyone was forgotten (events may have been missed).
    everyone_forgotten: u64,
    /// The times people were forgotten, by `person_counter`.
    people_forgotten: Box<[u64; PERSON_COUNTERS]>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            forgettings: 0,
            everyone_forgotten: 0,
            people_forgotten: Box::new([0; PERSON_COUNTERS]),
        }
    }
}

fn person_counter(person: Uuid) -> usize {
    // The low bits of v4 and v7 UUIDs are random.
    (person.as_u128() % PERSON_COUNTERS as u128) as usize
}

impl State {
    fn forget(&mut self, forgotten: impl Fn(&Viewer) -> bool) {
        self.forgettings += 1;
        self.entries.retain(|_, entry| !forgotten(&entry.viewer));
    }
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

    /// How many times `person`'s entries were forgotten so far (give or take people sharing
    /// their counter): a viewer checked when this was `n` is still as checked while it is `n`
    /// and their credential has not expired, see `LiveViewer`.
    pub fn forgettings_of(&self, person: Uuid) -> u64 {
        let state = self.state();
        state.everyone_forgotten + state.people_forgotten[person_counter(person)]
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Applies an event of the bus: forgets a person whose account changed, or everyone when
    /// events may have been missed.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::AccountChanged { user_id } => {
                let mut state = self.state();
                state.people_forgotten[person_counter(*user_id)] += 1;
                state.forget(|viewer| viewer.id() == *user_id);
            }
            Event::EventsMissed => {
                let mut state = self.state();
                state.everyone_forgotten += 1;
                state.forget(|_| true);
            }
            _ => {}
        }
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
