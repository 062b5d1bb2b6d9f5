//! Analytics: what people do, captured off the request path (`activity`), rolled up per day in
//! the organization's time zone (`rollup`) and reported to admins and group managers
//! (`reports`) through GraphQL, CSV and the `/admin` dashboard.

pub mod activity;
pub mod charts;
pub mod dashboard;
pub mod demo;
pub mod export;
pub mod graphql;
pub mod model;
pub mod period;
pub mod reports;
pub mod rollup;

pub use activity::{Activity, ActivityKind, ActivityRecorder};
