//! Surveys over GraphQL: the `Survey` type with its results, and the queries.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{self, QUESTION_TYPE_NAME, SurveyView, TYPE_NAME};
use super::loaders::{AudienceSizes, ResponseCounts, Tallies, Tally};
use super::model::SurveyState;
use super::model::{self, ListViewer, Question, QuestionKind, SCALE_MAX, SCALE_MIN, SurveyCursor};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{self, ChildPages};
use crate::groups::GroupAccess;
use crate::pagination::{Page, PageRequest};
use crate::policy::{self, Action, Decision, Judged, Resource};
use crate::users::{OrgRole, User};

/// How a survey question is answered.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SurveyQuestionKind", remote = "QuestionKind")]
pub enum QuestionKindGql {
    /// Exactly one option.
    SingleChoice,
    /// At least one option.
    MultipleChoice,
    /// A value from 1 to 5.
    Scale,
    /// Text, at most 2,000 characters.
    FreeText,
}

/// Where a survey stands in its life.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SurveyStatus", remote = "SurveyState")]
pub enum SurveyStatusGql {
    /// Not open yet (`opensAt` is ahead).
    Scheduled,
    /// Taking answers.
    Open,
    /// Closed early or past `closesAt`: no more answers.
    Closed,
}

/// One question of a survey.
#[Object(name = "SurveyQuestion")]
impl Question {
    /// Opaque global identifier; answers name the question by it.
    pub async fn id(&self) -> ID {
        ids::encode(QUESTION_TYPE_NAME, self.id)
    }
    /// From 0, in the order the survey asks.
    async fn position(&self) -> i32 {
        self.position
    }
    /// How it is answered.
    async fn kind(&self) -> QuestionKindGql {
        self.kind.into()
    }
    /// The question, as plain text (at most 500 characters).
    async fn prompt(&self) -> &str {
        &self.prompt
    }
    /// The options of choice questions (2 to 20); answers name them by index from 0. Empty for
    /// SCALE and FREE_TEXT.
    async fn options(&self) -> Vec<&str> {
        self.option_labels().collect()
    }
    /// Whether respondents must answer it.
    async fn required(&self) -> bool {
        self.required
    }
}

/// A pulse survey: questions for the whole organization or some groups, open between two dates,
/// answered once per person; anonymous ones keep no link between an answer and its author.
#[Object(name = "Survey")]
impl SurveyView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.survey.id)
    }
    /// Plain text, 1 to 100 characters.
    async fn title(&self) -> &str {
        &self.survey.title
    }
    /// An introduction, as written (at most 5,000 characters); empty when none.
    async fn description(&self) -> &str {
        &self.survey.description
    }
    /// Answers are stored with no link to the person who gave them.
    async fn anonymous(&self) -> bool {
        self.survey.anonymous
    }
    /// Anonymous surveys show no results until this many people answered (3 or more, 5 by
    /// default; see `SurveyResults.responsesNeeded`); surveys that are not anonymous show theirs
    /// from the first answer.
    async fn min_responses(&self) -> i32 {
        self.survey.min_responses
    }
    /// Asks every member of the organization (guests excepted).
    async fn organization_wide(&self) -> bool {
        self.survey.organization_wide
    }
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    async fn deprecated_organization_wide(&self) -> bool {
        self.survey.organization_wide
    }
    /// The groups whose members it asks (those the viewer may see).
    async fn groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<GroupAccess>> {
        let viewer = ctx.viewer()?;
        Ok(self
            .groups
            .iter()
            .filter(|group| {
                policy::can(viewer, Action::View, Resource::Group(group)) != Decision::Hide
            })
            .cloned()
            .collect())
    }
    /// When it starts taking answers (it is SCHEDULED before).
    async fn opens_at(&self) -> DateTime<Utc> {
        self.survey.opens_at
    }
    /// When it closes by itself; null when it stays open until someone closes it
    /// (`closeSurvey`).
    async fn closes_at(&self) -> Option<DateTime<Utc>> {
        self.survey.closes_at
    }
    /// When it stopped taking answers, if it has.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.survey.ended_at(Utc::now())
    }
    /// Where it stands now: scheduled, open or closed.
    async fn status(&self) -> SurveyStatusGql {
        self.survey.state().into()
    }
    /// Null once their account is gone, or when the viewer may not see them in the directory.
    async fn created_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::visible_person(ctx, self.survey.created_by).await
    }
    /// When the survey was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.survey.created_at
    }
    /// In order.
    async fn questions(&self) -> &Vec<Question> {
        &self.questions
    }
    /// Whether the viewer answered it (kept for anonymous surveys too, without their answers).
    async fn viewer_has_answered(&self) -> bool {
        self.answered
    }
    /// Whether the viewer may answer now (`answerSurvey`): in its audience, open, not answered.
    async fn viewer_can_answer(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.decide(ctx.viewer()?, Action::Answer).allowed())
    }
    /// Whether the viewer sees `results` and may export them.
    async fn viewer_can_view_results(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.decide(ctx.viewer()?, Action::ViewContent).allowed())
    }
    /// Whether the viewer may close it (`closeSurvey`).
    async fn viewer_can_close(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.decide(ctx.viewer()?, Action::Manage).allowed())
    }
    /// The answers aggregated per question; null unless `viewerCanViewResults`. An anonymous
    /// survey's answers wait for `minResponses` people (`responsesNeeded`).
    async fn results(&self, ctx: &Context<'_>) -> ApiResult<Option<SurveyResults>> {
        if !self.decide(ctx.viewer()?, Action::ViewContent).allowed() {
            return Ok(None);
        }
        let survey = self.survey.id;
        let response_count = loaders::value_of::<ResponseCounts>(ctx, survey).await?;
        let responses_needed = self.survey.responses_needed(response_count);
        let audience_size = loaders::value_of::<AudienceSizes>(ctx, survey).await?;
        let response_rate = if audience_size > 0 {
            (response_count as f64 / audience_size as f64).min(1.0)
        } else {
            0.0
        };
        let mut results = SurveyResults {
            response_count,
            responses_needed,
            audience_size,
            response_rate,
            questions: Vec::new(),
        };
        if responses_needed > 0 {
            return Ok(Some(results));
        }
        let tally = loaders::value_of::<Tallies>(ctx, survey).await?;
        results.questions = self
            .questions
            .iter()
            .map(|question| question_results(question, &tally))
            .collect();
        Ok(Some(results))
    }
    /// Every response as a CSV file (one row per response, in no particular order; no names for
    /// anonymous surveys); null unless `viewerCanViewResults`, and while the answers wait for
    /// more responses (`SurveyResults.responsesNeeded`).
    async fn results_csv_url(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if !self.decide(ctx.viewer()?, Action::ViewContent).allowed() {
            return Ok(None);
        }
        let responses = loaders::value_of::<ResponseCounts>(ctx, self.survey.id).await?;
        Ok((self.survey.responses_needed(responses) == 0).then(|| {
            format!(
                "{}/surveys/{}/results.csv",
                ctx.services().config.public_url,
                ids::encode(TYPE_NAME, self.survey.id).as_str()
            )
        }))
    }
}

