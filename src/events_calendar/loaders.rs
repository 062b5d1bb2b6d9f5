//! DataLoaders for event lists: one statement per kind of data, however many events are shown.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use diesel_async::AsyncPgConnection;

use super::access::{self, EventView};
use super::model::{self, Attendance, AttendanceStatus, OccurrenceException};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::ChildrenOf;
use crate::pagination::lists_by_parent;
use crate::services::Services;

async fn connection(services: &Services) -> Result<crate::db::DbConn, Arc<ApiError>> {
    services
        .pool
        .get()
        .await
        .map_err(|error| Arc::new(error.into()))
}

/// How many people answered each way, and who organizes.
#[derive(Debug, Clone, Default)]
pub struct EventSummary {
    pub counts: HashMap<AttendanceStatus, i64>,
    pub organizer_ids: Vec<Uuid>,
}

impl EventSummary {
    pub fn count(&self, status: AttendanceStatus) -> i64 {
        self.counts.get(&status).copied().unwrap_or(0)
    }
}

pub struct EventSummaryLoader {
    services: Arc<Services>,
}

impl EventSummaryLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for EventSummaryLoader {
    type Value = EventSummary;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, EventSummary>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        let mut summaries: HashMap<Uuid, EventSummary> = keys
            .iter()
            .map(|key| (*key, EventSummary::default()))
            .collect();
        for (event, status, count) in model::status_counts(&mut conn, keys)
            .await
            .map_err(Arc::new)?
        {
            summaries
                .entry(event)
                .or_default()
                .counts
                .insert(status, count);
        }
        for (event, organizer) in model::organizer_ids(&mut conn, keys)
            .await
            .map_err(Arc::new)?
        {
            summaries
                .entry(event)
                .or_default()
                .organizer_ids
                .push(organizer);
        }
        Ok(summaries)
    }
}

/// The viewer's own answer to each event.
pub struct ViewerAttendanceLoader {
    services: Arc<Services>,
    viewer: Uuid,
}

impl ViewerAttendanceLoader {
    pub fn new(services: Arc<Services>, viewer: Uuid) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for ViewerAttendanceLoader {
    type Value = Attendance;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Attendance>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        Ok(model::attendances_of(&mut conn, self.viewer, keys)
            .await
            .map_err(Arc::new)?
            .into_iter()
            .map(|attendance| (attendance.event_id, attendance))
            .collect())
    }
}

/// Events by id as the viewer may see them (with their groups and the viewer's organizer role):
/// `access::find_many_visible` asks the policy, so a hidden event is left out like a missing one.
pub struct VisibleEventLoader {
    services: Arc<Services>,
    viewer: Viewer,
}

impl VisibleEventLoader {
    pub fn new(services: Arc<Services>, viewer: Viewer) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for VisibleEventLoader {
    type Value = EventView;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, EventView>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        let views = access::find_many_visible(&mut conn, &self.viewer, keys)
            .await
            .map_err(Arc::new)?;
        Ok(views
            .into_iter()
            .map(|view| (view.event.id, view))
            .collect())
    }
}

/// Who answered or was invited to each event (only with one status when asked), in the order
/// they answered.
pub struct AttendeeLists;

impl ChildrenOf for AttendeeLists {
    type Args = Option<AttendanceStatus>;
    type Value = Vec<Attendance>;

    fn load(
        conn: &mut AsyncPgConnection,
        events: &[Uuid],
        status: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        model::attendee_lists(conn, events, *status)
    }
}

/// The occurrences of each event that were cancelled or moved.
pub struct EventExceptions;

impl ChildrenOf for EventExceptions {
    type Args = ();
    type Value = Vec<OccurrenceException>;

    async fn load(
        conn: &mut AsyncPgConnection,
        events: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Self::Value>> {
        let exceptions = model::exceptions(conn, events).await?;
        Ok(lists_by_parent(events, exceptions, |exception| {
            exception.event_id
        }))
    }
}
