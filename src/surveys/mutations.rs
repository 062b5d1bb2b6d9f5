//! Creating, closing and answering surveys. Each mutation does its work in one transaction.

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::access::{QUESTION_TYPE_NAME, SurveyView, TYPE_NAME};
use super::graphql::QuestionKindGql;
use super::model::{
    self, AnswerValue, MIN_RESPONSES_CEILING, MIN_RESPONSES_FLOOR, NewQuestion, NewSurvey,
    Question, QuestionKind, SCALE_MAX, SCALE_MIN, Survey, SurveyState,
};
use crate::analytics::{Activity, ActivityKind, activity};
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::renamed::{self, Flag};
use crate::policy::{self, Action, Judged, Resource};
use crate::validation::{self, Limit};

pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_GROUPS: usize = 20;
pub const PROMPT_MAX_LENGTH: usize = 500;
pub const OPTION_MAX_LENGTH: usize = 200;
pub const TEXT_ANSWER_MAX_LENGTH: usize = 2_000;

/// One question of a new survey.
#[derive(InputObject)]
pub struct SurveyQuestionInput {
    /// How it is answered.
    pub kind: QuestionKindGql,
    /// The question, as plain text (1 to 500 characters).
    pub prompt: String,
    /// The choices of SINGLE_CHOICE and MULTIPLE_CHOICE questions (2 to 20, each 1 to 200
    /// characters, all different), answered by index from 0; none for the other kinds.
    #[graphql(default)]
    pub options: Vec<String>,
    /// Whether respondents must answer it (true by default).
    #[graphql(default = true)]
    pub required: bool,
}

/// A new survey: its audience, dates, privacy and questions.
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// Plain text, 1 to 100 characters.
    pub title: String,
    /// An introduction shown with the questions (at most 5,000 characters).
    #[graphql(default)]
    pub description: String,
    /// Answers are stored with no link to the person who gave them (the default).
    #[graphql(default = true)]
    pub anonymous: bool,
    /// Anonymous surveys show no results (aggregated, free text or exported) until this many
    /// people answered, so that a few people's answers cannot be told apart: 3 to 1000, 5 by
    /// default. Surveys that are not anonymous show theirs from the first answer.
    #[graphql(default_with = "model::DEFAULT_MIN_RESPONSES")]
    pub min_responses: i32,
    /// Asks every member of the organization (org admins); otherwise give `groupIds`.
    #[graphql(default)]
    pub organization_wide: Flag,
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    pub deprecated_organization_wide: Option<bool>,
    /// Asks the members of these groups (their managers, or org admins); at most 20.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// When it starts taking answers; defaults to now.
    pub opens_at: Option<DateTime<Utc>>,
    /// When it stops taking answers (in the future, after `opensAt`); open until `closeSurvey`
    /// without it.
    pub closes_at: Option<DateTime<Utc>>,
    /// 1 to 50, in order.
    pub questions: Vec<SurveyQuestionInput>,
}

/// The result of `createSurvey`.
#[derive(SimpleObject)]
pub struct CreateSurveyPayload {
    /// The new survey.
    pub survey: SurveyView,
}

/// The survey to close.
#[derive(InputObject)]
pub struct CloseSurveyInput {
    /// The survey to close.
    pub survey_id: ID,
}

/// The result of `closeSurvey`.
#[derive(SimpleObject)]
pub struct CloseSurveyPayload {
    /// The survey, now CLOSED.
    pub survey: SurveyView,
}

/// The answer to one question: `choices` (option indexes from 0) for choice questions, `scale`
/// (1 to 5) for SCALE, `text` for FREE_TEXT.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The question answered (a `SurveyQuestion.id` of this survey).
    pub question_id: ID,
    /// SINGLE_CHOICE (exactly one) and MULTIPLE_CHOICE (at least one) questions: the indexes
    /// of the options chosen, from 0, each once.
    pub choices: Option<Vec<i32>>,
    /// SCALE questions: a value from 1 to 5.
    pub scale: Option<i32>,
    /// FREE_TEXT questions: at most 2,000 characters; blank counts as no answer.
    pub text: Option<String>,
}

/// The viewer's answers to a survey.
#[derive(InputObject)]
pub struct AnswerSurveyInput {
    /// The survey to answer.
    pub survey_id: ID,
    /// Every required question, and optional ones as wished (each at most once).
    pub answers: Vec<SurveyAnswerInput>,
}

/// The result of `answerSurvey`.
#[derive(SimpleObject)]
pub struct AnswerSurveyPayload {
    /// The survey, now answered by the viewer.
    pub survey: SurveyView,
}

