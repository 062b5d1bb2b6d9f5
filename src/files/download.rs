//! `GET /files/{id}` (and `/files/{id}/thumbnail`): streams a file to a viewer who may read it,
//! with byte ranges, ETags and a safe `Content-Disposition`. Nothing a user uploaded is ever
//! rendered as a page of our origin.

use crate::analytics::{Activity, ActivityKind};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use uuid::Uuid;

use super::access;
use super::model::{self, FileVersion};
use crate::auth::{SignedIn, Viewer};
use crate::error::ApiError;
use crate::services::Services;

/// RFC 5987 attr-char: what may stay unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    version: Option<i32>,
}

pub(crate) fn status(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// A failure that is not the viewer's: 503 while the database is unreachable, else 500.
pub(crate) fn internal(error: ApiError) -> Response {
    error.into_response()
}

/// The version a viewer may read, with the file's current name.
async fn readable_version(
    services: &Services,
    viewer: &Viewer,
    id: &str,
    number: Option<i32>,
) -> Result<(FileVersion, String, Option<Uuid>), Response> {
    let Some(id) = crate::graphql::ids::from_path(id, access::FILE_TYPE) else {
        return Err(status(StatusCode::NOT_FOUND, "Not found"));
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        let (file, drive) = access::file_by_id(&mut conn, viewer, id, false).await?;
        let version = model::version(&mut conn, file.id, number)
            .await?
            .ok_or(ApiError::NotFound("File"))?;
        Ok::<_, ApiError>((version, file.name, drive.drive.group_id))
    }
    .await;
    result.map_err(refusal)
}

/// A failed look-up as a response: 404 for what the viewer may not see, 500 for the rest.
pub(crate) fn refusal(error: ApiError) -> Response {
    match error {
        ApiError::NotFound(_) => status(StatusCode::NOT_FOUND, "Not found"),
        other => internal(other),
    }
}

pub async fn file(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
) -> Response {
    let (version, name, group) =
        match readable_version(&services, &viewer, &id, query.version).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    services.activity.record(
        Activity::by(viewer.id(), ActivityKind::FileDownloaded)
            .in_group(group)
            .about(version.file_id),
    );
    let served = Served {
        key: &version.storage_key,
        size: Some(version.size_bytes),
        etag: etag(&version.sha256),
        name: name.as_str().into(),
        content_type: &version.content_type,
    };
    serve(&services, &headers, served).await
}

pub async fn thumbnail(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
) -> Response {
    let (version, name, _) = match readable_version(&services, &viewer, &id, None).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let key = version.thumbnail_key.as_deref();
    serve_thumbnail(&services, &headers, key, version.id, &name).await
}

/// What a download sends: an object in storage, under a name and a content type.
pub struct Served<'a> {
    pub key: &'a str,
    /// Known for originals (their rows record it); asked of the store for thumbnails.
    pub size: Option<i64>,
    pub etag: String,
    pub name: std::borrow::Cow<'a, str>,
    pub content_type: &'a str,
}

impl<'a> Served<'a> {
    /// The JPEG preview of something (`owner` names it in the ETag).
    fn thumbnail(key: &'a str, owner: Uuid, name: &str) -> Self {
        Served {
            key,
            size: None,
            etag: format!("\"t-{owner}\""),
            name: format!("{name}.thumbnail.jpg").into(),
            content_type: "image/jpeg",
        }
    }
}

/// The ETag of stored contents: their hash (quoted, as HTTP wants).
pub fn etag(sha256: &[u8]) -> String {
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256)
    )
}

/// The JPEG preview of something the viewer may read, under its `name` (`owner` names it in the
/// ETag); 404 while none was made (yet).
pub async fn serve_thumbnail(
    services: &Services,
    headers: &HeaderMap,
    key: Option<&str>,
    owner: Uuid,
    name: &str,
) -> Response {
    let Some(key) = key else {
        return status(StatusCode::NOT_FOUND, "No thumbnail (yet)");
    };
    serve(services, headers, Served::thumbnail(key, owner, name)).await
}

