//! The long-lived connections of this instance (WebSockets), by the person and credential each
//! signed in with, so that a revocation reaches exactly the connections it ends as the event bus
//! delivers it, instead of every connection waking for every event to look.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use uuid::Uuid;

use super::Viewer;
use crate::events::Event;

#[derive(Default)]
pub struct CredentialWatches {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    people: HashMap<Uuid, Vec<Watcher>>,
    next_id: u64,
}

struct Watcher {
    id: u64,
    /// The session or token signed in with (`None`: one that cannot be revoked alone).
    credential: Option<Uuid>,
    ended: Arc<Notify>,
}

/// One connection's watch; dropping it (the connection closed) stops it.
pub struct CredentialWatch {
    watches: Arc<CredentialWatches>,
    person: Uuid,
    id: u64,
    ended: Arc<Notify>,
}

impl CredentialWatch {
    /// Returns once the credential was revoked (or every credential of the person).
    pub async fn ended(&self) {
        self.ended.notified().await;
    }
}

impl Drop for CredentialWatch {
    fn drop(&mut self) {
        let mut state = self.watches.state();
        if let Some(watchers) = state.people.get_mut(&self.person) {
            watchers.retain(|watcher| watcher.id != self.id);
            if watchers.is_empty() {
                state.people.remove(&self.person);
            }
        }
    }
}

impl CredentialWatches {
    /// Watches the credential `viewer` signed in with.
    pub fn watch(self: &Arc<Self>, viewer: &Viewer) -> CredentialWatch {
        let ended = Arc::new(Notify::new());
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.people.entry(viewer.id()).or_default().push(Watcher {
            id,
            credential: viewer.credential.stored_id(),
            ended: ended.clone(),
        });
        CredentialWatch {
            watches: self.clone(),
            person: viewer.id(),
            id,
            ended,
        }
    }

    /// Applies an event of the bus: a revocation ends the watches of what it revoked.
    pub fn observe(&self, event: &Event) {
        let Event::CredentialsRevoked {
            user_id,
            credential_id,
        } = event
        else {
            return;
        };
        let state = self.state();
        let watchers = state.people.get(user_id).into_iter().flatten();
        for watcher in watchers {
            if credential_id.is_none_or(|ended| watcher.credential == Some(ended)) {
                // Kept until awaited if the connection is busy: nothing is missed.
                watcher.ended.notify_one();
            }
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
