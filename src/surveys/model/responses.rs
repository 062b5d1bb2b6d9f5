//! Responses and their answers, and who has answered (kept apart from the responses, which carry
//! no one for an anonymous survey).

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{survey_answers, survey_participants, survey_questions, survey_responses};
use crate::error::ApiResult;

use super::Survey;

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

/// How many responses each of the surveys has (a survey without any is left out).
pub async fn response_counts(
    conn: &mut AsyncPgConnection,
    surveys: &[Uuid],
) -> ApiResult<HashMap<Uuid, i64>> {
    let counts: Vec<(Uuid, i64)> = survey_responses::table
        .filter(survey_responses::survey_id.eq_any(surveys))
        .group_by(survey_responses::survey_id)
        .select((survey_responses::survey_id, count_star()))
        .load(conn)
        .await?;
    Ok(counts.into_iter().collect())
}

pub async fn response_count(conn: &mut AsyncPgConnection, survey: Uuid) -> ApiResult<i64> {
    Ok(response_counts(conn, &[survey])
        .await?
        .remove(&survey)
        .unwrap_or(0))
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
