//! Pulse surveys: who creates them, answering each kind of question, validation, once per
//! person, closing, audiences, anonymity checked in the tables and the analytics, results (hidden
//! below an anonymous survey's threshold), CSV export and the home page's pending surveys.

mod common;

use common::groups::TestGroup;
use common::{TestApp, TestUser, error_code};
use diesel_async::RunQueryDsl;
use parvis::analytics::rollup;
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
    survey { id title anonymous organizationWide status viewerCanClose viewerCanViewResults
             viewerCanAnswer groups { name } questions { id kind prompt options required } } } }";
const ANSWER: &str = "mutation($input: AnswerSurveyInput!) { answerSurvey(input: $input) {
    survey { id viewerHasAnswered viewerCanAnswer } } }";
const CLOSE: &str = "mutation($id: ID!) { closeSurvey(input: { surveyId: $id }) {
    survey { status closedAt viewerCanAnswer viewerCanClose } } }";
const RESULTS: &str = "query($id: ID!) { survey(id: $id) { minResponses viewerCanViewResults
    resultsCsvUrl results { responseCount responsesNeeded audienceSize responseRate
    questions { question { prompt } answerCount
    options { index label count } scale { value count } average
    textAnswers(first: 10) { totalCount edges { node { text } } } } } } }";
const PENDING: &str = "{ pendingSurveys(first: 10) { totalCount edges { node { title } } }
    home { pendingSurveys { title } } }";

struct Setup {
    app: TestApp,
    admin: TestUser,
    /// Owner of `group`.
    manager: TestUser,
    /// A plain member of `group`.
    member: TestUser,
    /// A member of the organization outside `group`.
    outsider: TestUser,
    group: TestGroup,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let manager = app.member("manager").await;
    let member = app.member("member").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&manager, "Équipe Lyon", Visibility::Private)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    Setup {
        app,
        admin,
        manager,
        member,
        outsider,
        group,
    }
}

/// A survey with one question of each kind: single choice, multiple choice, scale and an
/// optional free text.
fn survey_input(audience: Value) -> Value {
    let mut input = json!({
        "title": "Pulse",
        "questions": [
            { "kind": "SINGLE_CHOICE", "prompt": "How often do you use the intranet?",
              "options": ["Daily", "Weekly", "Rarely"] },
            { "kind": "MULTIPLE_CHOICE", "prompt": "Which features do you use most?",
              "options": ["Feed", "Groups", "Events", "Files"] },
            { "kind": "SCALE", "prompt": "Overall, are you satisfied?" },
            { "kind": "FREE_TEXT", "prompt": "Anything else?", "required": false }
        ]
    });
    for (key, value) in audience.as_object().unwrap() {
        input[key] = value.clone();
    }
    input
}

fn for_group(group: &TestGroup) -> Value {
    survey_input(json!({ "groupIds": [group.id] }))
}

fn org_wide() -> Value {
    survey_input(json!({ "organizationWide": true }))
}

/// The created survey's id and its question ids, in order.
async fn create(app: &TestApp, user: &TestUser, input: Value) -> (String, Vec<String>) {
    let response = app
        .graphql(Some(user), CREATE, json!({ "input": input }))
        .await;
    let survey = &response["data"]["createSurvey"]["survey"];
    let id = survey["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a survey: {response}"))
        .to_owned();
    let questions = survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    (id, questions)
}

/// Answers to the four questions of `survey_input`.
fn answers(questions: &[String], single: i64, multiple: Value, scale: i64, text: &str) -> Value {
    json!([
        { "questionId": questions[0], "choices": [single] },
        { "questionId": questions[1], "choices": multiple },
        { "questionId": questions[2], "scale": scale },
        { "questionId": questions[3], "text": text }
    ])
}

async fn answer(app: &TestApp, user: &TestUser, survey: &str, answers: Value) -> Value {
    app.graphql(
        Some(user),
        ANSWER,
        json!({ "input": { "surveyId": survey, "answers": answers } }),
    )
    .await
}

async fn answer_ok(app: &TestApp, user: &TestUser, survey: &str, answers: Value) {
    let response = answer(app, user, survey, answers).await;
    assert_eq!(
        response["data"]["answerSurvey"]["survey"]["viewerHasAnswered"], true,
        "{response}"
    );
}

