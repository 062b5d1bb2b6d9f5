//! DataLoaders for event lists: one statement per kind of data, however many events are shown.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use super::model::{self, Attendance, AttendanceStatus};
use crate::error::ApiError;
use crate::services::Services;

async fn connection(services: &Services) -> Result<crate::db::DbConn, Arc<ApiError>> {
    services
        .pool
        .get()
        .await
        .map_err(|error| Arc::new(error.into()))
}

/// How many people answered each way, and who organises.
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
