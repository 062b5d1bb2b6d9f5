//! Calendar files over HTTP: one event (`/calendar/events/{id}.ics`, signed in), the personal
//! subscription feed (`/calendar/feed/{token}.ics`) and the attendee list for organizers
//! (`/calendar/events/{id}/attendees.csv`). The services decide; these answer in HTTP.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::feeds::service;
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::graphql::ids;
use crate::services::Services;

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
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

/// The answer to a request without a usable viewer: UNAUTHORIZED saying `why` to sign in.
fn not_signed_in(error: ApiError, why: &str) -> Response {
    match error {
        ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, why.to_owned()).into_response(),
        error => error.into_response(),
    }
}

/// `GET /calendar/events/{id}.ics`: one event for a signed-in person who may see it.
pub async fn event_file(
    State(services): State<Arc<Services>>,
    Path(file): Path<String>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    let Some(id) = file
        .strip_suffix(".ics")
        .and_then(|id| ids::from_path(id, super::access::TYPE_NAME))
    else {
        return not_found();
    };
    let viewer = match signed_in {
        Ok(SignedIn(viewer)) => viewer,
        Err(error) => return not_signed_in(error, "Sign in to download this event."),
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        service::event_calendar(&mut conn, &services, &viewer, id).await
    }
    .await;
    match result {
        Ok(body) => calendar_response(body, "event.ics"),
        Err(ApiError::NotFound(_)) => not_found(),
        Err(error) => error.into_response(),
    }
}

/// `GET /calendar/feed/{token}.ics`: the feed's owner's events, as they may see them now.
pub async fn personal_feed(
    State(services): State<Arc<Services>>,
    Path(file): Path<String>,
) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        service::personal_calendar(&mut conn, &services, secret).await
    }
    .await;
    match result {
        Ok(Some(body)) => calendar_response(body, "parvis.ics"),
        Ok(None) | Err(ApiError::NotFound(_)) => not_found(),
        Err(error) => error.into_response(),
    }
}

/// `GET /calendar/events/{id}/attendees.csv`: for the event's organizers.
pub async fn attendees_csv(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    let Some(id) = ids::from_path(&id, super::access::TYPE_NAME) else {
        return not_found();
    };
    let viewer = match signed_in {
        Ok(SignedIn(viewer)) => viewer,
        Err(error) => return not_signed_in(error, "Sign in to download the attendees."),
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
        Err(error) => error.into_response(),
    }
}
