//! Activity capture: resolvers hand what people did to the recorder, which queues it in memory
//! and appends it to `activity_events` in batches (every second, or every `BATCH` rows) from a
//! task of its own, so recording never waits on the database. A full queue drops the activity
//! (counted in the log) rather than slowing a request: analytics are statistics, not records.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::DbPool;
use crate::db::schema::activity_events;
use crate::error::{ApiError, ApiResult};

/// Rows appended per statement, at most.
pub const BATCH: usize = 1000;
/// How long an activity waits in memory, at most, before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Activities queued in memory, at most (beyond, new ones are dropped).
const QUEUE: usize = 64 * BATCH;
/// Rows kept for another try when the database refuses a batch, at most.
const RETRY_LIMIT: usize = 10 * BATCH;

/// Declares an enum and `ALL`, its variants in order, from one list, so none is left out of `ALL`.
macro_rules! listed_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: [Self; [$(stringify!($variant)),+].len()] = [$(Self::$variant),+];
        }
    };
}

listed_enum! {
    /// What someone did: its feature and action are stored as text, the reports group by them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ActivityKind {
        SignedIn,
        PostViewed,
        PostCreated,
        Commented,
        Reacted,
        Acknowledged,
        Voted,
        FileUploaded,
        FileDownloaded,
        EventCreated,
        Responded,
        Searched,
        /// A search that found nothing (its query is kept, see `Activity::search`).
        SearchedInVain,
        NotificationReceived,
        NotificationOpened,
        SurveyAnswered,
        GroupJoined,
        /// A chat message sent (its subject is the conversation).
        MessageSent,
    }
}

impl ActivityKind {
    /// Every feature once, in the order of `ALL`.
    pub fn features() -> impl Iterator<Item = &'static str> {
        let mut seen: Vec<&'static str> = Vec::new();
        Self::ALL.into_iter().filter_map(move |kind| {
            let feature = kind.feature();
            (!seen.contains(&feature)).then(|| {
                seen.push(feature);
                feature
            })
        })
    }

    pub fn feature(self) -> &'static str {
        use ActivityKind::*;
        match self {
            SignedIn => "sign_in",
            PostViewed | PostCreated | Voted => "posts",
            Commented => "comments",
            Reacted => "reactions",
            Acknowledged => "announcements",
            FileUploaded | FileDownloaded => "files",
            EventCreated | Responded => "events",
            Searched | SearchedInVain => "search",
            NotificationReceived | NotificationOpened => "notifications",
            SurveyAnswered => "surveys",
            GroupJoined => "groups",
            MessageSent => "chat",
        }
    }

    /// Whether this is something the person did, which is what active use counts (active users,
    /// adoption, feature usage, a group's activity). A notification delivered to someone is not:
    /// it is recorded for the notifications report only. Opening (reading) one is.
    pub fn is_action(self) -> bool {
        self != Self::NotificationReceived
    }

    pub fn action(self) -> &'static str {
        use ActivityKind::*;
        match self {
            SignedIn => "signed_in",
            PostViewed => "viewed",
            PostCreated | Commented | Reacted | EventCreated => "created",
            Acknowledged => "acknowledged",
            Voted => "voted",
            FileUploaded => "uploaded",
            FileDownloaded => "downloaded",
            Responded => "responded",
            Searched => "found",
            SearchedInVain => "found_nothing",
            NotificationReceived => "received",
            NotificationOpened => "opened",
            SurveyAnswered => "answered",
            GroupJoined => "joined",
            MessageSent => "sent",
        }
    }
}

/// SQL that is true for the rows of `alias` (with `feature` and `action` columns) that are
/// something the person did (see `ActivityKind::is_action`).
pub fn actions_only(alias: &str) -> String {
    let passive: Vec<String> = ActivityKind::ALL
        .into_iter()
        .filter(|kind| !kind.is_action())
        .map(|kind| format!("'{}/{}'", kind.feature(), kind.action()))
        .collect();
    format!(
        "({alias}.feature || '/' || {alias}.action) <> ALL (ARRAY[{}]::text[])",
        passive.join(", ")
    )
}

