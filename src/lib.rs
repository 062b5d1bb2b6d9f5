//! Parvis: a self-hosted intranet whose whole surface is one GraphQL API.

// The merged GraphQL roots nest one async resolver per feature's part, deeper than the
// compiler's default query depth allows.
#![recursion_limit = "256"]

pub mod accounts;
pub mod analytics;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod events;
pub mod events_calendar;
pub mod files;
pub mod graphql;
pub mod groups;
pub mod html;
pub mod http;
pub mod jobs;
pub mod markdown;
pub mod newsletters;
pub mod notifications;
pub mod organization;
pub mod pagination;
pub mod policy;
pub mod posts;
pub mod search;
pub mod services;
pub mod sso;
pub mod surveys;
pub mod telemetry;
pub mod users;
pub mod validation;

pub use app::App;
