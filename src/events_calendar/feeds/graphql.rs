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
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// When the feed was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When a calendar app last fetched it; null if never.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.last_used_at
    }
    /// When its URL stopped working (`revokeCalendarFeed`, or the owner's deactivation); null
    /// while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
}

/// The result of `createCalendarFeed`.
#[derive(SimpleObject)]
pub struct CreateCalendarFeedPayload {
    /// The new feed.
    pub calendar_feed: CalendarFeed,
    /// The URL to subscribe to in Outlook, Google or Apple Calendar; shown only this once.
    pub url: String,
}

/// The calendar feed to revoke.
#[derive(InputObject)]
pub struct RevokeCalendarFeedInput {
    /// One of the viewer's own feeds.
    pub calendar_feed_id: ID,
}

/// The result of `revokeCalendarFeed`.
#[derive(SimpleObject)]
pub struct RevokeCalendarFeedPayload {
    /// The feed, now revoked.
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
    /// Makes a personal iCalendar feed for calendar apps: the events the viewer answered GOING
    /// or MAYBE to, their groups' events and organization-wide ones, from a month ago to a year
    /// ahead, as the viewer may see them when the feed is fetched.
    async fn create_calendar_feed(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<CreateCalendarFeedPayload> {
        let viewer = ctx.viewer()?;
        let (calendar_feed, url) =
            service::create(&mut *ctx.conn().await?, ctx.services(), viewer).await?;
        Ok(CreateCalendarFeedPayload { calendar_feed, url })
    }

    /// Stops a feed URL of the viewer's from working (a leaked link); another person's feed is
    /// NOT_FOUND.
    async fn revoke_calendar_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The feed to revoke.")] input: RevokeCalendarFeedInput,
    ) -> ApiResult<RevokeCalendarFeedPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.calendar_feed_id, TYPE_NAME, "calendarFeedId")?;
        let calendar_feed = service::revoke(&mut *ctx.conn().await?, viewer, id).await?;
        Ok(RevokeCalendarFeedPayload { calendar_feed })
    }
}