/// Streams an object the viewer may read, honouring `If-None-Match` and `Range`.
pub async fn serve(services: &Services, headers: &HeaderMap, served: Served<'_>) -> Response {
    let Served {
        key,
        size,
        etag: tag,
        name,
        content_type,
    } = served;
    if headers
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|candidate| candidate.trim() == tag || candidate.trim() == "*")
        })
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        insert(&mut response, ETAG, &tag);
        return response;
    }
    let size = match size {
        Some(size) => u64::try_from(size).unwrap_or_default(),
        None => match services.storage.get_bytes(key, u64::MAX).await {
            Ok(Some(bytes)) => bytes.len() as u64,
            _ => return status(StatusCode::NOT_FOUND, "Not found"),
        },
    };
    // An empty file has no byte to point at: it is always served whole.
    let range = match headers.get(RANGE).and_then(|value| value.to_str().ok()) {
        _ if size == 0 => None,
        None => None,
        Some(header) => match requested_range(header, size) {
            Ok(range) => range,
            Err(()) => {
                let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                insert(&mut response, CONTENT_RANGE, &format!("bytes */{size}"));
                return response;
            }
        },
    };
    let stream = match services.storage.get_stream(key, range.clone()).await {
        Ok(stream) => stream,
        Err(error) => return internal(ApiError::internal(error)),
    };
    let mut response = Response::new(Body::from_stream(stream));
    match &range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            insert(
                &mut response,
                CONTENT_RANGE,
                &format!("bytes {}-{}/{size}", range.start, range.end - 1),
            );
            insert(
                &mut response,
                CONTENT_LENGTH,
                &(range.end - range.start).to_string(),
            );
        }
        None => insert(&mut response, CONTENT_LENGTH, &size.to_string()),
    }
    let inline = is_inline(content_type);
    insert(
        &mut response,
        CONTENT_TYPE,
        if inline || is_safe_text(content_type) {
            content_type
        } else {
            "application/octet-stream"
        },
    );
    insert(
        &mut response,
        CONTENT_DISPOSITION,
        &disposition(inline, &name),
    );
    insert(&mut response, X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Even opened directly, nothing in it may run or load.
    insert(
        &mut response,
        CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    );
    insert(&mut response, ACCEPT_RANGES, "bytes");
    insert(&mut response, ETAG, &tag);
    insert(&mut response, CACHE_CONTROL, "private, no-cache");
    response
}

fn insert(response: &mut Response, name: axum::http::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// Images and PDFs open in the browser; everything else downloads (HTML and SVG above all).
fn is_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    )
}

fn is_safe_text(content_type: &str) -> bool {
    content_type == "text/plain; charset=utf-8"
}

/// One satisfiable range (half-open), `None` for the whole file (also for several ranges, which
/// the whole file satisfies too), `Err` for a malformed or unsatisfiable one (416).
fn requested_range(header: &str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let ranges = http_range_header::parse_range_header(header)
        .map_err(|_| ())?
        .validate(size)
        .map_err(|_| ())?;
    Ok(match ranges.as_slice() {
        [only] => Some(*only.start()..only.end() + 1),
        _ => None,
    })
}

/// RFC 6266: an ASCII fallback name and the UTF-8 name (RFC 5987 encoding).
pub fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let fallback: String = name
        .chars()
        .map(|c| {
            // Some browsers percent-decode `filename=`, and naive parsers split on `;` and `,`.
            if c.is_ascii() && !c.is_ascii_control() && !matches!(c, '"' | '\\' | '%' | ';' | ',') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, ATTR_CHAR);
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_given_in_ascii_and_utf8() {
        assert_eq!(
            disposition(false, "Compte rendu \"été\".pdf"),
            "attachment; filename=\"Compte rendu __t__.pdf\"; filename*=UTF-8''Compte%20rendu%20%22%C3%A9t%C3%A9%22.pdf"
        );
    }

    #[test]
    fn ranges_are_one_satisfiable_span_or_refused() {
        assert_eq!(requested_range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(requested_range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(requested_range("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(requested_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(requested_range("bytes=200-300", 100), Err(()));
        assert_eq!(requested_range("lines=1-2", 100), Err(()));
    }
}
