//! Who holds which role in which group, remembered by each instance so that a subscription
//! judges an event for thousands of subscribers without asking the database (see
//! `events::judged`).
//!
//! The database announces every change of a membership (`MembershipChanged`, raised by a trigger
//! whatever made the change), and every instance forgets that person's roles as the event
//! arrives, before any subscriber sees a later event; while the bus's connection is down,
//! nothing is remembered (`EventsMissed` empties the cache).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use uuid::Uuid;

use super::model::{self, Group, GroupAccess, GroupRole};
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::events::Event;

/// People remembered at most: a bound on memory whatever the number of subscribers. Past it,
/// the cache starts again empty.
const MAX_PEOPLE: usize = 50_000;

/// A person's role in each group they belong to.
pub type Roles = HashMap<Uuid, GroupRole>;

#[derive(Default)]
pub struct GroupRoles {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    people: HashMap<Uuid, Arc<Roles>>,
    /// Counts the times roles were forgotten: a reading that started before one of them may be
    /// stale, and is not remembered.
    forgettings: u64,
}

impl GroupRoles {
    /// `person`'s roles, from memory or else read (and remembered).
    pub async fn of(&self, pool: &DbPool, person: Uuid) -> ApiResult<Arc<Roles>> {
        let forgettings = {
            let state = self.state();
            if let Some(roles) = state.people.get(&person) {
                return Ok(roles.clone());
            }
            state.forgettings
        };
        // Boxed: remembered roles, the common case, cost a small future.
        let read = async {
            let mut conn = pool.get().await?;
            model::roles_of(&mut conn, person).await
        };
        let roles = Arc::new(Box::pin(read).await?.into_iter().collect());
        let mut state = self.state();
        if state.forgettings == forgettings {
            if state.people.len() >= MAX_PEOPLE {
                state.people.clear();
            }
            state.people.insert(person, Arc::clone(&roles));
        }
        Ok(roles)
    }

    /// Applies an event of the bus: forgets a person whose memberships changed, or everyone when
    /// events may have been missed.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::MembershipChanged { user_id } => {
                let mut state = self.state();
                state.forgettings += 1;
                state.people.remove(user_id);
            }
            Event::EventsMissed => {
                let mut state = self.state();
                state.forgettings += 1;
                state.people.clear();
            }
            _ => {}
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-updated in a harmful way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `groups` as a person holding `roles` stands towards them, for the policy's content rules
/// (which depend on roles, not on pending requests or invitations, left unset here).
pub fn access_with(roles: &Roles, groups: &[Group]) -> Vec<GroupAccess> {
    groups
        .iter()
        .map(|group| GroupAccess {
            group: group.clone(),
            viewer_role: roles.get(&group.id).copied(),
            viewer_requested: false,
            viewer_invited: false,
        })
        .collect()
}
