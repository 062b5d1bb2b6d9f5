//! A survey's questions, in order, and the kinds of answer they take.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::survey_questions;
use crate::error::ApiResult;
use crate::text_enum;

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

#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<String>,
    pub required: bool,
}

/// Adds a new survey's questions; returns them in their order.
pub(super) async fn insert_questions(
    conn: &mut AsyncPgConnection,
    survey: Uuid,
    questions: &[NewQuestion],
) -> ApiResult<Vec<Question>> {
    let rows: Vec<_> = questions
        .iter()
        .enumerate()
        .map(|(position, question)| {
            (
                survey_questions::id.eq(Uuid::now_v7()),
                survey_questions::survey_id.eq(survey),
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
    Ok(questions)
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
