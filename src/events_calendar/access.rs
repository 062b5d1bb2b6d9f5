//! Events as one viewer stands towards them: what the policy needs, loaded in batches.

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Event};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::groups::GroupAccess;
use crate::policy::{self, Action, Decision, Resource};

pub const TYPE_NAME: &str = "Event";

#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    pub group: Option<GroupAccess>,
    pub organiser: bool,
}

impl EventView {
    fn resource(&self) -> Resource<'_> {
        Resource::Event {
            event: &self.event,
            group: self.group.as_ref(),
            organiser: self.organiser,
        }
    }

    pub fn decide(&self, viewer: &Viewer, action: Action) -> Decision {
        policy::can(viewer, action, self.resource())
    }

    pub fn require(&self, viewer: &Viewer, action: Action, why: &str) -> ApiResult<()> {
        policy::require(viewer, action, self.resource(), TYPE_NAME, why)
    }
}

/// The events the viewer may see, with their groups and the viewer's organiser role, in the
/// given order (three statements whatever the number of events).
pub async fn visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    events: Vec<Event>,
) -> ApiResult<Vec<EventView>> {
    let group_ids: Vec<Uuid> = events
        .iter()
        .filter_map(|event| event.group_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Run even without groups: the statements are the same whatever the events (see below).
    let groups: HashMap<Uuid, GroupAccess> =
        crate::groups::model::find_access(conn, viewer.id(), &group_ids)
            .await?
            .into_iter()
            .map(|access| (access.group.id, access))
            .collect();
    let event_ids: Vec<Uuid> = events.iter().map(|event| event.id).collect();
    let organised: HashSet<Uuid> = model::organizer_ids(conn, &event_ids)
        .await?
        .into_iter()
        .filter(|(_, user)| *user == viewer.id())
        .map(|(event, _)| event)
        .collect();
    Ok(events
        .into_iter()
        .filter_map(|event| {
            let group = match event.group_id {
                Some(id) => Some(groups.get(&id)?.clone()),
                None => None,
            };
            let organiser = organised.contains(&event.id);
            Some(EventView {
                event,
                group,
                organiser,
            })
        })
        .filter(|view| view.decide(viewer, Action::View) != Decision::Hide)
        .collect())
}

/// One event the viewer may see; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<EventView> {
    // A missing event goes through the same statements as a hidden one, so the time the
    // answer takes does not tell them apart.
    let found = model::find(conn, id).await?.into_iter().collect();
    visible(conn, viewer, found)
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
