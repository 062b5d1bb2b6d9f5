//! The survey tables and the queries on them: surveys here, their questions, responses, lists and
//! results by theme. Responses are never read in the order they came: every list of responses or
//! answers is in response-id order, and response ids are random (see the migration for why).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{group_memberships, survey_groups, surveys, users};
use crate::error::{ApiError, ApiResult};
use crate::users::{OrgRole, UserStatus};

mod lists;
mod questions;
mod responses;
mod results;

pub use lists::*;
pub use questions::*;
pub use responses::*;
pub use results::*;

use questions::insert_questions;

/// An anonymous survey's results show once this many people answered, unless its creator asks
/// for more ...
pub const DEFAULT_MIN_RESPONSES: i32 = 5;
/// ... or fewer, but never fewer than this ...
pub const MIN_RESPONSES_FLOOR: i32 = 3;
/// ... nor more than this.
pub const MIN_RESPONSES_CEILING: i32 = 1_000;

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = surveys, check_for_backend(diesel::pg::Pg))]
pub struct Survey {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub anonymous: bool,
    pub organization_wide: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Anonymous surveys: the fewest responses their results show with.
    pub min_responses: i32,
}

/// Where a survey stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyState {
    /// Not open yet.
    Scheduled,
    Open,
    /// Closed early or past its closing date.
    Closed,
}

impl Survey {
    pub fn state(&self) -> SurveyState {
        let now = Utc::now();
        if self.ended_at(now).is_some() {
            SurveyState::Closed
        } else if self.opens_at > now {
            SurveyState::Scheduled
        } else {
            SurveyState::Open
        }
    }

    /// When it stopped taking answers, if it has.
    pub fn ended_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.closed_at
            .or_else(|| self.closes_at.filter(|closes_at| *closes_at <= now))
    }

    /// How many more responses its results wait for: an anonymous survey shows none of its
    /// answers (aggregated, free text or exported) until `min_responses` people answered, so
    /// that a few people's answers cannot be told apart; others show them from the first.
    pub fn responses_needed(&self, responses: i64) -> i64 {
        if self.anonymous {
            (i64::from(self.min_responses) - responses).max(0)
        } else {
            0
        }
    }
}

/// A survey as created (validated by the caller).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = surveys)]
pub struct NewSurvey {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub anonymous: bool,
    pub organization_wide: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub min_responses: i32,
}

/// Creates the survey with its audience groups and questions (in order).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    survey: &NewSurvey,
    groups: &[Uuid],
    questions: &[NewQuestion],
) -> ApiResult<(Survey, Vec<Question>)> {
    let created = diesel::insert_into(surveys::table)
        .values(survey)
        .returning(Survey::as_returning())
        .get_result(conn)
        .await?;
    let audience: Vec<_> = groups
        .iter()
        .map(|group| {
            (
                survey_groups::survey_id.eq(survey.id),
                survey_groups::group_id.eq(*group),
            )
        })
        .collect();
    if !audience.is_empty() {
        diesel::insert_into(survey_groups::table)
            .values(audience)
            .execute(conn)
            .await?;
    }
    let questions = insert_questions(conn, survey.id, questions).await?;
    Ok((created, questions))
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Survey>> {
    Ok(surveys::table
        .find(id)
        .select(Survey::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The survey, locked against closing until the transaction ends (answers do not block each
/// other).
pub async fn lock_for_answer(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Survey> {
    surveys::table
        .find(id)
        .select(Survey::as_select())
        .for_share()
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("Survey"))
}

/// The survey, locked for a change of state (waits for answers being written).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Survey> {
    surveys::table
        .find(id)
        .select(Survey::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("Survey"))
}

pub async fn close(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Survey> {
    Ok(diesel::update(surveys::table.find(id))
        .set(surveys::closed_at.eq(Utc::now()))
        .returning(Survey::as_returning())
        .get_result(conn)
        .await?)
}

/// (survey, group) pairs of the surveys' audiences.
pub async fn audience_groups(
    conn: &mut AsyncPgConnection,
    survey_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, Uuid)>> {
    Ok(survey_groups::table
        .filter(survey_groups::survey_id.eq_any(survey_ids))
        .select((survey_groups::survey_id, survey_groups::group_id))
        .load(conn)
        .await?)
}

/// How many active people the survey asks now: members of the organization (not guests) for
/// organization-wide surveys, else the members of its groups, each counted once.
pub async fn audience_size(conn: &mut AsyncPgConnection, survey: &Survey) -> ApiResult<i64> {
    let active = users::table.filter(users::status.eq(UserStatus::Active));
    if survey.organization_wide {
        return Ok(active
            .filter(users::org_role.ne(OrgRole::Guest))
            .count()
            .get_result(conn)
            .await?);
    }
    let members = group_memberships::table
        .inner_join(
            survey_groups::table.on(survey_groups::group_id.eq(group_memberships::group_id)),
        )
        .filter(survey_groups::survey_id.eq(survey.id))
        .select(group_memberships::user_id);
    Ok(active
        .filter(users::id.eq_any(members))
        .count()
        .get_result(conn)
        .await?)
}

/// Whether any survey exists (the demo seeds once).
pub async fn any(conn: &mut AsyncPgConnection) -> ApiResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(surveys::table.select(surveys::id)))
            .get_result(conn)
            .await?,
    )
}
