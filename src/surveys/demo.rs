//! The demo organization's survey: the classic intranet adoption survey, anonymous and
//! organization-wide, open, with a few dozen answers so its results show something.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, AnswerValue, NewQuestion, NewSurvey, QuestionKind};
use crate::demo::Lcg;
use crate::error::ApiResult;

/// One person in this many has not answered yet (olivia.smith among them), so the survey shows
/// on their home page; the creator has not answered either.
const NOT_YET: usize = 4;

fn choice(prompt: &str, kind: QuestionKind, options: &[&str]) -> NewQuestion {
    NewQuestion {
        kind,
        prompt: prompt.to_owned(),
        options: options.iter().map(|option| (*option).to_owned()).collect(),
        required: true,
    }
}

fn questions() -> Vec<NewQuestion> {
    vec![
        choice(
            "How often do you use the intranet?",
            QuestionKind::SingleChoice,
            &[
                "Several times a day",
                "Once a day",
                "A few times a week",
                "Rarely",
            ],
        ),
        choice(
            "Which features do you use most?",
            QuestionKind::MultipleChoice,
            &[
                "News feed",
                "Groups",
                "Events and calendar",
                "Files",
                "People directory",
            ],
        ),
        choice(
            "Do you get too many notifications?",
            QuestionKind::SingleChoice,
            &["Too many", "About right", "Too few"],
        ),
        NewQuestion {
            kind: QuestionKind::Scale,
            prompt: "Overall, are you satisfied?".to_owned(),
            options: Vec::new(),
            required: true,
        },
    ]
}

/// One person's answers, leaning the way such surveys usually do.
fn answers(random: &mut Lcg, questions: &[model::Question]) -> Vec<(Uuid, AnswerValue)> {
    let mut pick = |weights: &[u64]| -> i32 {
        let total: u64 = weights.iter().sum();
        let mut roll = random.next() % total.max(1);
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index as i32;
            }
            roll -= weight;
        }
        0
    };
    let frequency = pick(&[4, 3, 2, 1]);
    let mut features: Vec<i32> = (0..5).filter(|_| pick(&[3, 2]) == 0).collect();
    if features.is_empty() {
        features.push(0);
    }
    let notifications = pick(&[3, 5, 1]);
    let satisfaction = pick(&[1, 2, 4, 7, 4]) + 1;
    let values = [
        AnswerValue::Choices(vec![frequency]),
        AnswerValue::Choices(features),
        AnswerValue::Choices(vec![notifications]),
        AnswerValue::Scale(satisfaction),
    ];
    questions
        .iter()
        .zip(values)
        .map(|(question, value)| (question.id, value))
        .collect()
}

/// Adds the survey when there is none yet, created by the first person (an admin); returns how
/// many surveys were created.
pub async fn seed(conn: &mut AsyncPgConnection, people: &[Uuid]) -> ApiResult<usize> {
    let Some((&creator, others)) = people.split_first() else {
        return Ok(0);
    };
    if model::any(conn).await? {
        return Ok(0);
    }
    let now = Utc::now();
    let survey = NewSurvey {
        id: Uuid::now_v7(),
        title: "How is the intranet working for you?".to_owned(),
        description: "Four questions, two minutes, fully anonymous: tell us how you use the \
                      intranet. *Quatre questions, deux minutes, anonyme.*"
            .to_owned(),
        anonymous: true,
        organization_wide: true,
        opens_at: now - Duration::days(3),
        closes_at: Some(now + Duration::days(14)),
        created_by: Some(creator),
        min_responses: model::DEFAULT_MIN_RESPONSES,
    };
    let (survey, questions) = model::insert(conn, &survey, &[], &questions()).await?;
    let mut random = Lcg(8);
    let answering = others
        .iter()
        .enumerate()
        .filter(|(index, _)| index % NOT_YET != NOT_YET - 1);
    for (_, person) in answering {
        if model::add_participant(conn, survey.id, *person).await? {
            let answers = answers(&mut random, &questions);
            model::insert_response(conn, &survey, *person, &answers).await?;
        }
    }
    Ok(1)
}
