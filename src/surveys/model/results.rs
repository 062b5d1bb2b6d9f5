//! A survey's results: how many answered each question, the counts of each choice and scale value,
//! and pages of free-text answers.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{survey_answers, survey_questions};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest, PerParentRow};

/// How many responses answered each question of the surveys, as (survey, question, count) rows
/// (none for a question nobody answered).
pub async fn answer_counts(
    conn: &mut AsyncPgConnection,
    surveys: &[Uuid],
) -> ApiResult<Vec<(Uuid, Uuid, i64)>> {
    Ok(survey_answers::table
        .inner_join(survey_questions::table)
        .filter(survey_questions::survey_id.eq_any(surveys))
        .group_by((survey_questions::survey_id, survey_questions::id))
        .select((
            survey_questions::survey_id,
            survey_questions::id,
            count_star(),
        ))
        .load(conn)
        .await?)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ValueCount {
    #[diesel(sql_type = SqlUuid)]
    pub survey_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    /// An option index (choice questions) or a scale value.
    #[diesel(sql_type = Integer)]
    pub value: i32,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// How often each option was chosen and each scale value given, per question of the surveys.
pub async fn value_counts(
    conn: &mut AsyncPgConnection,
    surveys: &[Uuid],
) -> ApiResult<Vec<ValueCount>> {
    Ok(diesel::sql_query(
        "SELECT q.survey_id, a.question_id, v.value, count(*) AS count
         FROM survey_answers a
         JOIN survey_questions q ON q.id = a.question_id
         CROSS JOIN LATERAL unnest(coalesce(a.choices, ARRAY[a.scale])) AS v (value)
         WHERE q.survey_id = ANY($1) AND (a.choices IS NOT NULL OR a.scale IS NOT NULL)
         GROUP BY q.survey_id, a.question_id, v.value",
    )
    .bind::<Array<SqlUuid>, _>(surveys)
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
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<TextAnswer>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT a.response_id, a.text, a.question_id AS page_parent,
                    ($2::uuid IS NULL OR a.response_id {beyond} $2) AS page_after
             FROM survey_answers a WHERE a.question_id = ANY($1) AND a.text IS NOT NULL"
        ),
        &["response_id"],
        Order::Ascending,
    ))
    .bind::<Array<SqlUuid>, _>(questions)
    .bind::<Nullable<SqlUuid>, _>(page.cursor)
    .load(conn)
    .await?;
    Ok(page.finish_each(questions, rows))
}
