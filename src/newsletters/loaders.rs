//! The DataLoader of newsletters' statistics: a page of newsletters costs the same few statements
//! for them whatever the number of newsletters.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Stats};
use crate::error::ApiResult;
use crate::graphql::loaders::{ChildrenOf, every_key};

/// The delivery and clicks of each newsletter.
pub struct NewsletterStatistics;

impl ChildrenOf for NewsletterStatistics {
    type Args = ();
    type Value = Stats;

    async fn load(
        conn: &mut AsyncPgConnection,
        newsletters: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Stats>> {
        Ok(every_key(
            newsletters,
            model::stats(conn, newsletters).await?,
        ))
    }
}