/// The answers of a survey, aggregated.
#[derive(SimpleObject)]
pub struct SurveyResults {
    /// How many people answered.
    pub response_count: i64,
    /// How many more people must answer before the answers show. An anonymous survey shows
    /// none of them (`questions` is empty and `Survey.resultsCsvUrl` null) until
    /// `Survey.minResponses` people answered, so that a few people's answers cannot be told
    /// apart; 0 once they show, and always for surveys that are not anonymous.
    pub responses_needed: i64,
    /// How many active people the survey asks now.
    pub audience_size: i64,
    /// `responseCount / audienceSize`, from 0 to 1.
    pub response_rate: f64,
    /// In the order of the questions; empty while `responsesNeeded` is above 0.
    pub questions: Vec<SurveyQuestionResults>,
}

/// The answers to one question, aggregated.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SurveyQuestionResults {
    /// The question these results are for.
    pub question: Question,
    /// How many responses answered it.
    pub answer_count: i64,
    /// Choice questions: how often each option was chosen, in the order of the options.
    pub options: Vec<SurveyOptionCount>,
    /// Scale questions: how many gave each value, from 1 to 5.
    pub scale: Vec<SurveyScaleCount>,
    /// Scale questions: the mean of the values given.
    pub average: Option<f64>,
}

/// How often one option of a choice question was chosen.
#[derive(SimpleObject)]
pub struct SurveyOptionCount {
    /// From 0.
    pub index: i32,
    /// The option's text.
    pub label: String,
    /// How many responses chose it.
    pub count: i64,
}

/// How many responses gave one value of a SCALE question.
#[derive(SimpleObject)]
pub struct SurveyScaleCount {
    /// From 1 to 5.
    pub value: i32,
    /// How many responses gave it.
    pub count: i64,
}

/// One free-text answer.
#[derive(SimpleObject, Clone)]
pub struct SurveyTextAnswer {
    /// The answer as written (plain text, at most 2,000 characters).
    pub text: String,
}

