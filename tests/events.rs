//! Events and the calendar: creating events, recurrence across daylight-saving changes, RSVPs with
//! a waitlist, cancellations, iCalendar files and feeds checked by a real parser, reminders run
//! once by several instances.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{TestApp, TestUser, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) {
    event { id title timeZone recurrence capacity onlineProvider cancelled } } }";
const RSVP: &str = "mutation($id: ID!, $status: RsvpStatus!) {
    respondToEvent(input: { eventId: $id, status: $status }) { attendance { status } event { goingCount waitlistedCount seatsLeft } } }";
const WINDOW: &str = "query($filter: EventsFilter!, $first: Int) { events(filter: $filter, first: $first) {
    totalCount edges { node { startsAt localStartsAt cancelled originalStartsAt event { title } } } } }";

/// Weekly on Mondays at 10:00 in Paris from 12 October 2026: the clocks go back on 25 October.
fn weekly_meeting(group: &str) -> Value {
    json!({
        "groupId": group,
        "title": "Réunion d'équipe",
        "startsAt": "2026-10-12T08:00:00Z",
        "endsAt": "2026-10-12T09:00:00Z",
        "timeZone": "Europe/Paris",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        "onlineUrl": "https://teams.microsoft.com/l/meetup-join/abc"
    })
}

struct Setup {
    app: TestApp,
    owner: TestUser,
    member: TestUser,
    group: common::groups::TestGroup,
}

async fn setup() -> Setup {
    setup_configured(|_| {}).await
}

async fn setup_configured(configure: impl FnOnce(&mut parvis::config::AppConfig)) -> Setup {
    let app = TestApp::spawn_configured(configure).await;
    let owner = app
        .create_user_with("owner", OrgRole::Member, |user| {
            user.time_zone = "Europe/Paris".into();
        })
        .await;
    let member = app.member("member").await;
    let group = app
        .create_group(&owner, "Équipe Lyon", Visibility::Private)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    Setup {
        app,
        owner,
        member,
        group,
    }
}

async fn create(app: &TestApp, user: &TestUser, input: Value) -> Value {
    app.graphql(Some(user), CREATE, json!({ "input": input }))
        .await
}

