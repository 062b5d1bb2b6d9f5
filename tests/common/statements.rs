//! Counting the SQL statements a request costs, to prove that a list's nested fields are batched.

use std::sync::atomic::Ordering;

use serde_json::Value;

use super::{TestApp, TestUser, wait_until};

impl TestApp {
    /// The SQL statements `query` costs as `user`, with its (error-free) response. The request
    /// runs once unmeasured (a token's first use is recorded once), then six times: the fewest
    /// statements count, as the job worker and the activity writer share the pool and may run
    /// in between.
    pub async fn statements_of(
        &self,
        user: &TestUser,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        self.settle().await;
        let run = || async {
            let before = self.app.services.db.statements.load(Ordering::SeqCst);
            let response = self.graphql(Some(user), query, variables.clone()).await;
            assert!(response["errors"].is_null(), "{response}");
            let cost = self.app.services.db.statements.load(Ordering::SeqCst) - before;
            (cost, response)
        };
        run().await;
        let mut fewest = run().await;
        // Under load a loader's batching delay can also pass before all of a list's fields
        // asked for their keys, splitting one batch in two.
        for _ in 0..5 {
            let measured = run().await;
            if measured.0 < fewest.0 {
                fewest = measured;
            }
        }
        fewest
    }

    /// The statements the app's pool has run so far.
    pub fn statements_so_far(&self) -> u64 {
        self.app.services.db.statements.load(Ordering::SeqCst)
    }

    /// Waits until no job is due and the activity recorded so far is written, so that what the
    /// setup queued (notifications of new posts, say) does not run while statements are counted.
    pub async fn settle(&self) {
        wait_until(|| async { due_jobs(self).await == 0 }, "no job due").await;
        self.app.services.activity.flush().await;
    }
}

async fn due_jobs(app: &TestApp) -> i64 {
    use diesel::dsl::{count_star, now};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::jobs;

    let mut conn = app.db().connect().await.expect("connect");
    jobs::table
        .filter(jobs::run_at.le(now))
        .select(count_star())
        .get_result(&mut conn)
        .await
        .expect("count due jobs")
}
