//! One operation of a WebSocket connection: its task streaming results, and the slots that
//! bound how many one person runs.

use super::*;

/// Operations each person runs over this instance's WebSockets, so that one person opening many
/// connections cannot hold an unbounded number of subscriptions. Counts what this process runs,
/// which is what each subscription costs: its own task and event stream here.
#[derive(Default)]
pub struct OperationsPerPerson(Arc<Mutex<HashMap<Uuid, usize>>>);

impl OperationsPerPerson {
    pub(super) fn reserve(&self, person: Uuid, limit: usize) -> Option<OperationSlot> {
        let mut counts = self.0.lock().ok()?;
        let count = counts.entry(person).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(OperationSlot {
            counts: self.0.clone(),
            person,
        })
    }
}

/// One reserved place; dropping it (the operation ended) frees it.
pub(super) struct OperationSlot {
    counts: Arc<Mutex<HashMap<Uuid, usize>>>,
    person: Uuid,
}

impl Drop for OperationSlot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock()
            && let Some(count) = counts.get_mut(&self.person)
        {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.person);
            }
        }
    }
}

/// The results of an operation, as async-graphql streams them.
pub(super) type Responses = futures::stream::BoxStream<'static, async_graphql::Response>;

/// One running operation of a connection.
pub(super) struct Operation {
    pub(super) app: Arc<App>,
    pub(super) id: String,
    pub(super) generation: Generation,
    pub(super) protocol: Protocol,
    pub(super) request_id: String,
    pub(super) outgoing: mpsc::Sender<Queued>,
    pub(super) fell_behind: Arc<Notify>,
}

impl Operation {
    pub(super) async fn run(self, responses: Responses, trace: RequestTrace) {
        let streamed = AssertUnwindSafe(self.stream_results(responses, trace))
            .catch_unwind()
            .await;
        let last = match streamed {
            Ok(Some(last)) => last,
            Ok(None) => json!({ "type": "complete", "id": self.id }),
            Err(_) => {
                tracing::error!(request_id = %self.request_id, "a WebSocket operation panicked");
                let error = json!({ "message": "Internal server error.", "extensions": {
                    "code": "INTERNAL_SERVER_ERROR", "requestId": self.request_id } });
                json!({ "type": "error", "id": self.id, "payload": [error] })
            }
        };
        let _ = self
            .outgoing
            .send(Box::new(Outgoing::Last {
                id: self.id,
                generation: self.generation,
                frame: last.to_string(),
            }))
            .await;
    }

    /// Sends each result; returns the `error` frame when the request was refused before it ran.
    async fn stream_results(&self, mut responses: Responses, trace: RequestTrace) -> Option<Value> {
        while let Some(mut response) = responses.next().await {
            crate::http::graphql::with_nulls(&self.app, &mut response, &trace);
            crate::http::graphql::complete_error_codes(&mut response.errors, &self.request_id);
            if !trace.get().valid && response.is_err() {
                // Refused before execution (parse or validation): an `error` message ends it.
                return Some(json!({ "type": "error", "id": self.id, "payload": response.errors }));
            }
            // Written here, in the operation's task, rather than by the connection's one task.
            let frame = DataFrame {
                kind: self.protocol.data_message(),
                id: &self.id,
                payload: &response,
            };
            let frame = match serde_json::to_string(&frame) {
                Ok(frame) => frame,
                Err(error) => {
                    tracing::error!(%error, request_id = %self.request_id, "a result could not be written");
                    return None;
                }
            };
            let result = Box::new(Outgoing::Result {
                id: self.id.clone(),
                generation: self.generation,
                frame,
            });
            match self.outgoing.try_send(result) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    // Results come faster than the client reads them: waiting would hold them
                    // (and this subscriber's place in the event bus) without bound.
                    self.fell_behind.notify_one();
                    return None;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return None,
            }
        }
        None
    }
}

/// A result of an operation as sent: `next` (or the legacy `data`) with its payload.
#[derive(serde::Serialize)]
struct DataFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    payload: &'a async_graphql::Response,
}