fn question(index: usize, input: &SurveyQuestionInput) -> ApiResult<NewQuestion> {
    let field = |name: &str| format!("questions[{index}].{name}");
    let prompt = input.prompt.trim();
    if prompt.is_empty() {
        return Err(ApiError::bad_input(field("prompt"), "must not be empty"));
    }
    validation::max_chars(&field("prompt"), prompt, PROMPT_MAX_LENGTH)?;
    let kind = QuestionKind::from(input.kind);
    let options: Vec<String> = input
        .options
        .iter()
        .map(|option| option.trim().to_owned())
        .collect();
    if !kind.has_options() {
        if !options.is_empty() {
            return Err(ApiError::bad_input(
                field("options"),
                "only SINGLE_CHOICE and MULTIPLE_CHOICE questions have options",
            ));
        }
    } else {
        if !(2..=MAX_OPTIONS).contains(&options.len()) {
            return Err(ApiError::bad_input(
                field("options"),
                format!("a choice question needs 2 to {MAX_OPTIONS} options"),
            ));
        }
        for option in &options {
            if option.is_empty() {
                return Err(ApiError::bad_input(
                    field("options"),
                    "options must not be empty",
                ));
            }
            validation::max_chars(&field("options"), option, OPTION_MAX_LENGTH)?;
        }
        if options.iter().collect::<HashSet<_>>().len() != options.len() {
            return Err(ApiError::bad_input(
                field("options"),
                "options must be different",
            ));
        }
    }
    Ok(NewQuestion {
        kind,
        prompt: prompt.to_owned(),
        options,
        required: input.required,
    })
}

/// The survey's fields and questions, validated.
fn new_survey(
    input: &CreateSurveyInput,
    organization_wide: bool,
    id: Uuid,
    creator: Uuid,
) -> ApiResult<(NewSurvey, Vec<NewQuestion>)> {
    let title = validation::display_name("title", &input.title)?;
    let description = input.description.trim().to_owned();
    validation::max_chars("description", &description, Limit::DESCRIPTION)?;
    let now = Utc::now();
    let opens_at = input.opens_at.unwrap_or(now);
    if let Some(closes_at) = input.closes_at {
        if closes_at <= now {
            return Err(ApiError::bad_input("closesAt", "must be in the future"));
        }
        if closes_at <= opens_at {
            return Err(ApiError::bad_input("closesAt", "must be after opensAt"));
        }
    }
    if input.min_responses < MIN_RESPONSES_FLOOR {
        return Err(ApiError::bad_input(
            "minResponses",
            format!("must be at least {MIN_RESPONSES_FLOOR}"),
        ));
    }
    if input.min_responses > MIN_RESPONSES_CEILING {
        return Err(ApiError::bad_input(
            "minResponses",
            format!("must be at most {MIN_RESPONSES_CEILING}"),
        ));
    }
    if input.questions.is_empty() || input.questions.len() > MAX_QUESTIONS {
        return Err(ApiError::bad_input(
            "questions",
            format!("a survey has 1 to {MAX_QUESTIONS} questions"),
        ));
    }
    let questions = input
        .questions
        .iter()
        .enumerate()
        .map(|(index, input)| question(index, input))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((
        NewSurvey {
            id,
            title,
            description,
            anonymous: input.anonymous,
            organization_wide,
            opens_at,
            closes_at: input.closes_at,
            created_by: Some(creator),
            min_responses: input.min_responses,
        },
        questions,
    ))
}

