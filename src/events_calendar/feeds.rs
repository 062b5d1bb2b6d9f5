//! Calendar files over HTTP: one event (`/calendar/events/{id}.ics`, signed in), the personal
//! subscription feed (`/calendar/feed/{token}.ics`, the secret in the URL, stored hashed and
//! revocable) and the attendee list for organisers (`/calendar/events/{id}/attendees.csv`).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::access::{self, EventView};
use super::ics::{self, CalendarEntry};
use super::model::{self, WindowFilter};
use crate::auth::{SignedIn, Viewer, secrets};
use crate::db::schema::calendar_feeds;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::services::Services;
use crate::users::OrgRole;

pub const FEED_TYPE_NAME: &str = "CalendarFeed";
/// What a feed covers: a month back, a year ahead.
const FEED_PAST: chrono::Duration = chrono::Duration::days(31);
const FEED_FUTURE: chrono::Duration = chrono::Duration::days(366);
const MAX_FEED_EVENTS: i64 = 2_000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_feeds, check_for_backend(diesel::pg::Pg))]
pub struct CalendarFeed {
    pub id: Uuid,
    pub user_id: Uuid,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A personal calendar subscription (its URL is shown once, when created).
#[Object(name = "CalendarFeed")]
impl CalendarFeed {
    async fn id(&self) -> ID {
        ids::encode(FEED_TYPE_NAME, self.id)
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
        let mut conn = ctx.conn().await?;
        Ok(calendar_feeds::table
            .filter(calendar_feeds::user_id.eq(viewer.id()))
            .order(calendar_feeds::created_at.desc())
            .select(CalendarFeed::as_select())
            .load(&mut conn)
            .await?)
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
        let secret = secrets::generate("pvc_");
        let mut conn = ctx.conn().await?;
        let feed = diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::id.eq(Uuid::now_v7()),
                calendar_feeds::user_id.eq(viewer.id()),
                calendar_feeds::token_hash.eq(secrets::hash(&secret)),
            ))
            .returning(CalendarFeed::as_returning())
            .get_result(&mut conn)
            .await?;
        Ok(CreateCalendarFeedPayload {
            calendar_feed: feed,
            url: format!(
                "{}/calendar/feed/{secret}.ics",
                ctx.services().config.public_url
            ),
        })
    }

    /// Stops a feed URL from working (a leaked link).
    async fn revoke_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: RevokeCalendarFeedInput,
    ) -> ApiResult<RevokeCalendarFeedPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.calendar_feed_id, FEED_TYPE_NAME, "calendarFeedId")?;
        let mut conn = ctx.conn().await?;
        let feed = diesel::update(
            calendar_feeds::table
                .filter(calendar_feeds::id.eq(id))
                .filter(calendar_feeds::user_id.eq(viewer.id())),
        )
        .set(calendar_feeds::revoked_at.eq(Some(Utc::now())))
        .returning(CalendarFeed::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound(FEED_TYPE_NAME))?;
        Ok(RevokeCalendarFeedPayload {
            calendar_feed: feed,
        })
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}

fn internal(error: ApiError) -> Response {
    error.into_response()
}

fn calendar_response(body: String, filename: &str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        body,
    )
        .into_response()
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

async fn entries_for(
    conn: &mut AsyncPgConnection,
    views: &[EventView],
) -> ApiResult<Vec<model::OccurrenceException>> {
    let ids: Vec<Uuid> = views.iter().map(|view| view.event.id).collect();
    model::exceptions(conn, &ids).await
}

fn render(
    services: &Services,
    name: &str,
    views: &[EventView],
    exceptions: &[model::OccurrenceException],
) -> String {
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
    ics::calendar(name, &domain(services), &entries)
}

