//! The `CalendarFeed` type, the viewer's feeds and the mutations that make and revoke them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::model::{self, CalendarFeed};
use super::{TYPE_NAME, service};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;

/// A personal calendar subscription (its URL is shown once, when created).
#[Object(name = "CalendarFeed")]
impl CalendarFeed {
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When a calendar app last fetched it.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
}

#[derive(SimpleObject)]
pub struct CreateCalendarFeedPayload {
    pub calendar_feed: CalendarFeed,
    /// The URL to subscribe to in Outlook, Google or Apple Calendar; shown only this once.
    pub url: String,
}

#[derive(InputObject)]
pub struct RevokeCalendarFeedInput {
    pub calendar_feed_id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeCalendarFeedPayload {
    pub calendar_feed: CalendarFeed,
}

#[derive(Default)]
pub struct CalendarFeedQuery;

#[Object]
impl CalendarFeedQuery {
    /// The viewer's calendar subscriptions, newest first.
    async fn calendar_feeds(&self, ctx: &Context<'_>) -> ApiResult<Vec<CalendarFeed>> {
        let viewer = ctx.viewer()?;
        model::of_user(&mut *ctx.conn().await?, viewer.id()).await
    }
}

#[derive(Default)]
pub struct CalendarFeedMutation;

#[Object]
impl CalendarFeedMutation {
    /// A personal feed of the events the viewer attends and their groups' events.
    async fn create_calendar_feed(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<CreateCalendarFeedPayload> {
        let viewer = ctx.viewer()?;
        let (calendar_feed, url) =
            service::create(&mut *ctx.conn().await?, ctx.services(), viewer).await?;
        Ok(CreateCalendarFeedPayload { calendar_feed, url })
    }

    /// Stops a feed URL from working (a leaked link).
    async fn revoke_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: RevokeCalendarFeedInput,
    ) -> ApiResult<RevokeCalendarFeedPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.calendar_feed_id, TYPE_NAME, "calendarFeedId")?;
        let calendar_feed = service::revoke(&mut *ctx.conn().await?, viewer, id).await?;
        Ok(RevokeCalendarFeedPayload { calendar_feed })
    }
}
