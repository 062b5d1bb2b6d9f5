//! Uploads through the GraphQL multipart request spec, streamed straight to storage.
//!
//! Our own extractor rather than async-graphql's (which sets no limits and spools files to temp
//! files): the `operations` and `map` fields are read first, then each file part is streamed into
//! object storage under a random key while it is hashed and sniffed, with size and count limits.
//! The variable each file fills gets a token naming the stored object; the mutation that uses it
//! takes ownership, and whatever no mutation took is deleted when the request ends. Every stored
//! object is listed as garbage until a row owns it, so a crash mid-request leaves nothing for long.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value as Json;

use super::model::{self, StoredObject};
use super::names;
use super::storage::{Storage, UploadError};
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

/// Headers that make a browser send a CORS preflight: with one required, a cross-site form cannot
/// post a multipart upload with the viewer's cookie (multipart/form-data is a "simple request").
pub const PREFLIGHT_HEADERS: [&str; 3] = [
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

const OPERATIONS_LIMIT: u64 = 256 * 1024;
const MAP_LIMIT: u64 = 64 * 1024;
const TOKEN_PREFIX: &str = "parvis-upload:";

/// The files of one request, by the token their variables hold.
#[derive(Default)]
pub struct StagedUploads {
    objects: Mutex<HashMap<String, StoredObject>>,
}

impl StagedUploads {
    /// Hands the stored object to the mutation that uses it (once).
    pub fn take(&self, token: &str) -> Option<StoredObject> {
        self.objects
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(token)
    }

    /// An object a mutation took but could not use: deleted with the rest at the end.
    pub fn put_back(&self, object: StoredObject) {
        self.add(object.storage_key.clone(), object);
    }

    fn add(&self, token: String, object: StoredObject) {
        self.objects
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(token, object);
    }

    fn drain(&self) -> Vec<StoredObject> {
        self.objects
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain()
            .map(|(_, object)| object)
            .collect()
    }

    /// Deletes what no mutation took (a failed mutation, a file sent for nothing).
    pub async fn discard_unused(&self, services: &Services) {
        for object in self.drain() {
            discard(services, &object.storage_key).await;
        }
    }
}

/// Deletes an object no row owns, and its garbage entry.
pub async fn discard(services: &Services, key: &str) {
    if services.storage.delete(key).await.is_ok()
        && let Ok(mut conn) = services.pool.get().await
    {
        let _ = model::forget_garbage(&mut conn, key).await;
    }
}

/// A file sent with the GraphQL multipart request spec (`Upload` in the schema).
pub struct Upload(String);

/// A file sent as a part of a GraphQL multipart request (multipart/form-data, with a
/// `graphql-require-preflight` header); input only. By default a file may be at most 100 MiB,
/// and a request may carry at most 10 files.
#[Scalar(name = "Upload")]
impl ScalarType for Upload {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(token) if token.starts_with(TOKEN_PREFIX) => Ok(Self(token)),
            _ => Err(InputValueError::custom(
                "send the file as a multipart request (GraphQL multipart request spec)",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl Upload {
    /// The stored file this variable names, taken by the caller.
    pub fn take(&self, uploads: &StagedUploads, field: &str) -> ApiResult<StoredObject> {
        uploads
            .take(&self.0)
            .ok_or_else(|| ApiError::bad_input(field, "no file was sent for this variable"))
    }
}

/// Why a multipart request was refused, as an HTTP answer.
pub struct Refusal(pub StatusCode, pub String);

fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Reads a multipart GraphQL request: the operations with each file's variable set to a token,
/// and the staged files. On any refusal the files already stored are deleted.
pub async fn read_request(
    services: &Arc<Services>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Json, Arc<StagedUploads>), Refusal> {
    if !PREFLIGHT_HEADERS
        .iter()
        .any(|name| headers.contains_key(*name))
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "Multipart requests must carry a `graphql-require-preflight` (or `apollo-require-preflight`) header.",
        ));
    }
    let limits = &services.config.uploads;
    let whole = limits.max_file_bytes * limits.max_files as u64 + OPERATIONS_LIMIT + MAP_LIMIT;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > whole) {
        return Err(too_large(limits.max_file_bytes));
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "The multipart boundary is missing.",
        )
    })?;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            // Above our own limit, so ours answers first, naming the limit.
            .per_field(limits.max_file_bytes + 64 * 1024)
            .for_field("operations", OPERATIONS_LIMIT)
            .for_field("map", MAP_LIMIT),
    );
    let multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let staged = Arc::new(StagedUploads::default());
    match read_parts(services, multipart, &staged).await {
        Ok(operations) => Ok((operations, staged)),
        Err(refusal) => {
            staged.discard_unused(services).await;
            Err(refusal)
        }
    }
}

fn too_large(limit: u64) -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("A file may be at most {limit} bytes."),
    )
}

