//! `GET /surveys/{id}/results.csv`: every response of a survey, one row each, for whoever may see
//! its results. Rows come in response-id order, which is random, never in the order people
//! answered; anonymous surveys have no respondent columns, and no rows at all (409) until they
//! have the responses their results wait for.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{self, SurveyView};
use super::model::{self, Answer, Question};
use crate::auth::{SignedIn, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::feeds::csv_safe;
use crate::files::download::{internal, status};
use crate::policy::{Action, Judged};
use crate::services::Services;
use crate::users::visibility::Sight;

pub async fn results_csv(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
) -> Response {
    let Some(id) = crate::graphql::ids::from_path(&id, access::TYPE_NAME) else {
        return status(StatusCode::NOT_FOUND, "Not found");
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        let view = access::find_visible(&mut conn, &viewer, id).await?;
        view.require(
            &viewer,
            Action::ViewContent,
            "Only the survey's creator, its groups' managers and org admins export its results.",
        )?;
        let responses = model::response_count(&mut conn, view.survey.id).await?;
        match view.survey.responses_needed(responses) {
            0 => render(&mut conn, &viewer, &view).await,
            1 => Err(ApiError::Conflict(
                "The results show once 1 more person has answered.".into(),
            )),
            needed => Err(ApiError::Conflict(format!(
                "The results show once {needed} more people have answered."
            ))),
        }
    }
    .await;
    match result {
        Ok(body) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"survey-results.csv\"",
                ),
                (CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response(),
        Err(ApiError::NotFound(_)) => status(StatusCode::NOT_FOUND, "Not found"),
        Err(ApiError::Forbidden(message)) => (StatusCode::FORBIDDEN, message).into_response(),
        Err(ApiError::Conflict(message)) => (StatusCode::CONFLICT, message).into_response(),
        Err(error) => internal(error),
    }
}

/// One answer as a cell: the chosen options' labels, the scale value or the text.
fn cell(question: &Question, answer: &Answer) -> String {
    if let Some(choices) = &answer.choices {
        let labels: Vec<&str> = question.option_labels().collect();
        return choices
            .iter()
            .flatten()
            .filter_map(|index| labels.get(usize::try_from(*index).ok()?).copied())
            .collect::<Vec<_>>()
            .join("; ");
    }
    if let Some(value) = answer.scale {
        return value.to_string();
    }
    answer.text.clone().unwrap_or_default()
}

/// The rows show of each respondent what the API shows the viewer (`users::visibility`).
async fn render(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    view: &SurveyView,
) -> ApiResult<Vec<u8>> {
    let responses = model::responses(conn, view.survey.id).await?;
    let mut answers: HashMap<Uuid, Vec<Answer>> = HashMap::new();
    for answer in model::answers(conn, view.survey.id).await? {
        answers.entry(answer.response_id).or_default().push(answer);
    }
    let respondent_ids: Vec<Uuid> = responses.iter().filter_map(|(_, user)| *user).collect();
    let respondents: HashMap<Uuid, crate::users::User> = if view.survey.anonymous {
        HashMap::new()
    } else {
        crate::users::model::find_many(conn, &respondent_ids)
            .await?
            .into_iter()
            .map(|user| (user.id, user))
            .collect()
    };
    let sight = Sight::of(conn, viewer, respondents.values()).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    if !view.survey.anonymous {
        header.extend(["respondent".to_owned(), "email".to_owned()]);
    }
    header.extend(view.questions.iter().map(|q| csv_safe(&q.prompt)));
    writer.write_record(&header).map_err(ApiError::internal)?;
    for (response, user) in &responses {
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        if !view.survey.anonymous {
            let shown = user
                .and_then(|id| respondents.get(&id))
                .map(|person| sight.row(person));
            row.push(csv_safe(shown.map_or("", |shown| shown.name)));
            row.push(csv_safe(shown.and_then(|shown| shown.email).unwrap_or("")));
        }
        let given = answers.get(response).map(Vec::as_slice).unwrap_or(&[]);
        for question in &view.questions {
            let value = given
                .iter()
                .find(|answer| answer.question_id == question.id)
                .map(|answer| cell(question, answer))
                .unwrap_or_default();
            row.push(csv_safe(&value));
        }
        writer.write_record(&row).map_err(ApiError::internal)?;
    }
    writer
        .into_inner()
        .map_err(|error| ApiError::internal(anyhow::anyhow!("{error}")))
}
