//! Events about one topic (a conversation) for the subscribers following it: a channel per topic
//! followed on this instance, so that such an event wakes its followers only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use uuid::Uuid;

use super::Delivered;

/// Events a topic's subscriber may be behind by.
const TOPIC_CAPACITY: usize = 256;
/// Topics remembered before those nobody follows any more are dropped.
const TOPICS_PRUNED_AT: usize = 1024;

/// A channel per topic followed on this instance: an event with a topic wakes its followers
/// only, however many subscribers follow other topics.
pub(super) struct Topics {
    state: Mutex<TopicsState>,
}

struct TopicsState {
    senders: HashMap<Uuid, broadcast::Sender<Arc<Delivered>>>,
    /// The number of topics at which those nobody follows are dropped (twice the number left
    /// after the last pruning: amortised constant work per new topic).
    prune_at: usize,
}

impl Topics {
    pub(super) fn new() -> Self {
        Self {
            state: Mutex::new(TopicsState {
                senders: HashMap::new(),
                prune_at: TOPICS_PRUNED_AT,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TopicsState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn subscribe(&self, topic: Uuid) -> broadcast::Receiver<Arc<Delivered>> {
        let mut state = self.state();
        if state.senders.len() >= state.prune_at {
            state
                .senders
                .retain(|_, sender| sender.receiver_count() > 0);
            state.prune_at = (2 * state.senders.len()).max(TOPICS_PRUNED_AT);
        }
        state
            .senders
            .entry(topic)
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe()
    }

    pub(super) fn send(&self, topic: Uuid, event: &Arc<Delivered>) {
        let mut state = self.state();
        // An error means nobody follows the topic any more.
        if let Some(sender) = state.senders.get(&topic)
            && sender.send(event.clone()).is_err()
        {
            state.senders.remove(&topic);
        }
    }

    pub(super) fn send_to_all(&self, event: &Arc<Delivered>) {
        for sender in self.state().senders.values() {
            drop(sender.send(event.clone()));
        }
    }
}
