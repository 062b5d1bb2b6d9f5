//! Surveys as one viewer stands towards them: what the policy needs (the audience groups and
//! whether the viewer answered) and the questions, loaded in batches.

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Question, Survey};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::groups::GroupAccess;
use crate::policy::{self, Judged, Resource};

pub const TYPE_NAME: &str = "Survey";
pub const QUESTION_TYPE_NAME: &str = "SurveyQuestion";

#[derive(Debug, Clone)]
pub struct SurveyView {
    pub survey: Survey,
    /// The audience groups (none for organization-wide surveys).
    pub groups: Vec<GroupAccess>,
    /// In order.
    pub questions: Vec<Question>,
    pub answered: bool,
}

impl Judged for SurveyView {
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn resource(&self) -> Resource<'_> {
        Resource::Survey {
            survey: Some(&self.survey),
            groups: &self.groups,
            answered: self.answered,
        }
    }
}

/// The surveys the viewer may see, in the given order, with what the policy needs and their
/// questions (four statements whatever the number of surveys).
pub async fn visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    surveys: Vec<Survey>,
) -> ApiResult<Vec<SurveyView>> {
    if surveys.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = surveys.iter().map(|survey| survey.id).collect();
    let audiences = model::audience_groups(conn, &ids).await?;
    let group_ids: Vec<Uuid> = audiences
        .iter()
        .map(|(_, group)| *group)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let groups = if group_ids.is_empty() {
        HashMap::new()
    } else {
        crate::groups::service::access_by_id(conn, viewer.id(), &group_ids).await?
    };
    let answered: HashSet<Uuid> = model::answered_by(conn, viewer.id(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut questions: HashMap<Uuid, Vec<Question>> = HashMap::new();
    for question in model::questions(conn, &ids).await? {
        questions
            .entry(question.survey_id)
            .or_default()
            .push(question);
    }
    let views = surveys.into_iter().map(|survey| SurveyView {
        groups: audiences
            .iter()
            .filter(|(id, _)| *id == survey.id)
            .filter_map(|(_, group)| groups.get(group).cloned())
            .collect(),
        questions: questions.remove(&survey.id).unwrap_or_default(),
        answered: answered.contains(&survey.id),
        survey,
    });
    Ok(policy::seen_by(viewer, views))
}

/// One survey the viewer may see; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<SurveyView> {
    let survey = model::find(conn, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    visible(conn, viewer, vec![survey])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
