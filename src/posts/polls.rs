//! Polls on posts: single or multiple choice, optionally anonymous, with a closing time and
//! results shown always, after voting or after closing. Votes can change until the poll closes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{poll_options, poll_votes, polls, users};
use crate::error::{ApiError, ApiResult};
use crate::text_enum;

text_enum! {
    /// When voters see the counts.
    pub enum ResultsVisibility {
        Always => "always",
        AfterVoting => "after_voting",
        AfterClosing => "after_closing",
    }
}

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;
pub const OPTION_MAX_LENGTH: usize = 200;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = polls, check_for_backend(diesel::pg::Pg))]
pub struct Poll {
    pub post_id: Uuid,
    pub multiple_choice: bool,
    pub anonymous: bool,
    pub closes_at: Option<DateTime<Utc>>,
    pub results_visibility: ResultsVisibility,
}

impl Poll {
    pub fn is_closed(&self) -> bool {
        self.closed_at().is_some()
    }

    /// Whether the counts are shown to someone who voted (`voted`) or not.
    pub fn results_visible(&self, voted: bool) -> bool {
        match self.results_visibility {
            ResultsVisibility::Always => true,
            ResultsVisibility::AfterVoting => voted || self.is_closed(),
            ResultsVisibility::AfterClosing => self.is_closed(),
        }
    }

