//! The GraphQL schema: root types merged from the feature modules, limits and extensions.

pub mod connection;
pub mod context;
pub mod date;
pub mod ids;
pub mod introspection;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod renamed;
pub mod tokens;

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::accounts::graphql::{AccountMutation, AccountQuery};
use crate::analytics::graphql::AnalyticsQuery;
use crate::attachments::graphql::AttachmentMutation;
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
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
use crate::services::Services;
use crate::surveys::graphql::SurveyQuery;
use crate::surveys::mutations::SurveyMutation;
use crate::users::graphql::{UserMutation, UserQuery, UserSubscription};

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
    NewsletterQuery,
);

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
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    UserSubscription,
    PostSubscription,
    EventSubscription,
    FileSubscription,
    NotificationSubscription,
);

pub type ParvisSchema = Schema<Query, Mutation, Subscription>;

/// The two schemas a server runs: signed-out clients get no introspection and no field
/// suggestions (they would map the API for an attacker); signed-in clients get both.
#[derive(Clone)]
pub struct Schemas {
    pub signed_in: ParvisSchema,
    pub signed_out: ParvisSchema,
}

impl Schemas {
    pub fn build(services: Arc<Services>, limits: &QueryLimits) -> Self {
        let parse_slots = limits::DocumentLimits::parse_slots();
        Self {
            signed_in: builder(limits, parse_slots.clone())
                .data(services.clone())
                .finish(),
            signed_out: builder(limits, parse_slots)
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
) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_directives(limits.max_directives)
    .limit_recursive_depth(32)
    .extension(limits::DocumentLimits::new(limits.clone(), parse_slots))
}

/// The SDL clients build against (checked in as `schema.graphql`).
pub fn sdl() -> String {
    builder(
        &QueryLimits::default(),
        limits::DocumentLimits::parse_slots(),
    )
    .finish()
    .sdl()
}