/// The audience group ids: none for organization-wide surveys, 1 to 20 otherwise.
fn audience(input: &CreateSurveyInput, organization_wide: bool) -> ApiResult<Vec<Uuid>> {
    if organization_wide && !input.group_ids.is_empty() {
        return Err(ApiError::bad_input(
            "groupIds",
            "must be empty for an organization-wide survey",
        ));
    }
    if !organization_wide && input.group_ids.is_empty() {
        return Err(ApiError::bad_input(
            "groupIds",
            "name at least one group, or make the survey organization-wide",
        ));
    }
    if input.group_ids.len() > MAX_GROUPS {
        return Err(ApiError::bad_input(
            "groupIds",
            format!("at most {MAX_GROUPS} groups"),
        ));
    }
    let mut groups = Vec::with_capacity(input.group_ids.len());
    for id in &input.group_ids {
        let group = ids::decode_as(id, crate::groups::TYPE_NAME, "groupIds")?;
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Checks one answer against its question.
fn answer_value(
    field: &str,
    question: &Question,
    input: &SurveyAnswerInput,
) -> ApiResult<Option<AnswerValue>> {
    let expected = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => "choices",
        QuestionKind::Scale => "scale",
        QuestionKind::FreeText => "text",
    };
    let given = [
        ("choices", input.choices.is_some()),
        ("scale", input.scale.is_some()),
        ("text", input.text.is_some()),
    ];
    if let Some((wrong, _)) = given.iter().find(|(name, set)| *set && *name != expected) {
        return Err(ApiError::bad_input(
            format!("{field}.{wrong}"),
            format!("this question is answered with `{expected}`"),
        ));
    }
    let field = format!("{field}.{expected}");
    match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            let Some(choices) = &input.choices else {
                return Ok(None);
            };
            let count = question.option_count() as i32;
            if choices.iter().any(|choice| !(0..count).contains(choice)) {
                return Err(ApiError::bad_input(
                    field,
                    format!("option indexes go from 0 to {}", count - 1),
                ));
            }
            let mut sorted = choices.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != choices.len() {
                return Err(ApiError::bad_input(field, "must not repeat an option"));
            }
            if question.kind == QuestionKind::SingleChoice && sorted.len() != 1 {
                return Err(ApiError::bad_input(
                    field,
                    "a single-choice question takes exactly one option",
                ));
            }
            if sorted.is_empty() {
                return Err(ApiError::bad_input(field, "choose at least one option"));
            }
            Ok(Some(AnswerValue::Choices(sorted)))
        }
        QuestionKind::Scale => match input.scale {
            None => Ok(None),
            Some(value) if (SCALE_MIN..=SCALE_MAX).contains(&value) => {
                Ok(Some(AnswerValue::Scale(value)))
            }
            Some(_) => Err(ApiError::bad_input(
                field,
                format!("must be between {SCALE_MIN} and {SCALE_MAX}"),
            )),
        },
        QuestionKind::FreeText => {
            let text = input.text.as_deref().unwrap_or("").trim();
            validation::max_chars(&field, text, TEXT_ANSWER_MAX_LENGTH)?;
            Ok((!text.is_empty()).then(|| AnswerValue::Text(text.to_owned())))
        }
    }
}

/// Every answer checked against its question, and every required question answered.
fn answers(
    questions: &[Question],
    inputs: &[SurveyAnswerInput],
) -> ApiResult<Vec<(Uuid, AnswerValue)>> {
    let by_id: HashMap<Uuid, &Question> = questions.iter().map(|q| (q.id, q)).collect();
    let mut answered: Vec<(Uuid, AnswerValue)> = Vec::with_capacity(inputs.len());
    let mut seen = HashSet::new();
    for (index, input) in inputs.iter().enumerate() {
        let field = format!("answers[{index}]");
        let id = ids::decode(&input.question_id, &format!("{field}.questionId"))?;
        let question = match id {
            (type_name, id) if type_name == QUESTION_TYPE_NAME => by_id.get(&id),
            _ => None,
        }
        .ok_or_else(|| {
            ApiError::bad_input(
                format!("{field}.questionId"),
                "is not a question of this survey",
            )
        })?;
        if !seen.insert(question.id) {
            return Err(ApiError::bad_input(
                format!("{field}.questionId"),
                "answers a question already answered",
            ));
        }
        if let Some(value) = answer_value(&field, question, input)? {
            answered.push((question.id, value));
        }
    }
    if let Some(missing) = questions
        .iter()
        .find(|q| q.required && !answered.iter().any(|(id, _)| *id == q.id))
    {
        return Err(ApiError::bad_input(
            "answers",
            format!(
                "question {} (\"{}\") is required",
                missing.position + 1,
                missing.prompt
            ),
        ));
    }
    if answered.is_empty() {
        return Err(ApiError::bad_input(
            "answers",
            "answer at least one question",
        ));
    }
    Ok(answered)
}

fn closed_error(survey: &Survey) -> ApiError {
    let at = survey.ended_at(Utc::now()).unwrap_or_else(Utc::now);
    ApiError::Conflict(format!(
        "This survey closed on {}; it takes no more answers.",
        at.format("%Y-%m-%d at %H:%M UTC")
    ))
}

/// Why the viewer may not answer a survey they see, in the state it is in now.
fn answer_refusal(view: &SurveyView) -> ApiError {
    match view.survey.state() {
        SurveyState::Closed => closed_error(&view.survey),
        SurveyState::Scheduled => ApiError::Conflict(format!(
            "This survey opens on {}.",
            view.survey.opens_at.format("%Y-%m-%d at %H:%M UTC")
        )),
        SurveyState::Open if view.answered => {
            ApiError::Conflict("You have already answered this survey.".into())
        }
        SurveyState::Open => ApiError::Forbidden("Only the survey's audience answers it.".into()),
    }
}