/// `GET /calendar/events/{id}.ics`: one event for a signed-in person who may see it.
pub async fn event_file(
    State(services): State<Arc<Services>>,
    Path(file): Path<String>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    let Some(id) = file
        .strip_suffix(".ics")
        .and_then(|id| Uuid::parse_str(id).ok())
    else {
        return not_found();
    };
    let viewer = match signed_in {
        Ok(SignedIn(viewer)) => viewer,
        Err(ApiError::Unauthenticated) => {
            return (StatusCode::UNAUTHORIZED, "Sign in to download this event.").into_response();
        }
        Err(error) => return internal(error),
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        let view = access::find_visible(&mut conn, &viewer, id).await?;
        let views = vec![view];
        let exceptions = entries_for(&mut conn, &views).await?;
        Ok::<_, ApiError>(render(
            &services,
            &views[0].event.title,
            &views,
            &exceptions,
        ))
    }
    .await;
    match result {
        Ok(body) => calendar_response(body, "event.ics"),
        Err(ApiError::NotFound(_)) => not_found(),
        Err(error) => internal(error),
    }
}

/// Revokes every feed URL of a person still working (deactivation).
pub async fn revoke_all_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<()> {
    diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::user_id.eq(user_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await?;
    Ok(())
}

/// `GET /calendar/feed/{token}.ics`: the feed's owner's events — those they answered going or
/// maybe, their groups' and organisation-wide ones — from a month ago to a year ahead, as they
/// may see them now.
pub async fn personal_feed(
    State(services): State<Arc<Services>>,
    Path(file): Path<String>,
) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        let Some(viewer) = feed_owner(&mut conn, secret).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let groups = crate::groups::model::joined_group_ids(&mut conn, viewer.id()).await?;
        let window = |readable_groups, attending| WindowFilter {
            from: now - FEED_PAST,
            to: now + FEED_FUTURE,
            group_id: None,
            attending,
            readable_groups,
            // Guests do not see organisation-wide events: do not select them only to hide them.
            include_organisation_wide: viewer.user.org_role != OrgRole::Guest,
        };
        let mut series =
            model::in_window(&mut conn, &window(Some(groups), None), MAX_FEED_EVENTS).await?;
        for event in
            model::in_window(&mut conn, &window(None, Some(viewer.id())), MAX_FEED_EVENTS).await?
        {
            if !series.iter().any(|known| known.id == event.id) {
                series.push(event);
            }
        }
        let views = access::visible(&mut conn, &viewer, series).await?;
        let exceptions = entries_for(&mut conn, &views).await?;
        Ok::<_, ApiError>(Some(render(&services, "Parvis", &views, &exceptions)))
    }
    .await;
    match result {
        Ok(Some(body)) => calendar_response(body, "parvis.ics"),
        Ok(None) | Err(ApiError::NotFound(_)) => not_found(),
        Err(error) => internal(error),
    }
}

/// The active person a live feed secret belongs to; records the use.
async fn feed_owner(conn: &mut AsyncPgConnection, secret: &str) -> ApiResult<Option<Viewer>> {
    let feed: Option<CalendarFeed> = diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::token_hash.eq(secrets::hash(secret)))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::last_used_at.eq(Some(Utc::now())))
    .returning(CalendarFeed::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    let Some(feed) = feed else {
        return Ok(None);
    };
    Ok(crate::users::model::find(conn, feed.user_id)
        .await?
        .filter(crate::users::User::is_active)
        .map(|user| Viewer {
            user,
            credential: crate::auth::Credential::CalendarFeed(feed.id),
        }))
}

/// `GET /calendar/events/{id}/attendees.csv`: for the event's organisers.
pub async fn attendees_csv(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found();
    };
    let viewer = match signed_in {
        Ok(SignedIn(viewer)) => viewer,
        Err(ApiError::Unauthenticated) => {
            return (
                StatusCode::UNAUTHORIZED,
                "Sign in to download the attendees.",
            )
                .into_response();
        }
        Err(error) => return internal(error),
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        super::attendees::csv(&mut conn, &viewer, id).await
    }
    .await;
    match result {
        Ok(body) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"attendees.csv\"",
                ),
            ],
            body,
        )
            .into_response(),
        Err(ApiError::NotFound(_)) => not_found(),
        Err(ApiError::Forbidden(message)) => (StatusCode::FORBIDDEN, message).into_response(),
        Err(error) => internal(error),
    }
}

/// Spreadsheets run cells starting with `=`, `+`, `-` or `@` as formulas: quote them as text.
pub(crate) fn csv_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}
