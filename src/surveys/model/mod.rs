//! The survey tables and the queries on them. Responses are never read in the order they came:
//! every list of responses or answers is in response-id order, and response ids are random (see
//! the migration for why).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{
    group_memberships, survey_answers, survey_groups, survey_participants, survey_questions,
    survey_responses, surveys, users,
};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageRequest, PerParentRow};
use crate::text_enum;
use crate::users::{OrgRole, UserStatus};

text_enum! {
    pub enum QuestionKind {
        /// Exactly one of the options.
        SingleChoice => "single_choice",
        /// Any number (at least one) of the options.
        MultipleChoice => "multiple_choice",
        /// A value from 1 to 5.
        Scale => "scale",
        FreeText => "free_text",
    }
}

impl QuestionKind {
    pub fn has_options(self) -> bool {
        matches!(self, Self::SingleChoice | Self::MultipleChoice)
    }
}

pub const SCALE_MIN: i32 = 1;
pub const SCALE_MAX: i32 = 5;

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
    pub organisation_wide: bool,
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = survey_questions, check_for_backend(diesel::pg::Pg))]
pub struct Question {
    pub id: Uuid,
    pub survey_id: Uuid,
    pub position: i32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<Option<String>>,
    pub required: bool,
}

impl Question {
    pub fn option_labels(&self) -> impl Iterator<Item = &str> {
        self.options.iter().flatten().map(String::as_str)
    }

    pub fn option_count(&self) -> usize {
        self.options.iter().flatten().count()
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
    pub organisation_wide: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub min_responses: i32,
}

#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<String>,
    pub required: bool,
}

/// One validated answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    /// Option indexes, in the order of the options.
    Choices(Vec<i32>),
    Scale(i32),
    Text(String),
}

