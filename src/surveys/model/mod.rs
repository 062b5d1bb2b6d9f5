//! The survey tables and the queries on them: surveys here, their questions, responses, lists and
//! results by theme. Responses are never read in the order they came: every list of responses or
//! answers is in response-id order, and response ids are random (see the migration for why).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{survey_groups, surveys};
use crate::error::{ApiError, ApiResult};

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

#[derive(QueryableByName)]
struct AudienceSize {
    #[diesel(sql_type = SqlUuid)]
    survey_id: Uuid,
    #[diesel(sql_type = BigInt)]
    size: i64,
}

/// How many active people each survey asks now: members of the organization (not guests) for
/// organization-wide surveys, else the members of its groups, each counted once (a survey that
/// does not exist is left out).
pub async fn audience_sizes(
    conn: &mut AsyncPgConnection,
    survey_ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, i64>> {
    let sizes: Vec<AudienceSize> = diesel::sql_query(
        "SELECT s.id AS survey_id,
                CASE WHEN s.organization_wide
                     THEN (SELECT count(*) FROM users u
                           WHERE u.status = 'active' AND u.org_role <> 'guest')
                     ELSE (SELECT count(*) FROM users u
                           WHERE u.status = 'active' AND u.id IN (
                               SELECT m.user_id FROM group_memberships m
                               JOIN survey_groups g ON g.group_id = m.group_id
                               WHERE g.survey_id = s.id))
                END AS size
         FROM surveys s WHERE s.id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(survey_ids)
    .load(conn)
    .await?;
    Ok(sizes
        .into_iter()
        .map(|row| (row.survey_id, row.size))
        .collect())
}

/// Whether any survey exists (the demo seeds once).
pub async fn any(conn: &mut AsyncPgConnection) -> ApiResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(surveys::table.select(surveys::id)))
            .get_result(conn)
            .await?,
    )
}
