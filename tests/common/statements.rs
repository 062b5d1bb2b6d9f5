//! Counting the SQL statements a request costs, to prove that a list's nested fields are batched.

use std::sync::atomic::Ordering;

use serde_json::Value;

use super::{TestApp, TestUser};

impl TestApp {
    /// The SQL statements `query` costs as `user`, with its (error-free) response. The request
    /// runs once unmeasured (a token's first use is recorded once), then three times: the fewest
    /// statements count, as the job worker and the activity writer share the pool and may run
    /// in between.
    pub async fn statements_of(
        &self,
        user: &TestUser,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        let run = || async {
            let before = self.app.services.db.statements.load(Ordering::SeqCst);
            let response = self.graphql(Some(user), query, variables.clone()).await;
            assert!(response["errors"].is_null(), "{response}");
            let cost = self.app.services.db.statements.load(Ordering::SeqCst) - before;
            (cost, response)
        };
        run().await;
        let mut fewest = run().await;
        for _ in 0..2 {
            let measured = run().await;
            if measured.0 < fewest.0 {
                fewest = measured;
            }
        }
        fewest
    }
}