#[ComplexObject]
impl SurveyQuestionResults {
    /// Free-text questions: the answers, without times, in random order (their responses'
    /// random ids', the same on every page), which says nothing of when they came.
    async fn text_answers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<SurveyTextAnswer>> {
        let page = PageRequest::<Uuid>::parse(first, after.as_deref(), last, before.as_deref())?;
        let answers = if self.question.kind == QuestionKind::FreeText {
            loaders::page_of::<TextAnswerPages>(ctx, self.question.id, page).await?
        } else {
            page.finish(Vec::new(), 0)
        };
        Ok(connection(
            answers,
            |answer| answer.response_id,
            |answer| SurveyTextAnswer { text: answer.text },
        ))
    }
}

/// The free-text answers of questions, in response-id (random) order.
pub struct TextAnswerPages;

impl ChildPages for TextAnswerPages {
    type Args = PageRequest<Uuid>;
    type Item = model::TextAnswer;

    fn pages(
        conn: &mut diesel_async::AsyncPgConnection,
        questions: &[Uuid],
        page: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<model::TextAnswer>>>> + Send {
        model::text_answer_pages(conn, questions, page)
    }
}

fn question_results(question: &Question, tally: &Tally) -> SurveyQuestionResults {
    let count = |value: i32| {
        tally
            .values
            .get(&(question.id, value))
            .copied()
            .unwrap_or(0)
    };
    let options = question
        .option_labels()
        .enumerate()
        .map(|(index, label)| SurveyOptionCount {
            index: index as i32,
            label: label.to_owned(),
            count: count(index as i32),
        })
        .collect();
    let scale: Vec<SurveyScaleCount> = if question.kind == QuestionKind::Scale {
        (SCALE_MIN..=SCALE_MAX)
            .map(|value| SurveyScaleCount {
                value,
                count: count(value),
            })
            .collect()
    } else {
        Vec::new()
    };
    let given: i64 = scale.iter().map(|bucket| bucket.count).sum();
    let average = (given > 0).then(|| {
        scale
            .iter()
            .map(|bucket| f64::from(bucket.value) * bucket.count as f64)
            .sum::<f64>()
            / given as f64
    });
    SurveyQuestionResults {
        question: question.clone(),
        answer_count: tally.answers.get(&question.id).copied().unwrap_or(0),
        options,
        scale,
        average,
    }
}

pub(super) fn list_viewer(ctx: &Context<'_>) -> ApiResult<ListViewer> {
    let viewer = ctx.viewer()?;
    Ok(ListViewer {
        id: viewer.id(),
        admin: viewer.user.is_admin(),
        guest: viewer.user.org_role == OrgRole::Guest,
    })
}

pub(super) async fn views(
    ctx: &Context<'_>,
    page: Page<model::Survey>,
) -> ApiResult<Page<SurveyView>> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    let Page {
        items,
        has_next_page,
        has_previous_page,
        total_count,
    } = page;
    Ok(Page {
        items: access::visible(&mut conn, viewer, items).await?,
        has_next_page,
        has_previous_page,
        total_count,
    })
}

fn key(view: &SurveyView) -> SurveyCursor {
    (view.survey.created_at, view.survey.id)
}

#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// The survey with this ID; null with a NOT_FOUND error when it does not exist or the
    /// viewer may not see it.
    async fn survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey's global ID.")] id: ID,
    ) -> ApiResult<Option<SurveyView>> {
        load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }

    /// The surveys the viewer sees, newest first: those asking them, those they created, and
    /// for org admins every survey.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<SurveyView>> {
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        listed(ctx, model::visible_page, page).await
    }

    /// Open surveys asking the viewer that they have not answered yet, newest first (the home
    /// page shows them).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn pending_surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<SurveyView>> {
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        listed(ctx, model::pending_page, page).await
    }
}

/// A page of the surveys `list` finds for the viewer (its SQL applies the policy), as they see
/// them.
async fn listed(
    ctx: &Context<'_>,
    list: impl AsyncFnOnce(
        &mut AsyncPgConnection,
        ListViewer,
        &PageRequest<SurveyCursor>,
    ) -> ApiResult<Page<model::Survey>>,
    page: PageRequest<SurveyCursor>,
) -> ApiResult<PageConnection<SurveyView>> {
    let found = list(&mut *ctx.conn().await?, list_viewer(ctx)?, &page).await?;
    Ok(connection(views(ctx, found).await?, key, |view| view))
}

pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<SurveyView> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    access::find_visible(&mut conn, viewer, id).await
}

/// A question of a survey the viewer may see; NOT_FOUND otherwise.
pub async fn load_visible_question(ctx: &Context<'_>, id: Uuid) -> ApiResult<Question> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    let question = model::find_question(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound(QUESTION_TYPE_NAME))?;
    match access::find_visible(&mut conn, viewer, question.survey_id).await {
        Ok(_) => Ok(question),
        Err(ApiError::NotFound(_)) => Err(ApiError::NotFound(QUESTION_TYPE_NAME)),
        Err(error) => Err(error),
    }
}
