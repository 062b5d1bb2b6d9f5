//! The DataLoaders of surveys' results: a page of surveys costs the same few statements for its
//! response counts, audiences and answers whatever the number of surveys.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model;
use crate::error::ApiResult;
use crate::graphql::loaders::{ChildrenOf, every_key};

/// How many responses each survey has.
pub struct ResponseCounts;

impl ChildrenOf for ResponseCounts {
    type Args = ();
    type Value = i64;

    async fn load(
        conn: &mut AsyncPgConnection,
        surveys: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, i64>> {
        Ok(every_key(
            surveys,
            model::response_counts(conn, surveys).await?,
        ))
    }
}

/// How many active people each survey asks now (see `model::audience_sizes`).
pub struct AudienceSizes;

impl ChildrenOf for AudienceSizes {
    type Args = ();
    type Value = i64;

    async fn load(
        conn: &mut AsyncPgConnection,
        surveys: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, i64>> {
        Ok(every_key(
            surveys,
            model::audience_sizes(conn, surveys).await?,
        ))
    }
}

/// What the answers to a survey's questions add up to.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// How many responses answered each question.
    pub answers: HashMap<Uuid, i64>,
    /// How often each option was chosen and each scale value given, by question and value.
    pub values: HashMap<(Uuid, i32), i64>,
}

/// The tally of each survey's answers.
pub struct Tallies;

impl ChildrenOf for Tallies {
    type Args = ();
    type Value = Tally;

    async fn load(
        conn: &mut AsyncPgConnection,
        surveys: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Tally>> {
        let mut tallies: HashMap<Uuid, Tally> = HashMap::new();
        for (survey, question, count) in model::answer_counts(conn, surveys).await? {
            tallies
                .entry(survey)
                .or_default()
                .answers
                .insert(question, count);
        }
        for row in model::value_counts(conn, surveys).await? {
            tallies
                .entry(row.survey_id)
                .or_default()
                .values
                .insert((row.question_id, row.value), row.count);
        }
        Ok(every_key(surveys, tallies))
    }
}
