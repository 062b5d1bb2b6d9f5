//! Events as one viewer stands towards them: what the policy needs, loaded in batches.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Event};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::groups::GroupAccess;
use crate::policy::{self, Judged, Resource};

pub const TYPE_NAME: &str = "Event";

#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    pub group: Option<GroupAccess>,
    pub organizer: bool,
}

impl Judged for EventView {
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn resource(&self) -> Resource<'_> {
        Resource::Event {
            event: &self.event,
            group: self.group.as_ref(),
            organizer: self.organizer,
        }
    }
}

/// The events the viewer may see, with their groups and the viewer's organizer role, in the
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
    let groups = crate::groups::service::access_by_id(conn, viewer.id(), &group_ids).await?;
    let event_ids: Vec<Uuid> = events.iter().map(|event| event.id).collect();
    let organized: HashSet<Uuid> = model::organizer_ids(conn, &event_ids)
        .await?
        .into_iter()
        .filter(|(_, user)| *user == viewer.id())
        .map(|(event, _)| event)
        .collect();
    let views = events.into_iter().filter_map(|event| {
        let group = match event.group_id {
            Some(id) => Some(groups.get(&id)?.clone()),
            None => None,
        };
        let organizer = organized.contains(&event.id);
        Some(EventView {
            event,
            group,
            organizer,
        })
    });
    Ok(policy::seen_by(viewer, views))
}

/// The events among `ids` that exist and the viewer may see, in no particular order (three
/// statements whatever their number).
pub async fn find_many_visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> ApiResult<Vec<EventView>> {
    // Missing events go through the same statements as hidden ones, so the time the answer
    // takes does not tell them apart.
    let found = model::find_many(conn, ids).await?;
    visible(conn, viewer, found).await
}

/// One event the viewer may see; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<EventView> {
    find_many_visible(conn, viewer, &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
