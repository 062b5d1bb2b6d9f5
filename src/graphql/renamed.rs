//! Input fields renamed in the published schema whose old name stays as a deprecated alias.

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{InputType, InputValueError, InputValueResult, Value};

use crate::error::{ApiError, ApiResult};

/// The name the field had until issue 19 (British spelling), deprecated: still accepted.
pub const DEPRECATED_ORGANIZATION_WIDE: &str = "organisationWide";

/// A `Boolean! = false` input field that knows whether the client gave it: a client still using
/// the deprecated name leaves it out, and it must then not count as `false`.
#[derive(Clone, Copy, Default)]
pub struct Flag(Option<bool>);

impl InputType for Flag {
    type RawValueType = bool;

    fn type_name() -> Cow<'static, str> {
        <bool as InputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <bool as InputType>::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        <bool as InputType>::parse(value)
            .map(|flag| Self(Some(flag)))
            .map_err(InputValueError::propagate)
    }

    fn to_value(&self) -> Value {
        Value::Boolean(self.0.unwrap_or_default())
    }

    fn as_raw_value(&self) -> Option<&bool> {
        self.0.as_ref()
    }
}

/// `organizationWide` as given, else as given under its deprecated name, else false. Both given
/// and different is BAD_USER_INPUT naming both; `path` leads to the input object (`audience.`).
pub fn organization_wide(path: &str, given: Flag, deprecated: Option<bool>) -> ApiResult<bool> {
    match (given.0, deprecated) {
        (Some(flag), Some(old)) if flag != old => Err(ApiError::bad_input(
            format!("{path}organizationWide"),
            format!(
                "disagrees with {path}{DEPRECATED_ORGANIZATION_WIDE}, its deprecated name: give only \
                 {path}organizationWide"
            ),
        )),
        (Some(flag), _) | (None, Some(flag)) => Ok(flag),
        (None, None) => Ok(false),
    }
}
