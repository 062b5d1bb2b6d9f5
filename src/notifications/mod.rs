//! Notifications: one model every feature notifies through. A feature enqueues a trigger in
//! its transaction; a job works out the recipients (who may see the subject, as the policy says),
//! applies their preferences (per kind, per group, do-not-disturb) and stores one notification per
//! recipient and grouping key, published to `notificationReceived` on every instance.

pub mod dates;
pub mod deliver;
pub mod digest;
pub mod email;
pub mod graphql;
pub mod kinds;
pub mod loading;
pub mod model;
pub mod preferences;
pub mod retention;
pub mod service;
pub mod text;
pub mod triggers;
pub mod visibility;

pub use kinds::{Delivery, NotificationKind};
pub use model::Notification;
