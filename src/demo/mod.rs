//! The demo organization: about fifty people across departments and sites, French and English
//! names, so a newcomer meets a lively intranet. Its people, groups and posts are here; the
//! other features add their own demo content (`files::demo`, `events_calendar::demo`...).

use diesel_async::AsyncPgConnection;

use crate::error::ApiResult;
use crate::files::storage::Storage;
use crate::notifications::triggers;

mod groups;
mod people;
mod posts;
use groups::{demo_group_slugs, seed_groups};
use people::{demo_people_ids, seed_people};
use posts::seed_posts;

/// Every demo account signs in with this password (documented in the README).
pub const DEMO_PASSWORD: &str = "parvis-demo-2026";

/// What `seed` added.
#[derive(Debug, Default)]
pub struct Seeded {
    pub people: usize,
    pub groups: usize,
    pub posts: usize,
    pub events: usize,
    pub files: usize,
    pub conversations: usize,
    pub surveys: usize,
    pub activities: usize,
}

/// Loads what is not there yet: people, then groups (each feature adds its own demo content).
/// Demo documents go to `storage`.
pub async fn seed(conn: &mut AsyncPgConnection, storage: &Storage) -> ApiResult<Seeded> {
    let mut news = Vec::new();
    let seeded = Seeded {
        people: seed_people(conn).await?,
        groups: seed_groups(conn).await?,
        posts: seed_posts(conn, &mut news).await?,
        events: seed_events(conn).await?,
        files: crate::files::demo::seed(conn, storage, &demo_group_slugs()).await?,
        conversations: seed_chat(conn).await?,
        surveys: seed_surveys(conn).await?,
        activities: seed_activity(conn).await?,
    };
    // Last: delivering notifications records activity, and the demo history is written only
    // where there is none yet.
    for trigger in news {
        triggers::enqueue(conn, trigger).await?;
    }
    Ok(seeded)
}

async fn seed_events(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::events_calendar::demo::seed(conn, &people).await
}

async fn seed_chat(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::chat::demo::seed(conn, &people).await
}

async fn seed_surveys(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::surveys::demo::seed(conn, &people).await
}

async fn seed_activity(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::analytics::demo::seed(conn, &people).await
}

/// A small deterministic pseudo-random sequence, so every demo looks the same.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let index = (self.next() as usize) % items.len();
        items.get(index)
    }
}