    /// When it stopped taking votes, if it has.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closes_at.filter(|at| *at <= Utc::now())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = poll_options, check_for_backend(diesel::pg::Pg))]
pub struct PollOption {
    pub id: Uuid,
    pub post_id: Uuid,
    pub label: String,
}

pub struct NewPoll {
    pub options: Vec<String>,
    pub multiple_choice: bool,
    pub anonymous: bool,
    pub closes_at: Option<DateTime<Utc>>,
    pub results_visibility: ResultsVisibility,
}

pub async fn insert(conn: &mut AsyncPgConnection, post: Uuid, poll: &NewPoll) -> ApiResult<()> {
    diesel::insert_into(polls::table)
        .values((
            polls::post_id.eq(post),
            polls::multiple_choice.eq(poll.multiple_choice),
            polls::anonymous.eq(poll.anonymous),
            polls::closes_at.eq(poll.closes_at),
            polls::results_visibility.eq(poll.results_visibility),
        ))
        .execute(conn)
        .await?;
    let options: Vec<_> = poll
        .options
        .iter()
        .enumerate()
        .map(|(position, label)| {
            (
                poll_options::id.eq(Uuid::now_v7()),
                poll_options::post_id.eq(post),
                poll_options::position.eq(position as i32),
                poll_options::label.eq(label),
            )
        })
        .collect();
    diesel::insert_into(poll_options::table)
        .values(options)
        .execute(conn)
        .await?;
    Ok(())
}

/// The poll of a post, with its options in order.
pub async fn find(
    conn: &mut AsyncPgConnection,
    post: Uuid,
) -> ApiResult<Option<(Poll, Vec<PollOption>)>> {
    Ok(find_many(conn, &[post]).await?.remove(&post))
}

/// The post whose poll holds the option `id`.
pub async fn post_of_option(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Uuid>> {
    Ok(poll_options::table
        .find(id)
        .select(poll_options::post_id)
        .first(conn)
        .await
        .optional()?)
}

/// The polls of those of `posts` that have one, with their options in order.
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, (Poll, Vec<PollOption>)>> {
    let found: Vec<Poll> = polls::table
        .filter(polls::post_id.eq_any(posts))
        .select(Poll::as_select())
        .load(conn)
        .await?;
    if found.is_empty() {
        return Ok(HashMap::new());
    }
    let options: Vec<PollOption> = poll_options::table
        .filter(poll_options::post_id.eq_any(posts))
        .order((poll_options::post_id, poll_options::position.asc()))
        .select(PollOption::as_select())
        .load(conn)
        .await?;
    let mut polls: HashMap<Uuid, (Poll, Vec<PollOption>)> = found
        .into_iter()
        .map(|poll| (poll.post_id, (poll, Vec::new())))
        .collect();
    for option in options {
        if let Some((_, of_poll)) = polls.get_mut(&option.post_id) {
            of_poll.push(option);
        }
    }
    Ok(polls)
}

/// Replaces the viewer's votes (a vote can change until the poll closes). The caller's
/// transaction holds the poll's row from here on, so one person's racing ballots (two tabs, a
/// double click) run one after the other and the last one stands; `poll_votes_one_per_person`
/// refuses a second vote in a single-choice poll whatever the code does.
pub async fn vote(
    conn: &mut AsyncPgConnection,
    poll: &Poll,
    user: Uuid,
    options: &[Uuid],
) -> ApiResult<()> {
    polls::table
        .find(poll.post_id)
        .select(polls::post_id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await?;
    diesel::delete(
        poll_votes::table
            .filter(poll_votes::post_id.eq(poll.post_id))
            .filter(poll_votes::user_id.eq(user)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = options
        .iter()
        .map(|option| {
            (
                poll_votes::option_id.eq(*option),
                poll_votes::user_id.eq(user),
                poll_votes::post_id.eq(poll.post_id),
                poll_votes::multiple_choice.eq(poll.multiple_choice),
            )
        })
        .collect();
    diesel::insert_into(poll_votes::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The votes of one poll: per option, the options the viewer chose, and how many people voted.
#[derive(Debug, Default)]
pub struct Tally {
    pub counts: HashMap<Uuid, i64>,
    pub mine: Vec<Uuid>,
    pub voters: i64,
}

/// The tally of each of the polls of `posts` (none for a poll without votes), for `viewer`.
pub async fn tallies(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
    viewer: Uuid,
) -> ApiResult<HashMap<Uuid, Tally>> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let votes: Vec<(Uuid, Uuid, Uuid)> = poll_votes::table
        .filter(poll_votes::post_id.eq_any(posts))
        .select((
            poll_votes::post_id,
            poll_votes::option_id,
            poll_votes::user_id,
        ))
        .load(conn)
        .await?;
    let mut tallies: HashMap<Uuid, (Tally, HashSet<Uuid>)> = HashMap::new();
    for (post, option, user) in votes {
        let (tally, voters) = tallies.entry(post).or_default();
        *tally.counts.entry(option).or_default() += 1;
        voters.insert(user);
        if user == viewer {
            tally.mine.push(option);
        }
    }
    Ok(tallies
        .into_iter()
        .map(|(post, (mut tally, voters))| {
            tally.voters = voters.len() as i64;
            (post, tally)
        })
        .collect())
}

/// Who chose each option of the polls of `posts`, by name (for polls that are not anonymous).
pub async fn voters_of(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<crate::users::User>>> {
    let rows: Vec<(Uuid, crate::users::User)> = poll_votes::table
        .inner_join(users::table)
        .filter(poll_votes::post_id.eq_any(posts))
        .order((users::display_name.asc(), users::id.asc()))
        .select((poll_votes::option_id, crate::users::User::as_select()))
        .load(conn)
        .await?;
    let mut voters: HashMap<Uuid, Vec<crate::users::User>> = HashMap::new();
    for (option, user) in rows {
        voters.entry(option).or_default().push(user);
    }
    Ok(voters)
}

/// Validates a new poll's options: 2 to 20 distinct, non-empty labels.
pub fn check_options(options: &[String]) -> ApiResult<Vec<String>> {
    if options.len() < MIN_OPTIONS || options.len() > MAX_OPTIONS {
        return Err(ApiError::bad_input(
            "poll.options",
            format!("give {MIN_OPTIONS} to {MAX_OPTIONS} options"),
        ));
    }
    let mut labels: Vec<String> = Vec::with_capacity(options.len());
    for option in options {
        let label = option.trim().to_owned();
        if label.is_empty() {
            return Err(ApiError::bad_input(
                "poll.options",
                "options must not be empty",
            ));
        }
        crate::validation::max_chars("poll.options", &label, OPTION_MAX_LENGTH)?;
        if labels.contains(&label) {
            return Err(ApiError::bad_input("poll.options", "options must differ"));
        }
        labels.push(label);
    }
    Ok(labels)
}
