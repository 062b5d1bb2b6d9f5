//! Opaque global IDs: `base64url("<Type>:<uuid>")`, so clients never build or parse them.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub fn encode(type_name: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global ID into its type name and row id; `field` names the input in errors.
pub fn decode(id: &ID, field: &str) -> ApiResult<(String, Uuid)> {
    let invalid = || ApiError::bad_input(field, "is not a valid ID");
    let text = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(invalid)?;
    let (type_name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| invalid())?;
    Ok((type_name.to_owned(), uuid))
}

/// The row id of a global ID that must name a `type_name`; an ID of another type names nothing
/// the caller could see, so it is NOT_FOUND.
pub fn decode_as(id: &ID, type_name: &'static str, field: &str) -> ApiResult<Uuid> {
    match decode(id, field)? {
        (found, uuid) if found == type_name => Ok(uuid),
        _ => Err(ApiError::NotFound(type_name)),
    }
}

/// The row id an HTTP route's path segment names: the object's global ID (the documented form,
/// which its `*Url` fields give) or, for links made before those fields gave global IDs, its bare
/// UUID. `None` for anything else, another type's ID included.
pub fn from_path(segment: &str, type_name: &str) -> Option<Uuid> {
    if let Ok(uuid) = Uuid::parse_str(segment) {
        return Some(uuid);
    }
    match decode(&ID(segment.to_owned()), "id") {
        Ok((found, uuid)) if found == type_name => Some(uuid),
        _ => None,
    }
}