async fn csv(app: &TestApp, user: &TestUser, survey: &str) -> reqwest::Response {
    let uuid = parvis::graphql::ids::decode(&async_graphql::ID(survey.to_owned()), "id")
        .unwrap()
        .1;
    app.http
        .get(app.url(&format!("/surveys/{uuid}/results.csv")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_creates_an_organization_wide_survey() {
    let Setup { app, admin, .. } = setup().await;

    let response = app
        .graphql(Some(&admin), CREATE, json!({ "input": org_wide() }))
        .await;

    let survey = &response["data"]["createSurvey"]["survey"];
    assert_eq!(survey["organizationWide"], true, "{response}");
    assert_eq!(survey["anonymous"], true, "anonymous by default");
    assert_eq!(survey["status"], "OPEN");
    assert_eq!(survey["viewerCanClose"], true);
    assert_eq!(
        survey["questions"][0]["options"],
        json!(["Daily", "Weekly", "Rarely"])
    );
    assert_eq!(survey["questions"][2]["kind"], "SCALE");
    assert_eq!(survey["questions"][3]["required"], false);
}

/// The British spelling the field had before issue 19 is a deprecated alias, accepted and
/// answered; both names with different values are refused, naming the new one.
#[tokio::test(flavor = "multi_thread")]
async fn the_old_spelling_of_organization_wide_is_a_deprecated_alias() {
    let Setup {
        app, admin, group, ..
    } = setup().await;
    const DEPRECATED: &str = "mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
        survey { organizationWide organisationWide groups { name } } } }"; // deprecated

    let deprecated = survey_input(json!({ "organisationWide": true }));
    let response = app
        .graphql(Some(&admin), DEPRECATED, json!({ "input": deprecated }))
        .await;
    assert_eq!(
        response["data"]["createSurvey"]["survey"],
        json!({ "organizationWide": true, "organisationWide": true, "groups": [] }), // deprecated
        "{response}"
    );

    let deprecated = survey_input(json!({ "organisationWide": false, "groupIds": [group.id] }));
    let response = app
        .graphql(Some(&admin), DEPRECATED, json!({ "input": deprecated }))
        .await;
    let survey = &response["data"]["createSurvey"]["survey"];
    assert_eq!(survey["organizationWide"], false, "{response}");

    for (new, old) in [(false, true), (true, false)] {
        let both = survey_input(json!({ "organizationWide": new, "organisationWide": old })); // deprecated
        let refused = app
            .graphql(Some(&admin), CREATE, json!({ "input": both }))
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{new} {old}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"],
            "organizationWide"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_manager_creates_a_survey_for_their_group() {
    let Setup {
        app,
        manager,
        group,
        ..
    } = setup().await;

    let response = app
        .graphql(
            Some(&manager),
            CREATE,
            json!({ "input": for_group(&group) }),
        )
        .await;

    let survey = &response["data"]["createSurvey"]["survey"];
    assert_eq!(survey["organizationWide"], false, "{response}");
    assert_eq!(survey["groups"], json!([{ "name": "Équipe Lyon" }]));
    assert_eq!(survey["viewerCanViewResults"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_managers_create_surveys_for_a_group_and_only_admins_for_everyone() {
    let Setup {
        app,
        manager,
        member,
        outsider,
        group,
        ..
    } = setup().await;
    let other = app
        .create_group(&outsider, "Club photo", Visibility::Public)
        .await;

    let other_group = app
        .graphql(
            Some(&manager),
            CREATE,
            json!({ "input": for_group(&other) }),
        )
        .await;
    let as_member = app
        .graphql(Some(&member), CREATE, json!({ "input": for_group(&group) }))
        .await;
    let everyone = app
        .graphql(Some(&manager), CREATE, json!({ "input": org_wide() }))
        .await;
    let not_theirs = app
        .graphql(
            Some(&outsider),
            CREATE,
            json!({ "input": for_group(&group) }),
        )
        .await;

    assert_eq!(error_code(&other_group), "FORBIDDEN", "{other_group}");
    assert_eq!(error_code(&as_member), "FORBIDDEN", "{as_member}");
    assert_eq!(error_code(&everyone), "FORBIDDEN", "{everyone}");
    // Everyone sees a private group's name; surveying its members is for its managers.
    assert_eq!(error_code(&not_theirs), "FORBIDDEN", "{not_theirs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_survey_input_is_refused_with_the_field_named() {
    let Setup {
        app, admin, group, ..
    } = setup().await;
    let cases = [
        ("title", json!({ "title": "  " })),
        ("groupIds", json!({ "groupIds": [] })),
        ("groupIds", json!({ "organizationWide": true })),
        ("closesAt", json!({ "closesAt": "2020-01-01T00:00:00Z" })),
        ("questions", json!({ "questions": [] })),
        (
            "questions[0].options",
            json!({ "questions": [{ "kind": "SINGLE_CHOICE", "prompt": "Q", "options": ["Only one"] }] }),
        ),
        (
            "questions[0].options",
            json!({ "questions": [{ "kind": "SCALE", "prompt": "Q", "options": ["1", "5"] }] }),
        ),
        (
            "questions[0].options",
            json!({ "questions": [{ "kind": "MULTIPLE_CHOICE", "prompt": "Q", "options": ["A", "A"] }] }),
        ),
        (
            "questions[0].prompt",
            json!({ "questions": [{ "kind": "FREE_TEXT", "prompt": "x".repeat(501) }] }),
        ),
        ("minResponses", json!({ "minResponses": 2 })),
        ("minResponses", json!({ "minResponses": 1_001 })),
    ];
    for (field, change) in cases {
        let mut input = for_group(&group);
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }

        let response = app
            .graphql(Some(&admin), CREATE, json!({ "input": input }))
            .await;

        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{field}: {response}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{response}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_question_is_answered() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let mut input = for_group(&group);
    input["anonymous"] = json!(false);
    let (survey, questions) = create(&app, &manager, input).await;

    let response = answer(
        &app,
        &member,
        &survey,
        answers(&questions, 1, json!([0, 3]), 4, "Plus de visio"),
    )
    .await;

    assert_eq!(
        response["data"]["answerSurvey"]["survey"],
        json!({ "id": survey, "viewerHasAnswered": true, "viewerCanAnswer": false }),
        "{response}"
    );
    let results = app
        .graphql(Some(&manager), RESULTS, json!({ "id": survey }))
        .await;
    let per_question = &results["data"]["survey"]["results"]["questions"];
    assert_eq!(per_question[0]["options"][1]["count"], 1, "{results}");
    assert_eq!(per_question[1]["options"][0]["count"], 1);
    assert_eq!(per_question[1]["options"][3]["count"], 1);
    assert_eq!(
        per_question[2]["scale"][3],
        json!({ "value": 4, "count": 1 })
    );
    assert_eq!(
        per_question[3]["textAnswers"]["edges"][0]["node"]["text"],
        "Plus de visio"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_optional_question_may_be_left_out() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, questions) = create(&app, &manager, for_group(&group)).await;
    let mut given = answers(&questions, 0, json!([1]), 5, "");
    given.as_array_mut().unwrap().pop();

    answer_ok(&app, &member, &survey, given).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_answers_are_refused_with_the_field_named() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;
    let long_text = "x".repeat(2_001);
    let cases = [
        ("answers[0].choices", answers(&q, 3, json!([0]), 3, "")),
        ("answers[0].choices", {
            let mut a = answers(&q, 0, json!([0]), 3, "");
            a[0]["choices"] = json!([0, 1]);
            a
        }),
        ("answers[1].choices", answers(&q, 0, json!([]), 3, "")),
        ("answers[1].choices", answers(&q, 0, json!([1, 1]), 3, "")),
        ("answers[1].choices", answers(&q, 0, json!([-1]), 3, "")),
        ("answers[2].scale", answers(&q, 0, json!([0]), 0, "")),
        ("answers[2].scale", answers(&q, 0, json!([0]), 6, "")),
        ("answers[3].text", answers(&q, 0, json!([0]), 3, &long_text)),
        ("answers[2].choices", {
            let mut a = answers(&q, 0, json!([0]), 3, "");
            a[2] = json!({ "questionId": q[2], "choices": [1] });
            a
        }),
        ("answers", json!([{ "questionId": q[0], "choices": [0] }])),
        ("answers[1].questionId", {
            let mut a = answers(&q, 0, json!([0]), 3, "");
            a[1]["questionId"] = json!(q[0]);
            a
        }),
        ("answers[0].questionId", {
            let mut a = answers(&q, 0, json!([0]), 3, "");
            a[0]["questionId"] = json!(survey);
            a
        }),
    ];
    for (field, given) in cases {
        let response = answer(&app, &member, &survey, given).await;

        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{field}: {response}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{response}"
        );
    }
    let after = app
        .graphql(
            Some(&member),
            "query($id: ID!) { survey(id: $id) { viewerHasAnswered } }",
            json!({ "id": survey }),
        )
        .await;
    assert_eq!(
        after["data"]["survey"]["viewerHasAnswered"], false,
        "refused answers leave nothing behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_person_answers_once() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;
    answer_ok(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;

    let again = answer(&app, &member, &survey, answers(&q, 1, json!([1]), 1, "")).await;

    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already answered"),
        "{again}"
    );
    let results = app
        .graphql(Some(&manager), RESULTS, json!({ "id": survey }))
        .await;
    assert_eq!(results["data"]["survey"]["results"]["responseCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_survey_takes_no_more_answers() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;

    let closed = app
        .graphql(Some(&manager), CLOSE, json!({ "id": survey }))
        .await;
    let late = answer(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;

    assert_eq!(
        closed["data"]["closeSurvey"]["survey"]["status"], "CLOSED",
        "{closed}"
    );
    assert_eq!(error_code(&late), "CONFLICT", "{late}");
    assert!(
        late["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed"),
        "{late}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_survey_past_its_closing_date_takes_no_more_answers() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query(
        "UPDATE surveys SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 day'",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let late = answer(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;

    assert_eq!(error_code(&late), "CONFLICT", "{late}");
    assert!(
        late["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed"),
        "{late}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_its_creator_its_managers_and_admins_close_a_survey() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, _) = create(&app, &manager, for_group(&group)).await;

    let refused = app
        .graphql(Some(&member), CLOSE, json!({ "id": survey }))
        .await;
    app.graphql(Some(&manager), CLOSE, json!({ "id": survey }))
        .await;
    let twice = app
        .graphql(Some(&manager), CLOSE, json!({ "id": survey }))
        .await;

    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(error_code(&twice), "CONFLICT", "{twice}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_survey_outside_ones_audience_is_not_found() {
    let Setup {
        app,
        manager,
        outsider,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;

    let answered = answer(&app, &outsider, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    let read = app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": survey }),
        )
        .await;

    assert_eq!(error_code(&answered), "NOT_FOUND", "{answered}");
    assert_eq!(error_code(&read), "NOT_FOUND", "{read}");
}

#[derive(diesel::QueryableByName, Debug)]
struct Response {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    user_id: Option<uuid::Uuid>,
}

#[derive(diesel::QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_answers_have_no_link_to_the_person_in_the_database() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;
    answer_ok(
        &app,
        &member,
        &survey,
        answers(&q, 2, json!([1]), 2, "Trop de mails"),
    )
    .await;
    let mut conn = app.db().connect().await.unwrap();

    let responses: Vec<Response> = diesel::sql_query("SELECT id, user_id FROM survey_responses")
        .load(&mut conn)
        .await
        .unwrap();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text
         FROM information_schema.columns
         WHERE table_schema = current_schema()
           AND table_name IN ('survey_participants', 'survey_responses', 'survey_answers')
         ORDER BY table_name, ordinal_position",
    )
    .load(&mut conn)
    .await
    .unwrap();

    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].user_id, None, "no user id on the response");
    assert_eq!(
        responses[0].id.get_version_num(),
        4,
        "a random id, not a time-ordered one"
    );
    assert!(
        !columns.iter().any(|c| c.data_type.starts_with("timestamp")
            || c.data_type == "date"
            || c.data_type.starts_with("time")),
        "no time is stored that could match a response to a participant: {columns:?}"
    );
    let user_columns: Vec<String> = columns
        .iter()
        .filter(|c| c.column_name == "user_id")
        .map(|c| c.table_name.clone())
        .collect();
    assert_eq!(
        user_columns,
        ["survey_participants", "survey_responses"],
        "only who answered, and the respondent of surveys that are not anonymous"
    );
    let stored_text = diesel::sql_query(
        "SELECT r.id, r.user_id FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
         WHERE a.text = 'Trop de mails'",
    )
    .load::<Response>(&mut conn)
    .await
    .unwrap();
    assert_eq!(stored_text[0].user_id, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_survey_that_is_not_anonymous_keeps_the_respondent() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let mut input = for_group(&group);
    input["anonymous"] = json!(false);
    let (survey, q) = create(&app, &manager, input).await;
    answer_ok(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    let mut conn = app.db().connect().await.unwrap();

    let responses: Vec<Response> = diesel::sql_query("SELECT id, user_id FROM survey_responses")
        .load(&mut conn)
        .await
        .unwrap();

    assert_eq!(responses[0].user_id, Some(member.uuid));
}

#[tokio::test(flavor = "multi_thread")]
async fn results_aggregate_the_answers_per_question() {
    let Setup {
        app,
        admin,
        manager,
        member,
        outsider,
        ..
    } = setup().await;
    let mut input = org_wide();
    input["minResponses"] = json!(3);
    let (survey, q) = create(&app, &admin, input).await;
    answer_ok(
        &app,
        &manager,
        &survey,
        answers(&q, 0, json!([0, 1]), 5, "Bravo"),
    )
    .await;
    answer_ok(&app, &member, &survey, answers(&q, 0, json!([1]), 4, "")).await;
    answer_ok(
        &app,
        &outsider,
        &survey,
        answers(&q, 2, json!([1, 2]), 2, "Lent"),
    )
    .await;

    let response = app
        .graphql(Some(&admin), RESULTS, json!({ "id": survey }))
        .await;

    let results = &response["data"]["survey"]["results"];
    assert_eq!(results["responseCount"], 3, "{response}");
    assert_eq!(
        results["audienceSize"], 4,
        "the admin, the manager, the member, the outsider"
    );
    assert_eq!(results["responseRate"], 0.75);
    let [single, multiple, scale, text] = [0, 1, 2, 3].map(|i| &results["questions"][i]);
    assert_eq!(
        single["options"],
        json!([
            { "index": 0, "label": "Daily", "count": 2 },
            { "index": 1, "label": "Weekly", "count": 0 },
            { "index": 2, "label": "Rarely", "count": 1 }
        ])
    );
    let counts: Vec<&Value> = multiple["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["count"])
        .collect();
    assert_eq!(counts, [1, 3, 1, 0]);
    assert_eq!(
        scale["scale"],
        json!([
            { "value": 1, "count": 0 }, { "value": 2, "count": 1 }, { "value": 3, "count": 0 },
            { "value": 4, "count": 1 }, { "value": 5, "count": 1 }
        ])
    );
    assert_eq!(scale["average"], 11.0 / 3.0);
    assert_eq!(text["answerCount"], 2, "the empty text is no answer");
    let mut texts: Vec<&str> = text["textAnswers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["text"].as_str().unwrap())
        .collect();
    texts.sort_unstable();
    assert_eq!(texts, ["Bravo", "Lent"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn results_are_for_the_creator_the_groups_managers_and_admins() {
    let Setup {
        app,
        admin,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, _) = create(&app, &admin, for_group(&group)).await;

    let as_member = app
        .graphql(Some(&member), RESULTS, json!({ "id": survey }))
        .await;
    let as_manager = app
        .graphql(Some(&manager), RESULTS, json!({ "id": survey }))
        .await;

    assert_eq!(as_member["data"]["survey"]["viewerCanViewResults"], false);
    assert_eq!(as_member["data"]["survey"]["results"], Value::Null);
    assert_eq!(as_manager["data"]["survey"]["viewerCanViewResults"], true);
    assert_eq!(
        as_manager["data"]["survey"]["results"]["responseCount"], 0,
        "{as_manager}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_has_a_row_per_response_and_no_names_when_anonymous() {
    let Setup {
        app,
        admin,
        manager,
        member,
        outsider,
        ..
    } = setup().await;
    let mut input = org_wide();
    input["minResponses"] = json!(3);
    let (survey, q) = create(&app, &admin, input).await;
    answer_ok(
        &app,
        &member,
        &survey,
        answers(&q, 1, json!([0, 2]), 4, "=HYPERLINK(\"x\")"),
    )
    .await;
    answer_ok(
        &app,
        &manager,
        &survey,
        answers(&q, 0, json!([3]), 2, "Très bien, merci"),
    )
    .await;
    answer_ok(&app, &outsider, &survey, answers(&q, 2, json!([1]), 3, "")).await;

    let response = csv(&app, &admin, &survey).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "How often do you use the intranet?,Which features do you use most?,\"Overall, are you satisfied?\",Anything else?",
        "{text}"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines.contains(&"Weekly,Feed; Events,4,\"'=HYPERLINK(\"\"x\"\")\""),
        "formulas are neutralised and quoted: {text}"
    );
    assert!(
        lines.contains(&"Daily,Files,2,\"Très bien, merci\""),
        "{text}"
    );
    assert!(lines.contains(&"Rarely,Groups,3,"), "{text}");
    assert!(!text.contains("member"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_of_a_survey_that_is_not_anonymous_names_the_respondents() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let mut input = for_group(&group);
    input["anonymous"] = json!(false);
    let (survey, q) = create(&app, &manager, input).await;
    answer_ok(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;

    let text = csv(&app, &manager, &survey).await.text().await.unwrap();

    assert!(text.starts_with("respondent,email,"), "{text}");
    assert!(
        text.contains("Test member,member@example.com,Daily,Feed,3,"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_is_not_found_for_people_who_may_not_see_the_survey() {
    let Setup {
        app,
        manager,
        member,
        outsider,
        group,
        ..
    } = setup().await;
    let (survey, _) = create(&app, &manager, for_group(&group)).await;

    let outside = csv(&app, &outsider, &survey).await;
    let audience = csv(&app, &member, &survey).await;
    let signed_out = app
        .http
        .get(app.url("/surveys/00000000-0000-0000-0000-000000000000/results.csv"))
        .send()
        .await
        .unwrap();

    assert_eq!(outside.status(), 404);
    assert_eq!(audience.status(), 403, "sees the survey, not its results");
    assert_eq!(signed_out.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_surveys_are_the_open_ones_asking_the_viewer_not_answered_yet() {
    let Setup {
        app,
        admin,
        manager,
        member,
        outsider,
        group,
    } = setup().await;
    let mut everyone = org_wide();
    everyone["title"] = json!("Everyone");
    let (answered, q) = create(&app, &admin, everyone).await;
    let mut lyon = for_group(&group);
    lyon["title"] = json!("Lyon");
    create(&app, &manager, lyon).await;
    let mut later = org_wide();
    later["title"] = json!("Later");
    later["opensAt"] = json!(chrono::Utc::now() + chrono::Duration::days(3));
    create(&app, &admin, later).await;
    let mut closed = org_wide();
    closed["title"] = json!("Closed");
    let (closed, _) = create(&app, &admin, closed).await;
    app.graphql(Some(&admin), CLOSE, json!({ "id": closed }))
        .await;
    answer_ok(&app, &member, &answered, answers(&q, 0, json!([0]), 3, "")).await;

    let for_member = app.graphql(Some(&member), PENDING, json!({})).await;
    let for_outsider = app.graphql(Some(&outsider), PENDING, json!({})).await;

    assert_eq!(
        for_member["data"]["pendingSurveys"]["edges"],
        json!([{ "node": { "title": "Lyon" } }]),
        "{for_member}"
    );
    assert_eq!(
        for_member["data"]["home"]["pendingSurveys"],
        json!([{ "title": "Lyon" }])
    );
    assert_eq!(
        for_outsider["data"]["pendingSurveys"]["edges"],
        json!([{ "node": { "title": "Everyone" } }]),
        "{for_outsider}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_surveys_list_pages_through_what_the_viewer_sees() {
    let Setup {
        app,
        admin,
        manager,
        outsider,
        group,
        ..
    } = setup().await;
    for title in ["One", "Two", "Three"] {
        let mut input = org_wide();
        input["title"] = json!(title);
        create(&app, &admin, input).await;
    }
    create(&app, &manager, for_group(&group)).await;
    let list = "query($after: String) { surveys(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { title } } } }";

    let first = app
        .graphql(Some(&outsider), list, json!({ "after": null }))
        .await;
    let cursor = first["data"]["surveys"]["pageInfo"]["endCursor"].clone();
    let second = app
        .graphql(Some(&outsider), list, json!({ "after": cursor }))
        .await;
    let too_many = app
        .graphql(
            Some(&outsider),
            "{ surveys(first: 101) { totalCount } }",
            json!({}),
        )
        .await;

    assert_eq!(first["data"]["surveys"]["totalCount"], 3, "{first}");
    assert_eq!(
        first["data"]["surveys"]["edges"],
        json!([{ "node": { "title": "Three" } }, { "node": { "title": "Two" } }])
    );
    assert_eq!(
        second["data"]["surveys"]["edges"],
        json!([{ "node": { "title": "One" } }]),
        "{second}"
    );
    assert_eq!(second["data"]["surveys"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_managers_csv_export_shows_the_respondents_as_the_api_shows_them() {
    let Setup {
        app,
        admin,
        manager,
        member,
        outsider,
        group,
    } = setup().await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    app.add_member(&group, &guest, GroupRole::Manager).await;
    let other = app
        .create_group(&manager, "Équipe Nantes", Visibility::Private)
        .await;
    app.add_member(&other, &outsider, GroupRole::Member).await;
    let mut input = survey_input(json!({ "groupIds": [group.id, other.id] }));
    input["anonymous"] = json!(false);
    let (survey, q) = create(&app, &admin, input).await;
    for person in [&member, &outsider] {
        answer_ok(&app, person, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    }

    let text = csv(&app, &guest, &survey).await.text().await.unwrap();

    let mut respondents: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split_once(",Daily").unwrap().0)
        .collect();
    respondents.sort_unstable();
    assert_eq!(respondents, ["(hidden),", "Test member,"], "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_see_a_surveys_creator_only_if_they_may_see_them() {
    let Setup {
        app, admin, group, ..
    } = setup().await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    app.add_member(&group, &guest, GroupRole::Member).await;
    let (survey, _) = create(&app, &admin, for_group(&group)).await;

    let seen = app
        .graphql(
            Some(&guest),
            "query($id: ID!) { survey(id: $id) { title createdBy { username } } }",
            json!({ "id": survey }),
        )
        .await;

    assert_eq!(
        seen["data"]["survey"],
        json!({ "title": "Pulse", "createdBy": null }),
        "{seen}"
    );
}

/// People of the organization, none in any group yet.
async fn people(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut people = Vec::with_capacity(count);
    for index in 0..count {
        people.push(app.member(&format!("person{index}")).await);
    }
    people
}

async fn results(app: &TestApp, viewer: &TestUser, survey: &str) -> Value {
    let response = app
        .graphql(Some(viewer), RESULTS, json!({ "id": survey }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["survey"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_results_stay_hidden_until_five_people_answered() {
    let Setup { app, admin, .. } = setup().await;
    let people = people(&app, 5).await;
    let (survey, q) = create(&app, &admin, org_wide()).await;
    for person in &people[..4] {
        answer_ok(&app, person, &survey, answers(&q, 0, json!([0]), 3, "Ok")).await;
    }

    let four = results(&app, &admin, &survey).await;
    answer_ok(
        &app,
        &people[4],
        &survey,
        answers(&q, 1, json!([1]), 4, "Ok"),
    )
    .await;
    let five = results(&app, &admin, &survey).await;

    assert_eq!(four["minResponses"], 5, "the default: {four}");
    assert_eq!(four["results"]["responseCount"], 4);
    assert_eq!(four["results"]["responsesNeeded"], 1);
    assert_eq!(four["results"]["questions"], json!([]), "{four}");
    assert_eq!(five["results"]["responsesNeeded"], 0, "{five}");
    assert_eq!(
        five["results"]["questions"][0]["options"][0]["count"], 4,
        "{five}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hidden_results_hide_free_text_and_the_csv_export_too() {
    let Setup {
        app,
        admin,
        manager,
        member,
        ..
    } = setup().await;
    let mut input = org_wide();
    input["minResponses"] = json!(3);
    let (survey, q) = create(&app, &admin, input).await;
    for (person, text) in [(&manager, "Mon chef est pénible"), (&member, "RAS")] {
        answer_ok(&app, person, &survey, answers(&q, 0, json!([0]), 3, text)).await;
    }

    let hidden = results(&app, &admin, &survey).await;
    let export = csv(&app, &admin, &survey).await;

    assert_eq!(hidden["minResponses"], 3);
    assert_eq!(hidden["results"]["responsesNeeded"], 1, "{hidden}");
    assert_eq!(hidden["results"]["questions"], json!([]));
    assert!(!hidden.to_string().contains("pénible"), "{hidden}");
    assert_eq!(hidden["resultsCsvUrl"], Value::Null);
    assert_eq!(export.status(), 409);
    let message = export.text().await.unwrap();
    assert!(!message.contains("pénible"), "{message}");
    assert!(message.contains("1 more"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_survey_sets_its_own_threshold_but_never_below_three() {
    let Setup { app, admin, .. } = setup().await;
    let mut input = org_wide();
    input["minResponses"] = json!(2);

    let refused = app
        .graphql(Some(&admin), CREATE, json!({ "input": input }))
        .await;
    input["minResponses"] = json!(12);
    let (survey, _) = create(&app, &admin, input).await;

    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "minResponses");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 3"),
        "{refused}"
    );
    let set = results(&app, &admin, &survey).await;
    assert_eq!(set["minResponses"], 12, "{set}");
    assert_eq!(set["results"]["responsesNeeded"], 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn results_of_a_survey_that_is_not_anonymous_show_from_the_first_answer() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let mut input = for_group(&group);
    input["anonymous"] = json!(false);
    let (survey, q) = create(&app, &manager, input).await;
    answer_ok(&app, &member, &survey, answers(&q, 2, json!([0]), 3, "")).await;

    let shown = results(&app, &manager, &survey).await;

    assert_eq!(shown["results"]["responsesNeeded"], 0, "{shown}");
    assert_eq!(shown["results"]["questions"][0]["options"][2]["count"], 1);
    assert!(shown["resultsCsvUrl"].is_string());
}

#[derive(diesel::QueryableByName, Debug)]
struct Table {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
}

/// From now on, notes the table of every row written (inserted or changed) that names `person`
/// anywhere, whatever the table: the audit log, notifications, jobs, webhooks, analytics...
async fn note_rows_naming(app: &TestApp, person: uuid::Uuid) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.db().connect().await.unwrap();
    conn.batch_execute(&format!(
        "CREATE TABLE rows_naming_person (table_name text NOT NULL);
         CREATE FUNCTION note_row_naming_person() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF to_jsonb(NEW)::text LIKE '%{person}%' THEN
                 INSERT INTO rows_naming_person VALUES (TG_TABLE_NAME);
             END IF;
             RETURN NULL;
         END $$;
         DO $$
         DECLARE t text;
         BEGIN
             FOR t IN SELECT table_name FROM information_schema.tables
                      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                        AND table_name <> 'rows_naming_person'
             LOOP
                 EXECUTE format('CREATE TRIGGER note_row_naming_person AFTER INSERT OR UPDATE ON %I
                                 FOR EACH ROW EXECUTE FUNCTION note_row_naming_person()', t);
             END LOOP;
         END $$;"
    ))
    .await
    .unwrap();
}

async fn tables_naming_person(app: &TestApp) -> Vec<String> {
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query("SELECT DISTINCT table_name FROM rows_naming_person ORDER BY table_name")
        .load::<Table>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|table| table.table_name)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_anonymous_answer_names_the_person_in_no_row_but_the_list_of_participants() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &manager, for_group(&group)).await;
    // Signed in a moment ago: the token's last use is fresh and is not written again.
    app.graphql(Some(&member), "{ viewer { id } }", json!({}))
        .await;
    note_rows_naming(&app, member.uuid).await;

    answer_ok(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    rollup::roll_up_now(&app.app.services).await.unwrap();

    assert_eq!(
        tables_naming_person(&app).await,
        ["survey_participants"],
        "who answered, with no time; nothing else ties the person to the moment they answered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_survey_that_is_not_anonymous_records_who_answered_for_the_analytics() {
    let Setup {
        app,
        manager,
        member,
        group,
        ..
    } = setup().await;
    let mut input = for_group(&group);
    input["anonymous"] = json!(false);
    let (survey, q) = create(&app, &manager, input).await;
    app.graphql(Some(&member), "{ viewer { id } }", json!({}))
        .await;
    note_rows_naming(&app, member.uuid).await;

    answer_ok(&app, &member, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    rollup::roll_up_now(&app.app.services).await.unwrap();

    assert_eq!(
        tables_naming_person(&app).await,
        [
            "activity_events",
            "activity_user_days",
            "survey_participants",
            "survey_responses"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_answers_count_in_the_organizations_feature_use() {
    let Setup {
        app,
        admin,
        member,
        outsider,
        ..
    } = setup().await;
    let (survey, q) = create(&app, &admin, org_wide()).await;
    for person in [&member, &outsider] {
        answer_ok(&app, person, &survey, answers(&q, 0, json!([0]), 3, "")).await;
    }
    rollup::roll_up_now(&app.app.services).await.unwrap();
    let today = chrono::Utc::now().date_naive().to_string();

    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) {
                featureUsage { feature events userDays } } }",
            json!({ "input": { "from": today, "to": today } }),
        )
        .await;

    let surveys = report["data"]["analytics"]["featureUsage"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .find(|row| row["feature"] == "surveys")
        .unwrap();
    assert_eq!(
        surveys,
        &json!({ "feature": "surveys", "events": 2, "userDays": 2 }),
        "{report}"
    );
}

/// A survey (not anonymous) of `count` free-text questions for `group`, made by `manager`, to
/// which `member` answered "Réponse {n}" to question n.
async fn free_text_survey(setup: &Setup, count: usize) -> String {
    let questions: Vec<Value> = (0..count)
        .map(|n| json!({ "kind": "FREE_TEXT", "prompt": format!("Question {n}") }))
        .collect();
    let input = json!({ "title": "Retours", "anonymous": false, "groupIds": [setup.group.id],
                        "questions": questions });
    let (survey, ids) = create(&setup.app, &setup.manager, input).await;
    let given: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| json!({ "questionId": id, "text": format!("Réponse {n}") }))
        .collect();
    answer_ok(&setup.app, &setup.member, &survey, Value::Array(given)).await;
    survey
}

#[tokio::test(flavor = "multi_thread")]
async fn the_free_text_answers_of_the_results_cost_the_same_statements_for_one_question_or_many() {
    let setup = setup().await;
    let query = "query($id: ID!) { survey(id: $id) { results { questions {
        textAnswers(first: 5) { totalCount edges { node { text } } } } } } }";
    let one = free_text_survey(&setup, 1).await;
    let eight = free_text_survey(&setup, 8).await;

    let (at_one, _) = setup
        .app
        .statements_of(&setup.manager, query, json!({ "id": one }))
        .await;
    let (at_eight, response) = setup
        .app
        .statements_of(&setup.manager, query, json!({ "id": eight }))
        .await;

    let texts: Vec<Value> = response["data"]["survey"]["results"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|question| question["textAnswers"].clone())
        .collect();
    let expected: Vec<Value> = (0..8)
        .map(|n| json!({ "totalCount": 1, "edges": [{ "node": { "text": format!("Réponse {n}") } }] }))
        .collect();
    assert_eq!(texts, expected);
    assert_eq!(
        at_one, at_eight,
        "1 question: {at_one} statements, 8 questions: {at_eight}"
    );
}

/// For each `i` of `range`, the survey "Sondage {i}" (not anonymous, one scale question) of
/// "sondeur{i}" for their group "Équipe {i}", which `member` answered with 4.
async fn answered_surveys(setup: &Setup, range: std::ops::Range<usize>) {
    let app = &setup.app;
    for i in range {
        let author = app.member(&format!("sondeur{i}")).await;
        let group = app
            .create_group(&author, &format!("Équipe {i}"), Visibility::Private)
            .await;
        app.add_member(&group, &setup.member, GroupRole::Member)
            .await;
        let input = json!({ "title": format!("Sondage {i}"), "anonymous": false, "groupIds": [group.id],
                            "questions": [{ "kind": "SCALE", "prompt": "Satisfait ?" }] });
        let (survey, questions) = create(app, &author, input).await;
        let given = json!([{ "questionId": questions[0], "scale": 4 }]);
        answer_ok(app, &setup.member, &survey, given).await;
    }
}

/// The statements an admin's page of surveys with `selection` costs with one survey, then with
/// six, and the six, newest first.
async fn surveys_statements_at_one_and_six(selection: &str) -> (u64, u64, Vec<Value>) {
    let setup = setup().await;
    let query = format!("{{ surveys(first: 20) {{ edges {{ node {{ {selection} }} }} }} }}");
    answered_surveys(&setup, 0..1).await;
    let (one, _) = setup
        .app
        .statements_of(&setup.admin, &query, json!({}))
        .await;
    answered_surveys(&setup, 1..6).await;
    let (six, response) = setup
        .app
        .statements_of(&setup.admin, &query, json!({}))
        .await;
    let surveys = response["data"]["surveys"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    (one, six, surveys)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_authors_groups_and_questions_of_a_surveys_page_cost_the_same_statements_for_one_survey_or_many()
 {
    let (one, six, surveys) = surveys_statements_at_one_and_six(
        "title groups { name } createdBy { username } questions { prompt }
         viewerHasAnswered viewerCanAnswer viewerCanClose viewerCanViewResults",
    )
    .await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| {
            json!({ "title": format!("Sondage {i}"), "groups": [{ "name": format!("Équipe {i}") }],
                    "createdBy": { "username": format!("sondeur{i}") },
                    "questions": [{ "prompt": "Satisfait ?" }], "viewerHasAnswered": false,
                    "viewerCanAnswer": false, "viewerCanClose": true, "viewerCanViewResults": true })
        })
        .collect();
    assert_eq!(surveys, expected);
    assert_eq!(one, six, "1 survey: {one} statements, 6 surveys: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_results_of_a_surveys_page_cost_the_same_statements_for_one_survey_or_many() {
    let (one, six, surveys) = surveys_statements_at_one_and_six(
        "title results { responseCount audienceSize questions { answerCount average } }",
    )
    .await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| {
            json!({ "title": format!("Sondage {i}"), "results": { "responseCount": 1, "audienceSize": 2,
                    "questions": [{ "answerCount": 1, "average": 4.0 }] } })
        })
        .collect();
    assert_eq!(surveys, expected);
    assert_eq!(one, six, "1 survey: {one} statements, 6 surveys: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_results_files_of_a_surveys_page_cost_the_same_statements_for_one_survey_or_many() {
    let (one, six, surveys) = surveys_statements_at_one_and_six("resultsCsvUrl").await;

    assert_eq!(surveys.len(), 6);
    for survey in &surveys {
        let url = survey["resultsCsvUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("{survey}"));
        assert!(url.ends_with("/results.csv"), "{url}");
    }
    assert_eq!(one, six, "1 survey: {one} statements, 6 surveys: {six}");
}
