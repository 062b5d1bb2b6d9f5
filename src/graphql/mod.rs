//! The GraphQL schema: root types merged from the feature modules, limits and extensions.

pub mod connection;
pub mod context;
pub mod date;
pub mod ids;
pub mod introspection;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod nulls;
pub mod persisted;
pub mod renamed;
pub mod spans;
pub mod tokens;

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::accounts::graphql::{AccountMutation, AccountQuery};
use crate::analytics::graphql::AnalyticsQuery;
use crate::attachments::graphql::AttachmentMutation;
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::chat::graphql::{ChatMutation, ChatSubscription};
use crate::config::QueryLimits;
use crate::events_calendar::feeds::graphql::{CalendarFeedMutation, CalendarFeedQuery};
use crate::events_calendar::graphql::{EventQuery, EventSubscription};
use crate::events_calendar::mutations::EventMutation;
use crate::files::graphql::{FileQuery, FileSubscription};
use crate::files::mutations::FileMutation;
use crate::groups::graphql::GroupQuery;
use crate::groups::mutations::GroupMutation;
use crate::groups::webhooks::graphql::WebhookMutation;
use crate::newsletters::graphql::NewsletterQuery;
use crate::newsletters::mutations::NewsletterMutation;
use crate::notifications::graphql::{
    NotificationMutation, NotificationQuery, NotificationSubscription,
};
use crate::organization::graphql::{OrganizationMutation, OrganizationQuery};
use crate::posts::graphql::{PostMutation, PostQuery, PostSubscription};
use crate::search::graphql::SearchQuery;
use crate::services::Services;
use crate::surveys::graphql::SurveyQuery;
use crate::surveys::mutations::SurveyMutation;
use crate::users::graphql::{UserMutation, UserQuery, UserSubscription};

/// Everything a client reads. Each field answers with what the viewer may see: what they may not
/// see is NOT_FOUND, as if it did not exist. Signed out, only `organization` answers; every other
/// field is UNAUTHENTICATED.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    UserQuery,
    AuthQuery,
    GroupQuery,
    PostQuery,
    EventQuery,
    CalendarFeedQuery,
    FileQuery,
    OrganizationQuery,
    AccountQuery,
    AuditQuery,
    SurveyQuery,
    AnalyticsQuery,
    NotificationQuery,
    SearchQuery,
    NewsletterQuery,
);

/// Everything a client changes. Each mutation takes one `input` and returns a payload with what
/// changed, as the viewer now sees it; a mutation that fails changes nothing. Signed out, only
/// `signIn`, `signOut`, `acceptInvitation` and `activateAccount` work.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    UserMutation,
    GroupMutation,
    WebhookMutation,
    PostMutation,
    EventMutation,
    CalendarFeedMutation,
    FileMutation,
    AttachmentMutation,
    OrganizationMutation,
    AccountMutation,
    SurveyMutation,
    NotificationMutation,
    NewsletterMutation,
    ChatMutation,
);

/// Live updates, over the WebSocket at `/graphql/ws`. Each event is read again and authorized for
/// the subscriber before it is sent; a subscription ends with UNAUTHENTICATED once the
/// subscriber's session, token or account stops working. Events missed while the server
/// reconnects are not replayed: refetch what you show after reconnecting.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    UserSubscription,
    PostSubscription,
    EventSubscription,
    FileSubscription,
    NotificationSubscription,
    ChatSubscription,
);

pub type ParvisSchema = Schema<Query, Mutation, Subscription>;

/// The two schemas a server runs: signed-out clients get no introspection and no field
/// suggestions (they would map the API for an attacker); signed-in clients get both.
#[derive(Clone)]
pub struct Schemas {
    pub signed_in: ParvisSchema,
    pub signed_out: ParvisSchema,
    /// Where failed fields become `null` in responses (async-graphql leaves them out).
    pub nullability: Arc<nulls::Nullability>,
}

impl Schemas {
    pub fn build(services: Arc<Services>, limits: &QueryLimits) -> Self {
        let parse_slots = limits::DocumentLimits::parse_slots();
        let trusted = services.config.trusted_documents.clone();
        let signed_in = builder(limits, parse_slots.clone(), trusted.clone())
            .data(services.clone())
            .finish();
        Self {
            nullability: Arc::new(nulls::Nullability::of(&signed_in.sdl())),
            signed_in,
            signed_out: builder(limits, parse_slots, trusted)
                .extension(introspection::SignInToIntrospect::new(services.config.demo))
                .disable_introspection()
                .disable_suggestions()
                .data(services)
                .finish(),
        }
    }