/// One thing one person did (or, for the notifications report, that happened to them).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = activity_events)]
pub struct Activity {
    occurred_at: DateTime<Utc>,
    user_id: Uuid,
    group_id: Option<Uuid>,
    feature: &'static str,
    action: &'static str,
    subject_id: Option<Uuid>,
    detail: Option<String>,
}

/// Queries kept with searches that found nothing are cut to this many characters.
const QUERY_CHARS: usize = 100;

impl Activity {
    pub fn by(user_id: Uuid, kind: ActivityKind) -> Self {
        Self::at(Utc::now(), user_id, kind)
    }

    /// An activity of the past (the demo and the benchmark write history).
    pub fn at(occurred_at: DateTime<Utc>, user_id: Uuid, kind: ActivityKind) -> Self {
        Self {
            occurred_at,
            user_id,
            group_id: None,
            feature: kind.feature(),
            action: kind.action(),
            subject_id: None,
            detail: None,
        }
    }

    /// A search for `query` that found `hits` results; the query is kept only when it found
    /// nothing, folded (case and accents) so that the report groups spellings together.
    pub fn search(user_id: Uuid, query: &str, hits: usize) -> Self {
        if hits > 0 {
            return Self::by(user_id, ActivityKind::Searched);
        }
        let folded: String = query
            .split_whitespace()
            .map(crate::validation::ascii_fold)
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(QUERY_CHARS)
            .collect();
        Self {
            detail: Some(folded),
            ..Self::by(user_id, ActivityKind::SearchedInVain)
        }
    }

    pub fn in_group(mut self, group: Option<Uuid>) -> Self {
        self.group_id = group;
        self
    }

    pub fn about(mut self, subject: Uuid) -> Self {
        self.subject_id = Some(subject);
        self
    }

    /// The same activity at another time (history written after the fact).
    pub fn happened_at(mut self, occurred_at: DateTime<Utc>) -> Self {
        self.occurred_at = occurred_at;
        self
    }

    /// (post, person) when this is a post being viewed.
    pub fn post_view(&self) -> Option<(Uuid, Uuid)> {
        let kind = ActivityKind::PostViewed;
        (self.feature == kind.feature() && self.action == kind.action())
            .then_some(self.subject_id)
            .flatten()
            .map(|post| (post, self.user_id))
    }
}

enum Message {
    Record(Activity),
    /// Answered once everything recorded before is written.
    Flush(oneshot::Sender<()>),
    /// Answered once everything recorded before is written and the writer has ended.
    Close(oneshot::Sender<()>),
}

/// The handle resolvers record through (one per process, in `Services`).
pub struct ActivityRecorder {
    /// None when capture is off (`AppConfig::activity_capture`).
    queue: Option<mpsc::Sender<Message>>,
    dropped: AtomicU64,
}

impl ActivityRecorder {
    /// Starts the task that writes the queue to `pool`; it ends once the recorder is dropped and
    /// the queue is written.
    pub fn start(pool: DbPool) -> Self {
        let (queue, incoming) = mpsc::channel(QUEUE);
        tokio::spawn(write_queue(pool, incoming));
        Self {
            queue: Some(queue),
            dropped: AtomicU64::new(0),
        }
    }