async fn authorised_survey(ctx: &Context<'_>, id: &ID) -> ApiResult<SurveyView> {
    let id = ids::decode_as(id, TYPE_NAME, "surveyId")?;
    super::graphql::load_visible(ctx, id).await
}

#[derive(Default)]
pub struct SurveyMutation;

#[Object]
impl SurveyMutation {
    /// Org admins create surveys for the organization or any groups; group managers for groups
    /// they manage.
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey to create.")] input: CreateSurveyInput,
    ) -> ApiResult<CreateSurveyPayload> {
        let viewer = ctx.viewer()?;
        let organization_wide = renamed::organization_wide(
            "",
            input.organization_wide,
            input.deprecated_organization_wide,
        )?;
        let group_ids = audience(&input, organization_wide)?;
        let mut groups = Vec::with_capacity(group_ids.len());
        for id in &group_ids {
            groups.push(crate::groups::loading::load_visible(ctx, *id).await?);
        }
        policy::require(
            viewer,
            Action::Organize,
            Resource::Survey {
                survey: None,
                groups: &groups,
                answered: false,
            },
            crate::groups::TYPE_NAME,
            "Org admins create organization-wide surveys; group managers create surveys for \
             the groups they manage.",
        )?;
        let (survey, questions) =
            new_survey(&input, organization_wide, Uuid::now_v7(), viewer.id())?;
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let (survey, questions) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let (survey, questions) =
                    model::insert(conn, &survey, &group_ids, &questions).await?;
                let change = Change::of(TYPE_NAME, survey.id).after(&survey)?;
                audit.record(conn, change).await?;
                Ok((survey, questions))
            })
            .await?;
        Ok(CreateSurveyPayload {
            survey: SurveyView {
                survey,
                groups,
                questions,
                answered: false,
            },
        })
    }

    /// Closes a survey before its closing date (or one without); it takes no more answers. For
    /// its creator, org admins and (for group surveys) managers of all its groups; closing a
    /// closed survey is a CONFLICT.
    async fn close_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey to close.")] input: CloseSurveyInput,
    ) -> ApiResult<CloseSurveyPayload> {
        let viewer = ctx.viewer()?;
        let view = authorised_survey(ctx, &input.survey_id).await?;
        if view.survey.state() == SurveyState::Closed {
            return Err(ApiError::Conflict("This survey is already closed.".into()));
        }
        view.require(
            viewer,
            Action::Manage,
            "Only the survey's creator, its groups' managers and org admins close it.",
        )?;
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let survey = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let survey = model::lock(conn, view.survey.id).await?;
                if survey.state() == SurveyState::Closed {
                    return Err(ApiError::Conflict("This survey is already closed.".into()));
                }
                let closed = model::close(conn, survey.id).await?;
                let change = Change::of(TYPE_NAME, survey.id)
                    .before(&survey)?
                    .after(&closed)?;
                audit.record(conn, change).await?;
                Ok(closed)
            })
            .await?;
        Ok(CloseSurveyPayload {
            survey: SurveyView { survey, ..view },
        })
    }

    /// Answers a survey, once. For an anonymous survey the answers are stored with no link to
    /// the viewer; only the fact that they answered is kept, with no time (analytics count it
    /// for the day, with nobody in it).
    async fn answer_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The survey and the viewer's answers.")] input: AnswerSurveyInput,
    ) -> ApiResult<AnswerSurveyPayload> {
        let viewer = ctx.viewer()?;
        let view = authorised_survey(ctx, &input.survey_id).await?;
        if !view.decide(viewer, Action::Answer).allowed() {
            return Err(answer_refusal(&view));
        }
        let answers = answers(&view.questions, &input.answers)?;
        let capture = ctx.services().activity.captures();
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            // Re-read under a lock that a concurrent closeSurvey waits for.
            let survey = model::lock_for_answer(conn, view.survey.id).await?;
            match survey.state() {
                SurveyState::Open => {}
                SurveyState::Closed => return Err(closed_error(&survey)),
                SurveyState::Scheduled => return Err(answer_refusal(&view)),
            }
            if !model::add_participant(conn, survey.id, viewer.id()).await? {
                return Err(ApiError::Conflict(
                    "You have already answered this survey.".into(),
                ));
            }
            model::insert_response(conn, &survey, viewer.id(), &answers).await?;
            if survey.anonymous && capture {
                activity::count_anonymously(conn, ActivityKind::SurveyAnswered).await?;
            }
            Ok(())
        })
        .await?;
        if !view.survey.anonymous {
            ctx.record_activity(
                Activity::by(viewer.id(), ActivityKind::SurveyAnswered).about(view.survey.id),
            );
        }
        Ok(AnswerSurveyPayload {
            survey: SurveyView {
                answered: true,
                ..view
            },
        })
    }
}