/// A stored answer, for exports.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = survey_answers, check_for_backend(diesel::pg::Pg))]
pub struct Answer {
    pub response_id: Uuid,
    pub question_id: Uuid,
    pub choices: Option<Vec<Option<i32>>>,
    pub scale: Option<i32>,
    pub text: Option<String>,
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
    let rows: Vec<_> = questions
        .iter()
        .enumerate()
        .map(|(position, question)| {
            (
                survey_questions::id.eq(Uuid::now_v7()),
                survey_questions::survey_id.eq(survey.id),
                survey_questions::position.eq(position as i32),
                survey_questions::kind.eq(question.kind),
                survey_questions::prompt.eq(&question.prompt),
                survey_questions::options.eq(question
                    .options
                    .iter()
                    .cloned()
                    .map(Some)
                    .collect::<Vec<_>>()),
                survey_questions::required.eq(question.required),
            )
        })
        .collect();
    let mut questions: Vec<Question> = diesel::insert_into(survey_questions::table)
        .values(rows)
        .returning(Question::as_returning())
        .get_results(conn)
        .await?;
    questions.sort_by_key(|question| question.position);
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

/// The questions of several surveys, each survey's in order.
pub async fn questions(
    conn: &mut AsyncPgConnection,
    survey_ids: &[Uuid],
) -> ApiResult<Vec<Question>> {
    Ok(survey_questions::table
        .filter(survey_questions::survey_id.eq_any(survey_ids))
        .order((survey_questions::survey_id, survey_questions::position))
        .select(Question::as_select())
        .load(conn)
        .await?)
}

pub async fn find_question(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Question>> {
    Ok(survey_questions::table
        .find(id)
        .select(Question::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Which of the surveys this person has answered.
pub async fn answered_by(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    survey_ids: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    Ok(survey_participants::table
        .filter(survey_participants::user_id.eq(user))
        .filter(survey_participants::survey_id.eq_any(survey_ids))
        .select(survey_participants::survey_id)
        .load(conn)
        .await?)
}

/// Records that the person answered; false when they had already.
pub async fn add_participant(
    conn: &mut AsyncPgConnection,
    survey: Uuid,
    user: Uuid,
) -> ApiResult<bool> {
    let inserted = diesel::insert_into(survey_participants::table)
        .values((
            survey_participants::survey_id.eq(survey),
            survey_participants::user_id.eq(user),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Stores one response. Its id is random (v4) and, for an anonymous survey, it carries no user.
pub async fn insert_response(
    conn: &mut AsyncPgConnection,
    survey: &Survey,
    respondent: Uuid,
    answers: &[(Uuid, AnswerValue)],
) -> ApiResult<()> {
    let id = Uuid::new_v4();
    diesel::insert_into(survey_responses::table)
        .values((
            survey_responses::id.eq(id),
            survey_responses::survey_id.eq(survey.id),
            survey_responses::anonymous.eq(survey.anonymous),
            survey_responses::user_id.eq((!survey.anonymous).then_some(respondent)),
        ))
        .execute(conn)
        .await?;
    let rows: Vec<_> = answers
        .iter()
        .map(|(question, value)| {
            let (choices, scale, text) = match value {
                AnswerValue::Choices(choices) => (
                    Some(choices.iter().copied().map(Some).collect::<Vec<_>>()),
                    None,
                    None,
                ),
                AnswerValue::Scale(value) => (None, Some(*value), None),
                AnswerValue::Text(text) => (None, None, Some(text.clone())),
            };
            (
                survey_answers::response_id.eq(id),
                survey_answers::question_id.eq(*question),
                survey_answers::choices.eq(choices),
                survey_answers::scale.eq(scale),
                survey_answers::text.eq(text),
            )
        })
        .collect();
    diesel::insert_into(survey_answers::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who is asking for a list of surveys.
#[derive(Debug, Clone, Copy)]
pub struct ListViewer {
    pub id: Uuid,
    pub admin: bool,
    pub guest: bool,
}

/// Newest first.
pub type SurveyCursor = (DateTime<Utc>, Uuid);

/// The surveys the viewer sees (the policy's visibility in SQL): admins all of them; others
/// those they created and those whose audience they are in.
fn visible_query(viewer: ListViewer) -> surveys::BoxedQuery<'static, diesel::pg::Pg> {
    let query = surveys::table.into_boxed();
    if viewer.admin {
        return query;
    }
    let in_groups = survey_groups::table
        .inner_join(
            group_memberships::table.on(group_memberships::group_id.eq(survey_groups::group_id)),
        )
        .filter(group_memberships::user_id.eq(viewer.id))
        .select(survey_groups::survey_id);
    let own = surveys::created_by.eq(viewer.id);
    if viewer.guest {
        query.filter(own.or(surveys::id.eq_any(in_groups)))
    } else {
        query.filter(
            own.or(surveys::organisation_wide)
                .or(surveys::id.eq_any(in_groups)),
        )
    }
}

/// The open surveys whose audience the viewer is in and that they have not answered.
fn pending_query(viewer: ListViewer) -> surveys::BoxedQuery<'static, diesel::pg::Pg> {
    let now = Utc::now();
    let in_groups = survey_groups::table
        .inner_join(
            group_memberships::table.on(group_memberships::group_id.eq(survey_groups::group_id)),
        )
        .filter(group_memberships::user_id.eq(viewer.id))
        .select(survey_groups::survey_id);
    let answered = survey_participants::table
        .filter(survey_participants::user_id.eq(viewer.id))
        .select(survey_participants::survey_id);
    let mut query = surveys::table
        .filter(surveys::closed_at.is_null())
        .filter(surveys::opens_at.le(now))
        .filter(surveys::closes_at.is_null().or(surveys::closes_at.gt(now)))
        .filter(surveys::id.ne_all(answered))
        .into_boxed();
    query = if viewer.guest {
        query.filter(surveys::id.eq_any(in_groups))
    } else {
        query.filter(surveys::organisation_wide.or(surveys::id.eq_any(in_groups)))
    };
    query
}

async fn newest_first(
    conn: &mut AsyncPgConnection,
    query: impl Fn() -> surveys::BoxedQuery<'static, diesel::pg::Pg>,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    let total: i64 = query().count().get_result(conn).await?;
    let mut rows = query();
    if let Some((created_at, id)) = page.after {
        rows = rows.filter(
            surveys::created_at
                .lt(created_at)
                .or(surveys::created_at.eq(created_at).and(surveys::id.lt(id))),
        );
    }
    let rows = rows
        .order((surveys::created_at.desc(), surveys::id.desc()))
        .limit(page.fetch_limit())
        .select(Survey::as_select())
        .load(conn)
        .await?;
    Ok(page.finish(rows, total))
}

pub async fn visible_page(
    conn: &mut AsyncPgConnection,
    viewer: ListViewer,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    newest_first(conn, || visible_query(viewer), page).await
}

pub async fn pending_page(
    conn: &mut AsyncPgConnection,
    viewer: ListViewer,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    newest_first(conn, || pending_query(viewer), page).await
}

pub async fn response_count(conn: &mut AsyncPgConnection, survey: Uuid) -> ApiResult<i64> {
    Ok(survey_responses::table
        .filter(survey_responses::survey_id.eq(survey))
        .count()
        .get_result(conn)
        .await?)
}

/// How many active people the survey asks now: members of the organisation (not guests) for
/// organisation-wide surveys, else the members of its groups, each counted once.
pub async fn audience_size(conn: &mut AsyncPgConnection, survey: &Survey) -> ApiResult<i64> {
    let active = users::table.filter(users::status.eq(UserStatus::Active));
    if survey.organisation_wide {
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

/// How many responses answered each question.
pub async fn answer_counts(
    conn: &mut AsyncPgConnection,
    survey: Uuid,
) -> ApiResult<Vec<(Uuid, i64)>> {
    Ok(survey_answers::table
        .inner_join(survey_questions::table)
        .filter(survey_questions::survey_id.eq(survey))
        .group_by(survey_answers::question_id)
        .select((survey_answers::question_id, count_star()))
        .load(conn)
        .await?)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ValueCount {
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    /// An option index (choice questions) or a scale value.
    #[diesel(sql_type = Integer)]
    pub value: i32,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// How often each option was chosen and each scale value given, per question.
pub async fn value_counts(
    conn: &mut AsyncPgConnection,
    survey: Uuid,
) -> ApiResult<Vec<ValueCount>> {
    Ok(diesel::sql_query(
        "SELECT a.question_id, v.value, count(*) AS count
         FROM survey_answers a
         JOIN survey_questions q ON q.id = a.question_id
         CROSS JOIN LATERAL unnest(coalesce(a.choices, ARRAY[a.scale])) AS v (value)
         WHERE q.survey_id = $1 AND (a.choices IS NOT NULL OR a.scale IS NOT NULL)
         GROUP BY a.question_id, v.value",
    )
    .bind::<SqlUuid, _>(survey)
    .load(conn)
    .await?)
}

/// A free-text answer with the (random) id of its response, which orders the answers.
#[derive(Debug, Clone, QueryableByName)]
pub struct TextAnswer {
    #[diesel(sql_type = SqlUuid)]
    pub response_id: Uuid,
    #[diesel(sql_type = Text)]
    pub text: String,
}

/// A page of the free-text answers to each question, in response-id (random) order.
pub async fn text_answer_pages(
    conn: &mut AsyncPgConnection,
    questions: &[Uuid],
    page: &PageRequest<Uuid>,
) -> ApiResult<HashMap<Uuid, Page<TextAnswer>>> {
    let rows: Vec<PerParentRow<TextAnswer>> = diesel::sql_query(page.per_parent_sql(
        "SELECT a.response_id, a.text, a.question_id AS page_parent,
                ($2::uuid IS NULL OR a.response_id > $2) AS page_after
         FROM survey_answers a WHERE a.question_id = ANY($1) AND a.text IS NOT NULL",
        "response_id",
    ))
    .bind::<Array<SqlUuid>, _>(questions)
    .bind::<Nullable<SqlUuid>, _>(page.after)
    .load(conn)
    .await?;
    Ok(page.finish_each(questions, rows))
}

/// Every response of a survey with its respondent (none for anonymous surveys), in response-id
/// (random) order, never the order they came in.
pub async fn responses(
    conn: &mut AsyncPgConnection,
    survey: Uuid,
) -> ApiResult<Vec<(Uuid, Option<Uuid>)>> {
    Ok(survey_responses::table
        .filter(survey_responses::survey_id.eq(survey))
        .order(survey_responses::id)
        .select((survey_responses::id, survey_responses::user_id))
        .load(conn)
        .await?)
}

/// Every answer of a survey, by response id.
pub async fn answers(conn: &mut AsyncPgConnection, survey: Uuid) -> ApiResult<Vec<Answer>> {
    Ok(survey_answers::table
        .inner_join(survey_questions::table)
        .filter(survey_questions::survey_id.eq(survey))
        .order((survey_answers::response_id, survey_questions::position))
        .select(Answer::as_select())
        .load(conn)
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