    /// A recorder that records nothing (capture turned off).
    pub fn disabled() -> Self {
        Self {
            queue: None,
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues `activity` without waiting.
    pub fn record(&self, activity: Activity) {
        let Some(queue) = &self.queue else {
            return;
        };
        match queue.try_send(Message::Record(activity)) {
            Ok(()) => {}
            // Shutting down: the writer has written its last batch.
            Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "activity queue full: activity dropped");
                }
            }
        }
    }

    /// Whether activity is recorded at all (`AppConfig::activity_capture`).
    pub fn captures(&self) -> bool {
        self.queue.is_some()
    }

    /// Waits until everything recorded so far is written (tests, the demo, shutdown).
    pub async fn flush(&self) {
        let Some(queue) = &self.queue else {
            return;
        };
        let (done, written) = oneshot::channel();
        if queue.send(Message::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    /// Writes everything recorded so far and ends the writer, whose connections would otherwise
    /// outlive the database at shutdown; what is recorded afterwards is not kept.
    pub async fn close(&self) {
        let Some(queue) = &self.queue else {
            return;
        };
        let (done, ended) = oneshot::channel();
        if queue.send(Message::Close(done)).await.is_ok() {
            let _ = ended.await;
        }
    }
}

async fn write_queue(pool: DbPool, mut incoming: mpsc::Receiver<Message>) {
    let mut pending: Vec<Activity> = Vec::with_capacity(BATCH);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    let mut ticks = tokio::time::interval(FLUSH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (open, tick) = tokio::select! {
            message = incoming.recv() => match message {
                Some(Message::Record(activity)) => {
                    pending.push(activity);
                    (true, false)
                }
                Some(Message::Flush(done)) => {
                    waiting.push(done);
                    (true, false)
                }
                Some(Message::Close(done)) => {
                    incoming.close();
                    waiting.push(done);
                    (false, false)
                }
                None => (false, false),
            },
            _ = ticks.tick() => (true, true),
        };
        let due = tick || !open || !waiting.is_empty() || pending.len() >= BATCH;
        if due && !pending.is_empty() {
            write_pending(&pool, &mut pending).await;
        }
        if pending.is_empty() || !open {
            for done in waiting.drain(..) {
                let _ = done.send(());
            }
        }
        if !open {
            return;
        }
    }
}

/// Writes `pending` in batches; what the database refuses stays for the next try, up to
/// `RETRY_LIMIT` rows.
async fn write_pending(pool: &DbPool, pending: &mut Vec<Activity>) {
    while !pending.is_empty() {
        let take = pending.len().min(BATCH);
        match append(pool, &pending[..take]).await {
            Ok(()) => {
                pending.drain(..take);
            }
            Err(error) => {
                tracing::warn!(
                    ?error,
                    rows = pending.len(),
                    "writing activity failed; will retry"
                );
                if pending.len() > RETRY_LIMIT {
                    let excess = pending.len() - RETRY_LIMIT;
                    pending.drain(..excess);
                }
                return;
            }
        }
    }
}

async fn append(pool: &DbPool, batch: &[Activity]) -> ApiResult<()> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| append_in(conn, batch).await)
        .await
}

/// Counts an activity that must not be tied to anyone (an answer to an anonymous survey): one
/// more for its feature and action on today's organization day, with no person, no subject and
/// no time of day (an `activity_events` row would date each person's answer). The rollup adds
/// these counts to the organization's feature use. In the caller's transaction.
pub async fn count_anonymously(conn: &mut AsyncPgConnection, kind: ActivityKind) -> ApiResult<()> {
    let now = Utc::now();
    diesel::sql_query(
        "INSERT INTO activity_anonymous_days (day, feature, action, events)
         SELECT ($1 AT TIME ZONE o.time_zone)::date, $2, $3, 1 FROM organization o
         ON CONFLICT (day, feature, action)
         DO UPDATE SET events = activity_anonymous_days.events + 1",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(kind.feature())
    .bind::<Text, _>(kind.action())
    .execute(conn)
    .await?;
    super::rollup::mark_dirty(conn, &[now]).await?;
    super::rollup::schedule(conn, now).await
}

/// Appends `batch`, marks its days for the rollup and schedules it, in the caller's transaction.
pub async fn append_in(conn: &mut AsyncPgConnection, batch: &[Activity]) -> ApiResult<()> {
    diesel::insert_into(activity_events::table)
        .values(batch)
        .execute(conn)
        .await?;
    let times: Vec<DateTime<Utc>> = batch.iter().map(|a| a.occurred_at).collect();
    super::rollup::mark_dirty(conn, &times).await?;
    super::rollup::schedule(conn, Utc::now()).await
}
