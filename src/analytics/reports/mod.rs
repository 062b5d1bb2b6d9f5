//! The reports, shaped from the rows `model` reads (the daily rollups and, for content, the
//! per-post tables the posts feature keeps: unique viewers, reactions, comments,
//! acknowledgements). Each report is a few statements whatever the range; the GraphQL API, the
//! CSV export and the dashboard share them.

mod content;
mod group_activity;
mod notifications_and_searches;
mod usage;
pub use content::*;
pub use group_activity::*;
pub use notifications_and_searches::*;
pub use usage::*;

/// Rows of a ranking (most active groups, top posts, missed searches).
const TOP: usize = 10;

/// `part ÷ whole`; zero when there is no whole (no accounts, no viewers, no searches).
fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}