async fn created_id(app: &TestApp, user: &TestUser, input: Value) -> String {
    let response = create(app, user, input).await;
    response["data"]["createEvent"]["event"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an event: {response}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weekly_meeting_keeps_its_local_time_across_the_daylight_saving_change() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    create(&app, &owner, weekly_meeting(&group.id)).await;

    let response = app
        .graphql(
            Some(&owner),
            WINDOW,
            json!({ "filter": { "from": "2026-10-01T00:00:00Z", "to": "2026-12-01T00:00:00Z" } }),
        )
        .await;

    let edges = response["data"]["events"]["edges"]
        .as_array()
        .expect("edges");
    let local: Vec<&str> = edges
        .iter()
        .map(|edge| edge["node"]["localStartsAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        local,
        [
            "2026-10-12T10:00:00+02:00",
            "2026-10-19T10:00:00+02:00",
            "2026-10-26T10:00:00+01:00",
            "2026-11-02T10:00:00+01:00",
            "2026-11-09T10:00:00+01:00",
            "2026-11-16T10:00:00+01:00"
        ]
    );
    assert_eq!(response["data"]["events"]["totalCount"], 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_meeting_link_names_its_provider() {
    let Setup {
        app, owner, group, ..
    } = setup().await;

    let response = create(&app, &owner, weekly_meeting(&group.id)).await;

    assert_eq!(
        response["data"]["createEvent"]["event"]["onlineProvider"],
        "Microsoft Teams"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_event_input_is_refused_with_the_field_named() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let cases = [
        ("endsAt", json!({ "endsAt": "2026-10-12T07:00:00Z" })),
        ("timeZone", json!({ "timeZone": "Europe/Atlantis" })),
        ("recurrence", json!({ "recurrence": "FREQ=SOMETIMES" })),
        (
            "recurrence",
            json!({ "recurrence": "FREQ=WEEKLY;BYDAY=TU" }),
        ),
        (
            "recurrence",
            json!({ "recurrence": "FREQ=WEEKLY;UNTIL=20270101T000000" }),
        ),
        ("recurrence", json!({ "recurrence": "FREQ=SECONDLY" })),
        ("recurrence", json!({ "recurrence": "FREQ=MINUTELY" })),
        ("recurrence", json!({ "recurrence": "FREQ=HOURLY" })),
        (
            "recurrence",
            json!({ "recurrence": "FREQ=DAILY;BYHOUR=10,14" }),
        ),
        ("capacity", json!({ "capacity": 0 })),
        ("onlineUrl", json!({ "onlineUrl": "javascript:alert(1)" })),
        (
            "onlineUrl",
            json!({ "onlineUrl": "http://meet.example.com/salle-b" }),
        ),
        ("title", json!({ "title": "   " })),
        ("reminderMinutes", json!({ "reminderMinutes": [-5] })),
    ];
    for (field, change) in cases {
        let mut input = weekly_meeting(&group.id);
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }

        let response = create(&app, &owner, input).await;

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
async fn an_endless_series_is_expanded_only_inside_the_window() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["recurrence"] = json!("FREQ=DAILY");
    create(&app, &owner, input).await;

    let response = app
        .graphql(
            Some(&owner),
            WINDOW,
            json!({ "filter": { "from": "2030-01-01T00:00:00Z", "to": "2030-12-31T00:00:00Z" }, "first": 3 }),
        )
        .await;

    assert_eq!(response["data"]["events"]["totalCount"], 364, "{response}");
    assert_eq!(
        response["data"]["events"]["edges"][0]["node"]["localStartsAt"],
        "2030-01-01T10:00:00+01:00"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daily_series_started_decades_ago_still_shows_this_week() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["startsAt"] = json!("1990-01-01T09:00:00Z");
    input["endsAt"] = json!("1990-01-01T10:00:00Z");
    input["recurrence"] = json!("FREQ=DAILY");
    created_id(&app, &owner, input).await;

    let response = app
        .graphql(
            Some(&owner),
            WINDOW,
            json!({ "filter": { "from": "2026-10-05T00:00:00Z", "to": "2026-10-12T00:00:00Z" } }),
        )
        .await;

    assert_eq!(response["data"]["events"]["totalCount"], 7, "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_series_stored_with_a_finer_frequency_expands_at_most_the_bound() {
    use diesel_async::RunQueryDsl;
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["recurrence"] = json!("FREQ=DAILY");
    created_id(&app, &owner, input).await;
    // As rules were accepted before finer frequencies were refused.
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query("UPDATE events SET recurrence = 'FREQ=SECONDLY', last_starts_at = NULL")
        .execute(&mut conn)
        .await
        .unwrap();

    let response = app
        .graphql(
            Some(&owner),
            WINDOW,
            json!({ "filter": { "from": "2026-10-12T00:00:00Z", "to": "2026-10-13T00:00:00Z" }, "first": 1 }),
        )
        .await;

    assert_eq!(
        response["data"]["events"]["totalCount"],
        parvis::events_calendar::recurrence::MAX_EXPANDED_PER_QUERY,
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_over_a_year_is_refused() {
    let Setup { app, owner, .. } = setup().await;

    let response = app
        .graphql(
            Some(&owner),
            WINDOW,
            json!({ "filter": { "from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z" } }),
        )
        .await;

    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn events_of_a_private_group_are_not_found_by_outsiders() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let outsider = app.member("outsider").await;

    let by_id = app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { event(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let by_node = app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let listed = app
        .graphql(
            Some(&outsider),
            WINDOW,
            json!({ "filter": { "from": "2026-10-01T00:00:00Z", "to": "2026-12-01T00:00:00Z" } }),
        )
        .await;
    let rsvp = app
        .graphql(
            Some(&outsider),
            RSVP,
            json!({ "id": id, "status": "GOING" }),
        )
        .await;

    assert_eq!(error_code(&by_id), "NOT_FOUND");
    assert_eq!(error_code(&by_node), "NOT_FOUND");
    assert_eq!(listed["data"]["events"]["totalCount"], 0);
    assert_eq!(error_code(&rsvp), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_event_takes_as_long_to_look_up_as_a_missing_one() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let outsider = app.member("outsider").await;
    common::assert_missing_and_hidden_look_alike(&app, &outsider, "Event", &id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_can_keep_event_creation_for_its_managers() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    assert!(create(&app, &member, weekly_meeting(&group.id)).await["errors"].is_null());
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { updateGroup(input: { groupId: $id, eventPolicy: MANAGERS }) { group { eventPolicy } } }",
        json!({ "id": group.id }),
    )
    .await;

    let refused = create(&app, &member, weekly_meeting(&group.id)).await;

    assert_eq!(error_code(&refused), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_people_taking_the_last_seat_at_once_get_one_seat_and_one_waitlist_place() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["capacity"] = json!(1);
    input["recurrence"] = Value::Null;
    let id = created_id(&app, &owner, input).await;

    let (first, second) = tokio::join!(
        app.graphql(Some(&owner), RSVP, json!({ "id": id, "status": "GOING" })),
        app.graphql(Some(&member), RSVP, json!({ "id": id, "status": "GOING" })),
    );

    let mut statuses = [
        first["data"]["respondToEvent"]["attendance"]["status"]
            .as_str()
            .unwrap()
            .to_owned(),
        second["data"]["respondToEvent"]["attendance"]["status"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    statuses.sort();
    assert_eq!(statuses, ["GOING", "WAITLISTED"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_seat_goes_to_the_first_on_the_waitlist() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["capacity"] = json!(1);
    let id = created_id(&app, &owner, input).await;
    app.graphql(Some(&owner), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;
    let waiting = app
        .graphql(Some(&member), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;
    assert_eq!(
        waiting["data"]["respondToEvent"]["attendance"]["status"],
        "WAITLISTED"
    );

    let declined = app
        .graphql(
            Some(&owner),
            RSVP,
            json!({ "id": id, "status": "DECLINED" }),
        )
        .await;

    assert_eq!(declined["data"]["respondToEvent"]["event"]["goingCount"], 1);
    assert_eq!(
        declined["data"]["respondToEvent"]["event"]["waitlistedCount"],
        0
    );
    let mine = app
        .graphql(
            Some(&member),
            "query($id: ID!) { event(id: $id) { viewerRsvp } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(mine["data"]["event"]["viewerRsvp"], "GOING");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_event_stays_visible_with_its_reason_and_takes_no_answers() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;

    let cancelled = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { cancelEvent(input: { eventId: $id, reason: \"Salle indisponible\" }) { event { cancelled cancellationReason } } }",
            json!({ "id": id }),
        )
        .await;
    let answer = app
        .graphql(Some(&member), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;

    assert_eq!(
        cancelled["data"]["cancelEvent"]["event"],
        json!({ "cancelled": true, "cancellationReason": "Salle indisponible" })
    );
    assert_eq!(
        error_code(&answer),
        "CONFLICT",
        "as for a closed survey: {answer}"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cancelled"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_event_is_not_changed_or_cancelled_again() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let cancel =
        "mutation($id: ID!) { cancelEvent(input: { eventId: $id }) { event { cancelled } } }";
    app.graphql(Some(&owner), cancel, json!({ "id": id })).await;

    let again = app.graphql(Some(&owner), cancel, json!({ "id": id })).await;
    let changed = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { updateEvent(input: { eventId: $id, title: \"Reporté\" }) { event { title } } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert_eq!(error_code(&changed), "CONFLICT", "{changed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_organizers_change_an_event() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;

    let response = app
        .graphql(
            Some(&member),
            "mutation($id: ID!) { updateEvent(input: { eventId: $id, title: \"Mine\" }) { event { title } } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(error_code(&response), "FORBIDDEN");
}

async fn occurrences(app: &TestApp, user: &TestUser) -> Vec<Value> {
    app.graphql(
        Some(user),
        WINDOW,
        json!({ "filter": { "from": "2026-10-01T00:00:00Z", "to": "2027-01-01T00:00:00Z" } }),
    )
    .await["data"]["events"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_occurrence_can_be_cancelled_or_moved() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;

    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { cancelEvent(input: { eventId: $id, occurrenceStartsAt: \"2026-10-26T09:00:00Z\" }) { event { id } } }",
        json!({ "id": id }),
    )
    .await;
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { updateEvent(input: { eventId: $id, scope: THIS_OCCURRENCE,
            occurrenceStartsAt: \"2026-11-09T09:00:00Z\", startsAt: \"2026-11-10T13:30:00Z\", endsAt: \"2026-11-10T14:30:00Z\" }) { event { id } } }",
        json!({ "id": id }),
    )
    .await;

    let found = occurrences(&app, &owner).await;
    assert_eq!(found[2]["cancelled"], true);
    assert_eq!(found[2]["originalStartsAt"], "2026-10-26T09:00:00+00:00");
    assert_eq!(found[4]["localStartsAt"], "2026-11-10T14:30:00+01:00");
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_this_and_following_occurrences_splits_the_series() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;

    let response = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { updateEvent(input: { eventId: $id, scope: THIS_AND_FOLLOWING,
                occurrenceStartsAt: \"2026-11-02T09:00:00Z\", title: \"Réunion (nouvelle salle)\" }) { event { id recurrence } } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(
        response["data"]["updateEvent"]["event"]["recurrence"], "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
        "{response}"
    );
    let titles: Vec<String> = occurrences(&app, &owner)
        .await
        .iter()
        .map(|o| o["event"]["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles.len(), 6);
    assert_eq!(titles[2], "Réunion d'équipe");
    assert_eq!(titles[3], "Réunion (nouvelle salle)");
}

async fn feed_url(app: &TestApp, user: &TestUser) -> (String, String) {
    let response = app
        .graphql(
            Some(user),
            "mutation { createCalendarFeed { url calendarFeed { id } } }",
            json!({}),
        )
        .await;
    let feed = &response["data"]["createCalendarFeed"];
    (
        feed["url"].as_str().expect("a feed URL").to_owned(),
        feed["calendarFeed"]["id"]
            .as_str()
            .expect("an id")
            .to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_personal_feed_imports_cleanly_with_a_cancelled_occurrence_across_daylight_saving() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { cancelEvent(input: { eventId: $id, occurrenceStartsAt: \"2026-10-26T09:00:00Z\" }) { event { id } } }",
        json!({ "id": id }),
    )
    .await;
    let (url, _) = feed_url(&app, &member).await;

    let response = reqwest::get(&url).await.expect("feed");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let body = response.text().await.expect("body");
    let found = tokio::task::spawn_blocking(move || {
        common::ical::occurrences(&body, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")
    })
    .await
    .expect("the parser");

    let starts: Vec<&str> = found.iter().map(|o| o["start"].as_str().unwrap()).collect();
    assert_eq!(
        starts,
        [
            "2026-10-12T10:00:00+02:00",
            "2026-10-19T10:00:00+02:00",
            "2026-11-02T10:00:00+01:00",
            "2026-11-09T10:00:00+01:00",
            "2026-11-16T10:00:00+01:00"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_event_is_published_as_cancelled() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let mut input = weekly_meeting(&group.id);
    input["recurrence"] = Value::Null;
    let id = created_id(&app, &owner, input).await;
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { cancelEvent(input: { eventId: $id }) { event { id } } }",
        json!({ "id": id }),
    )
    .await;
    let file = event_file(&app, &owner, &id).await;

    let body = file.text().await.unwrap();
    let found = tokio::task::spawn_blocking(move || {
        common::ical::occurrences(&body, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")
    })
    .await
    .unwrap();

    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["status"], "CANCELLED");
}

async fn event_file(app: &TestApp, user: &TestUser, id: &str) -> reqwest::Response {
    let url = app
        .graphql(
            Some(user),
            "query($id: ID!) { event(id: $id) { icsUrl } }",
            json!({ "id": id }),
        )
        .await["data"]["event"]["icsUrl"]
        .as_str()
        .expect("icsUrl")
        .to_owned();
    app.http
        .get(url)
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_file_needs_a_viewer_who_may_see_the_event() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let outsider = app.member("outsider").await;
    let url = event_file(&app, &owner, &id).await.url().to_string();

    let anonymous = reqwest::get(&url).await.unwrap();
    let outsider_file = app
        .http
        .get(&url)
        .bearer_auth(&outsider.token)
        .send()
        .await
        .unwrap();

    assert_eq!(anonymous.status(), 401);
    assert_eq!(outsider_file.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_feed_stops_working() {
    let Setup { app, member, .. } = setup().await;
    let (url, feed) = feed_url(&app, &member).await;
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);

    app.graphql(
        Some(&member),
        "mutation($id: ID!) { revokeCalendarFeed(input: { calendarFeedId: $id }) { calendarFeed { revokedAt } } }",
        json!({ "id": feed }),
    )
    .await;

    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
}

async fn attendees_csv(app: &TestApp, user: &TestUser, event: &str) -> reqwest::Response {
    app.http
        .get(app.url(&format!("/calendar/events/{event}/attendees.csv")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn organizers_export_the_attendees_as_csv() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    app.graphql(Some(&member), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;

    let csv = attendees_csv(&app, &owner, &id).await;
    let refused = attendees_csv(&app, &member, &id).await;

    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("name,email,department,status,responded_at"),
        "{text}"
    );
    assert!(
        text.contains("Test member,member@example.com,,going,"),
        "{text}"
    );
    assert_eq!(refused.status(), 403);
    let url = |user| {
        app.graphql(
            Some(user),
            "query($id: ID!) { event(id: $id) { attendeesCsvUrl } }",
            json!({ "id": id }),
        )
    };
    let given = url(&owner).await["data"]["event"]["attendeesCsvUrl"].clone();
    assert!(
        given
            .as_str()
            .is_some_and(|url| url.ends_with(&format!("/calendar/events/{id}/attendees.csv"))),
        "{given}"
    );
    assert!(url(&member).await["data"]["event"]["attendeesCsvUrl"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_file_link_made_with_the_bare_uuid_still_works() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let uuid = parvis::graphql::ids::decode(&async_graphql::ID(id.clone()), "id")
        .unwrap()
        .1;
    let file = app
        .http
        .get(app.url(&format!("/calendar/events/{uuid}.ics")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert!(
        event_file(&app, &owner, &id)
            .await
            .url()
            .path()
            .contains(&id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_page_shows_the_next_occurrences() {
    let Setup {
        app, owner, group, ..
    } = setup().await;
    let soon = Utc::now() + chrono::Duration::days(2);
    let mut input = weekly_meeting(&group.id);
    input["startsAt"] = json!(soon);
    input["endsAt"] = json!(soon + chrono::Duration::hours(1));
    input["recurrence"] = json!("FREQ=DAILY;COUNT=10");
    create(&app, &owner, input).await;

    let home = app
        .graphql(
            Some(&owner),
            "{ home { upcomingEvents(first: 3) { startsAt event { title } } } }",
            json!({}),
        )
        .await;

    let upcoming = home["data"]["home"]["upcomingEvents"]
        .as_array()
        .expect("events");
    assert_eq!(upcoming.len(), 3, "{home}");
    assert_eq!(upcoming[0]["event"]["title"], "Réunion d'équipe");
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribers_see_answers_as_they_come() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;
    let mut ws = common::ws::WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    ws.subscribe(
        "1",
        "subscription($id: ID!) { eventUpdated(id: $id) { goingCount } }",
        json!({ "id": id }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.graphql(Some(&member), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;

    let event = ws.next_message().await;
    assert_eq!(event["payload"]["data"]["eventUpdated"]["goingCount"], 1);
}

async fn reminders_sent(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::notifications;
    let mut conn = app.db().connect().await.unwrap();
    notifications::table
        .filter(notifications::kind.eq("event_reminder"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_is_sent_once_with_two_instances_running() {
    let quick = |config: &mut parvis::config::AppConfig| {
        config.job_poll_interval = Duration::from_millis(50);
    };
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup_configured(quick).await;
    let sibling = app.spawn_sibling().await;
    let starts: DateTime<Utc> = Utc::now() + chrono::Duration::seconds(3);
    let mut input = weekly_meeting(&group.id);
    input["startsAt"] = json!(starts);
    input["endsAt"] = json!(starts + chrono::Duration::hours(1));
    input["recurrence"] = Value::Null;
    input["reminderMinutes"] = json!([0]);
    let id = created_id(&app, &owner, input).await;
    app.graphql(Some(&owner), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;
    app.graphql(Some(&member), RSVP, json!({ "id": id, "status": "MAYBE" }))
        .await;

    tokio::time::sleep(Duration::from_secs(5)).await;

    assert_eq!(reminders_sent(&app).await, 2);
    drop(sibling);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attendee_can_turn_their_reminders_off() {
    let quick = |config: &mut parvis::config::AppConfig| {
        config.job_poll_interval = Duration::from_millis(50);
    };
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup_configured(quick).await;
    let starts: DateTime<Utc> = Utc::now() + chrono::Duration::seconds(2);
    let mut input = weekly_meeting(&group.id);
    input["startsAt"] = json!(starts);
    input["endsAt"] = json!(starts + chrono::Duration::hours(1));
    input["recurrence"] = Value::Null;
    input["reminderMinutes"] = json!([0]);
    let id = created_id(&app, &owner, input).await;
    app.graphql(Some(&owner), RSVP, json!({ "id": id, "status": "GOING" }))
        .await;

    app.graphql(
        Some(&member),
        "mutation($id: ID!) { respondToEvent(input: { eventId: $id, status: GOING, reminderMinutes: [] }) { attendance { reminderMinutes } } }",
        json!({ "id": id }),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;

    assert_eq!(reminders_sent(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn organizers_invite_people_who_then_answer() {
    let Setup {
        app,
        owner,
        member,
        group,
    } = setup().await;
    let id = created_id(&app, &owner, weekly_meeting(&group.id)).await;

    let invited = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!, $people: [ID!]!) { inviteToEvent(input: { eventId: $id, userIds: $people }) { invitations { status user { username } } } }",
            json!({ "id": id, "people": [member.id] }),
        )
        .await;
    let mine = app
        .graphql(
            Some(&member),
            "query($id: ID!) { event(id: $id) { viewerRsvp } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(
        invited["data"]["inviteToEvent"]["invitations"],
        json!([{ "status": "INVITED", "user": { "username": "member" } }])
    );
    assert_eq!(mine["data"]["event"]["viewerRsvp"], "INVITED");
}

/// A guest member of the group, and an org admin outside it (whom the guest may not see in the
/// directory).
async fn guest_and_admin(app: &TestApp, group: &common::groups::TestGroup) -> (TestUser, TestUser) {
    let guest = app.create_user("guest", OrgRole::Guest).await;
    app.add_member(group, &guest, GroupRole::Member).await;
    (guest, app.create_user("admin", OrgRole::Admin).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_organizers_attendee_csv_shows_what_the_api_shows_them() {
    let Setup {
        app, member, group, ..
    } = setup().await;
    let (guest, admin) = guest_and_admin(&app, &group).await;
    let id = created_id(&app, &guest, weekly_meeting(&group.id)).await;
    for person in [&member, &admin] {
        app.graphql(Some(person), RSVP, json!({ "id": id, "status": "GOING" }))
            .await;
    }

    let text = attendees_csv(&app, &guest, &id).await.text().await.unwrap();

    let rows: Vec<&str> = text
        .lines()
        .map(|line| line.rsplit_once(',').unwrap().0)
        .collect();
    assert_eq!(
        rows,
        [
            "name,email,department,status",
            "Test member,,,going",
            "(hidden),,,going"
        ],
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_see_only_the_organizers_and_attendees_they_may_see() {
    let Setup {
        app, member, group, ..
    } = setup().await;
    let (guest, admin) = guest_and_admin(&app, &group).await;
    let mut meeting = weekly_meeting(&group.id);
    meeting["organizerIds"] = json!([member.id]);
    let id = created_id(&app, &admin, meeting).await;
    for person in [&member, &admin] {
        app.graphql(Some(person), RSVP, json!({ "id": id, "status": "GOING" }))
            .await;
    }

    let seen = app
        .graphql(
            Some(&guest),
            "query($id: ID!) { event(id: $id) { organizers { username } attendees { user { username } } } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(
        seen["data"]["event"],
        json!({
            "organizers": [{ "username": "member" }],
            "attendees": [{ "user": { "username": "member" } }, { "user": null }]
        }),
        "{seen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_cannot_name_people_they_may_not_see_as_invitees() {
    let Setup { app, group, .. } = setup().await;
    let (guest, admin) = guest_and_admin(&app, &group).await;
    let id = created_id(&app, &guest, weekly_meeting(&group.id)).await;

    let invited = app
        .graphql(
            Some(&guest),
            "mutation($id: ID!, $people: [ID!]!) { inviteToEvent(input: { eventId: $id, userIds: $people }) { invitations { status } } }",
            json!({ "id": id, "people": [admin.id] }),
        )
        .await;

    assert_eq!(error_code(&invited), "BAD_USER_INPUT", "{invited}");
}

/// One-off events of `setup`'s group on the November days of `days`, each answered GOING by the
/// member.
async fn answered_events(setup: &Setup, days: std::ops::Range<u32>) {
    for day in days {
        let event = created_id(
            &setup.app,
            &setup.owner,
            json!({
                "groupId": setup.group.id,
                "title": format!("Atelier {day}"),
                "startsAt": format!("2026-11-{day:02}T08:00:00Z"),
                "endsAt": format!("2026-11-{day:02}T09:00:00Z"),
                "timeZone": "Europe/Paris",
            }),
        )
        .await;
        let answered = setup
            .app
            .graphql(
                Some(&setup.member),
                RSVP,
                json!({ "id": event, "status": "GOING" }),
            )
            .await;
        assert!(answered["errors"].is_null(), "{answered}");
    }
}

/// The statements `selection` (fields of each occurrence's event) costs in a November calendar of
/// one event, then of eight, and what it gave each of the eight.
async fn statements_at_one_and_eight_events(selection: &str) -> (u64, u64, Vec<Value>) {
    let setup = setup().await;
    let query = format!(
        "{{ events(filter: {{ from: \"2026-11-01T00:00:00Z\", to: \"2026-12-01T00:00:00Z\" }}, first: 20) {{
             edges {{ node {{ event {{ {selection} }} }} }} }} }}"
    );
    answered_events(&setup, 2..3).await;
    let (one, _) = setup
        .app
        .statements_of(&setup.owner, &query, json!({}))
        .await;
    answered_events(&setup, 3..10).await;
    let (eight, response) = setup
        .app
        .statements_of(&setup.owner, &query, json!({}))
        .await;
    let events = response["data"]["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["event"].clone())
        .collect();
    (one, eight, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_attendees_of_a_calendars_events_cost_the_same_statements_for_one_event_or_many() {
    let (one, eight, events) =
        statements_at_one_and_eight_events("attendees(status: GOING) { status user { username } }")
            .await;

    let attendees =
        json!({ "attendees": [{ "status": "GOING", "user": { "username": "member" } }] });
    assert_eq!(events, vec![attendees; 8]);
    assert_eq!(one, eight, "1 event: {one} statements, 8 events: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_occurrences_of_a_calendars_events_cost_the_same_statements_for_one_event_or_many() {
    let (one, eight, events) = statements_at_one_and_eight_events(
        "title occurrences(from: \"2026-11-01T00:00:00Z\", to: \"2026-12-01T00:00:00Z\") { startsAt }",
    )
    .await;

    let expected: Vec<Value> = (2..10)
        .map(|day| {
            json!({ "title": format!("Atelier {day}"),
                    "occurrences": [{ "startsAt": format!("2026-11-{day:02}T08:00:00+00:00") }] })
        })
        .collect();
    assert_eq!(events, expected);
    assert_eq!(one, eight, "1 event: {one} statements, 8 events: {eight}");
}