fn multipart_refusal(error: multer::Error, limit: u64) -> Refusal {
    match error {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large(limit)
        }
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "The multipart body could not be read.",
        ),
    }
}

async fn read_parts(
    services: &Arc<Services>,
    mut multipart: multer::Multipart<'static>,
    staged: &StagedUploads,
) -> Result<Json, Refusal> {
    let limits = &services.config.uploads;
    let bad = |message: &str| refuse(StatusCode::BAD_REQUEST, message);
    let read_error = |error| multipart_refusal(error, limits.max_file_bytes);
    let mut operations: Option<Json> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => {
                let text = field.text().await.map_err(read_error)?;
                operations = Some(
                    serde_json::from_str(&text).map_err(|_| bad("`operations` is not JSON."))?,
                );
            }
            "map" => {
                let text = field.text().await.map_err(read_error)?;
                map = Some(
                    serde_json::from_str(&text)
                        .map_err(|_| bad("`map` is not a JSON object of paths."))?,
                );
            }
            _ => {
                let (Some(operations), Some(map)) = (operations.as_mut(), map.as_ref()) else {
                    return Err(bad("`operations` and `map` must come before the files."));
                };
                let Some(paths) = map.get(&name) else {
                    return Err(bad("A file part is not named in `map`."));
                };
                files += 1;
                if files > limits.max_files {
                    return Err(refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("At most {} files per request.", limits.max_files),
                    ));
                }
                let uploaded_name = names::from_upload(field.file_name().unwrap_or("file"));
                let object = store(services, field, uploaded_name, limits.max_file_bytes).await?;
                let token = format!("{TOKEN_PREFIX}{name}");
                for path in paths {
                    set_path(operations, path, Json::String(token.clone()))
                        .ok_or_else(|| bad("A `map` path does not point into `operations`."))?;
                }
                staged.add(token, object);
            }
        }
    }
    operations.ok_or_else(|| bad("The `operations` field is missing."))
}

/// Streams one file part into storage (listed as garbage until a mutation owns it).
async fn store(
    services: &Services,
    field: multer::Field<'static>,
    uploaded_name: String,
    limit: u64,
) -> Result<StoredObject, Refusal> {
    let internal = |error: ApiError| {
        if let ApiError::Internal(cause) = &error {
            tracing::error!(error = ?cause, "staging an upload");
        }
        refuse(error.http_status(), "The file could not be stored.")
    };
    let key = Storage::new_key("objects");
    {
        let mut conn = services
            .pool
            .get()
            .await
            .map_err(|error| internal(error.into()))?;
        // An hour to finish streaming; a crash leaves the object to the sweeper after that.
        let grace = chrono::Utc::now() + chrono::Duration::hours(1);
        model::mark_garbage(&mut conn, std::slice::from_ref(&key), grace)
            .await
            .map_err(internal)?;
        super::sweep::schedule(&mut conn, grace)
            .await
            .map_err(internal)?;
    }
    match services.storage.put_stream(&key, field, limit).await {
        Ok(written) => Ok(StoredObject {
            storage_key: key,
            size_bytes: i64::try_from(written.size).unwrap_or(i64::MAX),
            sha256: written.sha256,
            content_type: written.content_type,
            uploaded_name,
        }),
        Err(error) => {
            discard(services, &key).await;
            Err(match error {
                UploadError::TooLarge { limit } => too_large(limit),
                UploadError::Interrupted(cause) => match cause.downcast::<multer::Error>() {
                    Ok(error) => multipart_refusal(*error, limit),
                    Err(_) => refuse(StatusCode::BAD_REQUEST, "The upload was interrupted."),
                },
                UploadError::Store(cause) => internal(ApiError::internal(cause)),
            })
        }
    }
}

/// Sets `value` at a dotted path such as `variables.input.file` or `0.variables.files.1`.
fn set_path(target: &mut Json, path: &str, value: Json) -> Option<()> {
    let mut current = target;
    let segments: Vec<&str> = path.split('.').collect();
    let (last, parents) = segments.split_last()?;
    for segment in parents {
        current = match current {
            Json::Object(object) => object.get_mut(*segment)?,
            Json::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        Json::Object(object) => {
            object.insert((*last).to_owned(), value);
        }
        Json::Array(items) => *items.get_mut(last.parse::<usize>().ok()?)? = value,
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::set_path;
    use serde_json::json;

    #[test]
    fn map_paths_reach_into_objects_and_arrays() {
        let mut operations =
            json!([{ "variables": { "input": { "file": null, "more": [null, null] } } }]);
        set_path(&mut operations, "0.variables.input.file", json!("a")).unwrap();
        set_path(&mut operations, "0.variables.input.more.1", json!("b")).unwrap();
        assert_eq!(
            operations,
            json!([{ "variables": { "input": { "file": "a", "more": [null, "b"] } } }])
        );
        assert!(set_path(&mut operations, "1.variables.file", json!("c")).is_none());
    }
}
