//! The operations on calendar files, each written once for the API and the routes: a person's
//! feeds (made and revoked by their owner only), the personal feed a secret opens, and one
//! event's file, each showing the events as their reader may see them now.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::TYPE_NAME;
use super::model::{self, CalendarFeed};
use crate::auth::{Credential, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::access::{self, EventView};
use crate::events_calendar::ics::{self, CalendarEntry};
use crate::events_calendar::model::{self as events, WindowFilter};
use crate::services::Services;
use crate::users::OrgRole;

/// What a feed covers: a month back, a year ahead.
const FEED_PAST: chrono::Duration = chrono::Duration::days(31);
const FEED_FUTURE: chrono::Duration = chrono::Duration::days(366);
const MAX_FEED_EVENTS: i64 = 2_000;

/// A new feed of the viewer's, with the URL to subscribe to (not stored: shown once).
pub async fn create(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
) -> ApiResult<(CalendarFeed, String)> {
    let (feed, secret) = model::create(conn, viewer.id()).await?;
    let url = format!("{}/calendar/feed/{secret}.ics", services.config.public_url);
    Ok((feed, url))
}

/// One of the viewer's feeds (`node(id:)`): a feed is its owner's alone, so anyone else's is
/// NOT_FOUND, admins included.
pub async fn own(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<CalendarFeed> {
    model::find_of_user(conn, id, viewer.id())
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// Stops a feed URL of the viewer's from working; anyone else's feed is NOT_FOUND.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<CalendarFeed> {
    model::revoke(conn, id, viewer.id())
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// The active person a live feed secret belongs to; records the use.
async fn feed_owner(conn: &mut AsyncPgConnection, secret: &str) -> ApiResult<Option<Viewer>> {
    let Some(feed) = model::use_secret(conn, secret).await? else {
        return Ok(None);
    };
    Ok(crate::users::model::find(conn, feed.user_id)
        .await?
        .filter(crate::users::User::is_active)
        .map(|user| Viewer::new(user, Credential::CalendarFeed(feed.id))))
}

/// The personal feed a secret opens (`None` for no live feed): its owner's events — those they
/// answered going or maybe, their groups' and organization-wide ones — from a month ago to a
/// year ahead, as they may see them now.
pub async fn personal_calendar(
    conn: &mut AsyncPgConnection,
    services: &Services,
    secret: &str,
) -> ApiResult<Option<String>> {
    let Some(viewer) = feed_owner(conn, secret).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let groups = crate::groups::model::joined_group_ids(conn, viewer.id()).await?;
    let window = |readable_groups, attending| WindowFilter {
        from: now - FEED_PAST,
        to: now + FEED_FUTURE,
        group_id: None,
        attending,
        readable_groups,
        // Guests do not see organization-wide events: do not select them only to hide them.
        include_organization_wide: viewer.user.org_role != OrgRole::Guest,
    };
    let mut series = events::in_window(conn, &window(Some(groups), None), MAX_FEED_EVENTS).await?;
    for event in events::in_window(conn, &window(None, Some(viewer.id())), MAX_FEED_EVENTS).await? {
        if !series.iter().any(|known| known.id == event.id) {
            series.push(event);
        }
    }
    let views = access::visible(conn, &viewer, series).await?;
    Ok(Some(render(conn, services, "Parvis", &views).await?))
}

/// One event as an iCalendar file, for a viewer who may see it (NOT_FOUND otherwise).
pub async fn event_calendar(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<String> {
    let views = [access::find_visible(conn, viewer, id).await?];
    render(conn, services, &views[0].event.title, &views).await
}

/// The calendar of `views`, each event with its cancelled and moved occurrences.
async fn render(
    conn: &mut AsyncPgConnection,
    services: &Services,
    name: &str,
    views: &[EventView],
) -> ApiResult<String> {
    let ids: Vec<Uuid> = views.iter().map(|view| view.event.id).collect();
    let exceptions = events::exceptions(conn, &ids).await?;
    let entries: Vec<CalendarEntry<'_>> = views
        .iter()
        .map(|view| CalendarEntry {
            event: &view.event,
            exceptions: exceptions
                .iter()
                .filter(|exception| exception.event_id == view.event.id)
                .collect(),
            url: event_url(services, view.event.id),
        })
        .collect();
    Ok(ics::calendar(name, &domain(services), &entries))
}

fn domain(services: &Services) -> String {
    url::Url::parse(&services.config.public_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "parvis.invalid".to_owned())
}

fn event_url(services: &Services, id: Uuid) -> String {
    format!("{}/calendar/events/{id}.ics", services.config.public_url)
}