    pub fn for_viewer(&self, signed_in: bool) -> &ParvisSchema {
        if signed_in {
            &self.signed_in
        } else {
            &self.signed_out
        }
    }
}

fn builder(
    limits: &QueryLimits,
    parse_slots: Arc<tokio::sync::Semaphore>,
    trusted: Option<persisted::TrustedDocuments>,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_directives(limits.max_directives)
    .limit_recursive_depth(32)
    // First: the document a hash names is restored before the limits count its tokens.
    .extension(persisted::PersistedDocuments::new(trusted))
    .extension(limits::DocumentLimits::new(limits.clone(), parse_slots))
    .override_output_type_description::<chrono::DateTime<chrono::Utc>>(DATE_TIME)
    .override_output_type_description::<async_graphql::Json<serde_json::Value>>(JSON)
    .override_output_type_description::<chrono::NaiveTime>(TIME_OF_DAY);
    // Only when traces are exported: otherwise not even a hook per field.
    let builder = match crate::telemetry::traces() {
        Some(traces) => builder.extension(spans::OperationSpans::new(traces)),
        None => builder,
    };
    connection::describe(builder)
}

/// The descriptions of the scalars async-graphql implements (its own are written for Rust
/// developers). `DateTime` also carries its `specifiedByURL` (RFC 3339) from the library.
const DATE_TIME: &str = "An instant, as an RFC 3339 date-time with its UTC offset, e.g. \
    `2026-12-02T09:30:00+00:00`. Answers are in UTC, with fractional seconds when there are any; \
    inputs may use any offset (`Z` included).";
const JSON: &str = "Any JSON value (object, array, string, number, boolean or null), sent as JSON \
    itself rather than as a string; the field says what it holds.";
const TIME_OF_DAY: &str = "A wall-clock time of day with no date or zone, as 24-hour \
    `HH:MM:SS` (e.g. `22:00:00`; the seconds are required, fractional seconds allowed); the field \
    says in which time zone it applies.";

/// The SDL clients build against (checked in as `schema.graphql`).
pub fn sdl() -> String {
    builder(
        &QueryLimits::default(),
        limits::DocumentLimits::parse_slots(),
        None,
    )
    .finish()
    .sdl_with_options(sdl_options())
}

/// How the SDL is printed: custom scalars carry `@specifiedBy`, so code generators and
/// `graphql-inspector` know their formats.
pub fn sdl_options() -> async_graphql::SDLExportOptions {
    async_graphql::SDLExportOptions::new().include_specified_by()
}

/// Declares GraphQL types with the same fields, one per mutation: the naming convention gives
/// every mutation its own `VerbNounInput` and `VerbNounPayload`, even where several mutations take
/// or answer the same shape, so each can grow apart later without breaking clients. Each type
/// keeps its own description; a type of one or two fields also converts from their values (a
/// tuple for two), so code shared by those mutations builds any of them.
#[macro_export]
macro_rules! one_type_per_mutation {
    (
        #[derive $derive:tt]
        struct $fields:tt
        $( $(#[$meta:meta])* $name:ident; )+
    ) => {
        $( $crate::one_type_per_mutation!(@one $derive $fields [$(#[$meta])*] $name); )+
    };
    (@one $derive:tt { $(#[$field_meta:meta])* pub $field:ident: $ty:ty $(,)? } [$($attr:tt)*] $name:ident) => {
        $($attr)*
        #[derive $derive]
        pub struct $name {
            $(#[$field_meta])*
            pub $field: $ty,
        }

        impl From<$ty> for $name {
            fn from($field: $ty) -> Self {
                Self { $field }
            }
        }
    };
    (@one $derive:tt {
        $(#[$first_meta:meta])* pub $first:ident: $first_ty:ty,
        $(#[$second_meta:meta])* pub $second:ident: $second_ty:ty $(,)?
    } [$($attr:tt)*] $name:ident) => {
        $($attr)*
        #[derive $derive]
        pub struct $name {
            $(#[$first_meta])*
            pub $first: $first_ty,
            $(#[$second_meta])*
            pub $second: $second_ty,
        }

        impl From<($first_ty, $second_ty)> for $name {
            fn from(($first, $second): ($first_ty, $second_ty)) -> Self {
                Self { $first, $second }
            }
        }
    };
    (@one $derive:tt $fields:tt [$($attr:tt)*] $name:ident) => {
        $($attr)*
        #[derive $derive]
        pub struct $name $fields
    };
}
