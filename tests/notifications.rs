//! Notifications: every kind made by the real API and delivered through the one model, collapsed
//! while unread, silenced by preferences and muted groups, never about what the recipient cannot
//! see, read and seen, and pushed to `notificationReceived` on every instance.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use common::groups::TestGroup;
use common::ws::{Received, WsClient};
use common::{TestApp, TestUser, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::notifications::NotificationKind;
use parvis::users::OrgRole;
use serde_json::{Value, json};

const NOTIFICATIONS: &str = "{ viewer { notifications(first: 50) { edges { node {
    id kind text actors { id } actorCount subject { id } data read updatedAt } } } } }";
const COUNTS: &str = "{ viewer { unreadNotificationCount unseenNotificationCount } }";
const REACT: &str = "mutation($id: ID!) { addReaction(input: { subjectId: $id, emoji: \"👍\" }) {
    subjectId } }";
const MARK_READ: &str = "mutation($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) { notifications { id } unreadNotificationCount } }";
const SETTINGS: &str = "mutation($input: UpdateNotificationSettingsInput!) {
    updateNotificationSettings(input: $input) { notificationSettings { preferences { kind delivery } } } }";

/// The response's data; any error fails the test.
async fn run(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(user), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

fn id(object: &Value) -> String {
    object["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {object}"))
        .to_owned()
}

/// The viewer's notifications, most recently active first.
async fn notifications(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let data = run(app, user, NOTIFICATIONS, json!({})).await;
    data["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// Polls (jobs run every second) until `user` has at least `n` notifications, for up to 15 s.
async fn wait_for_notifications(app: &TestApp, user: &TestUser, n: usize) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..60 {
        last = notifications(app, user).await;
        if last.len() >= n {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "expected {n} notifications within 15 s, got {}: {last:#?}",
        last.len()
    );
}

/// Waits until no notification job is left to run (nor failed, waiting for a retry).
async fn settle(app: &TestApp) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::jobs;
    let mut conn = app.db().connect().await.unwrap();
    for _ in 0..60 {
        let pending: i64 = jobs::table
            .filter(jobs::kind.eq("notify"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("notification jobs still pending after 15 s");
}

fn kinds(notifications: &[Value]) -> Vec<&str> {
    notifications
        .iter()
        .map(|notification| notification["kind"].as_str().unwrap())
        .collect()
}

/// A post in `group` by `author`; returns its id.
async fn post(app: &TestApp, author: &TestUser, group: &TestGroup, input: Value) -> String {
    post_in(app, author, &[group], input).await
}

/// A post shared to all of `groups` by `author`; returns its id.
async fn post_in(app: &TestApp, author: &TestUser, groups: &[&TestGroup], input: Value) -> String {
    let mut input = input;
    input["groupIds"] = groups.iter().map(|group| json!(group.id)).collect();
    let data = run(
        app,
        author,
        "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
        json!({ "input": input }),
    )
    .await;
    id(&data["createPost"]["post"])
}

async fn say(app: &TestApp, author: &TestUser, group: &TestGroup, body: &str) -> String {
    post(app, author, group, json!({ "body": body })).await
}

async fn comment(app: &TestApp, author: &TestUser, post: &str, reply_to: Option<&str>) -> String {
    let data = run(
        app,
        author,
        "mutation($p: ID!, $r: ID) { addComment(input: { postId: $p, replyToId: $r, body: \"Merci\" }) { comment { id } } }",
        json!({ "p": post, "r": reply_to }),
    )
    .await;
    id(&data["addComment"]["comment"])
}

async fn set_level(app: &TestApp, user: &TestUser, group: &TestGroup, level: &str) {
    run(
        app,
        user,
        "mutation($g: ID!, $l: GroupNotificationLevel!) { setGroupNotificationLevel(input: { groupId: $g, level: $l }) { group { id } } }",
        json!({ "g": group.id, "l": level }),
    )
    .await;
}

/// A public group owned by `owner` with `members`.
async fn group_of(app: &TestApp, owner: &TestUser, name: &str, members: &[&TestUser]) -> TestGroup {
    let group = app.create_group(owner, name, Visibility::Public).await;
    for member in members {
        app.add_member(&group, member, GroupRole::Member).await;
    }
    group
}

async fn create_event(
    app: &TestApp,
    organizer: &TestUser,
    group: &TestGroup,
    input: Value,
) -> String {
    let mut input = input;
    input["groupId"] = json!(group.id);
    let data = run(
        app,
        organizer,
        "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
        json!({ "input": input }),
    )
    .await;
    id(&data["createEvent"]["event"])
}

const UPLOAD: &str =
    "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id } } }";

async fn upload(app: &TestApp, user: &TestUser, input: Value, name: &str) -> String {
    let response = app
        .upload(user, UPLOAD, input, name, b"Bonjour".to_vec())
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    id(&response["data"]["uploadFile"]["file"])
}

/// A folder in the group's drive.
async fn folder(app: &TestApp, user: &TestUser, group: &TestGroup) -> String {
    let data = run(
        app,
        user,
        "query($id: ID!) { group(id: $id) { drive { id } } }",
        json!({ "id": group.id }),
    )
    .await;
    let drive = id(&data["group"]["drive"]);
    let data = run(
        app,
        user,
        "mutation($d: ID!) { createFolder(input: { driveId: $d, name: \"Comptes\" }) { folder { id } } }",
        json!({ "d": drive }),
    )
    .await;
    id(&data["createFolder"]["folder"])
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_is_delivered_through_the_one_model() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let olga = app.member("olga").await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let team = group_of(&app, &olga, "Team", &[&anna, &ben]).await;

    // Posts and comments.
    let bens = say(&app, &ben, &team, "Bonjour @anna").await; // MENTION
    say(&app, &olga, &team, &format!("Réunion @{}", team.slug)).await; // GROUP_MENTION
    let annas = say(&app, &anna, &team, "Mon bilan").await;
    comment(&app, &ben, &annas, None).await; // COMMENT
    let on_bens = comment(&app, &anna, &bens, None).await;
    comment(&app, &ben, &bens, Some(&on_bens)).await; // REPLY
    run(&app, &ben, REACT, json!({ "id": annas })).await; // REACTION
    let ack = json!({ "body": "Nouvelle charte", "requiresAcknowledgement": true });
    post(&app, &olga, &team, ack).await; // ACKNOWLEDGEMENT_REQUESTED
    set_level(&app, &anna, &team, "ALL_POSTS").await;
    say(&app, &olga, &team, "Le planning").await; // GROUP_POST

    // Groups.
    let secret = app.create_group(&olga, "Secret", Visibility::Secret).await;
    run(
        &app,
        &olga,
        "mutation($g: ID!, $u: [ID!]!) { inviteToGroup(input: { groupId: $g, userIds: $u }) { invitations { id } } }",
        json!({ "g": secret.id, "u": [anna.id] }),
    )
    .await; // GROUP_INVITATION
    const REQUEST: &str =
        "mutation($g: ID!) { requestToJoinGroup(input: { groupId: $g }) { joinRequest { id } } }";
    let annas_group = app.create_group(&anna, "Annas", Visibility::Private).await;
    run(&app, &ben, REQUEST, json!({ "g": annas_group.id })).await; // JOIN_REQUEST
    let olgas_group = app.create_group(&olga, "Olgas", Visibility::Private).await;
    let request = run(&app, &anna, REQUEST, json!({ "g": olgas_group.id })).await;
    run(
        &app,
        &olga,
        "mutation($r: ID!) { approveJoinRequest(input: { joinRequestId: $r }) { joinRequest { id } } }",
        json!({ "r": id(&request["requestToJoinGroup"]["joinRequest"]) }),
    )
    .await; // JOIN_REQUEST_DECIDED

    // Events.
    let later = Utc::now() + chrono::Duration::days(7);
    let meeting = json!({ "title": "Point", "startsAt": later, "endsAt": later + chrono::Duration::hours(1) });
    let event = create_event(&app, &olga, &team, meeting).await;
    run(
        &app,
        &olga,
        "mutation($e: ID!, $u: [ID!]!) { inviteToEvent(input: { eventId: $e, userIds: $u }) { invitations { status } } }",
        json!({ "e": event, "u": [anna.id] }),
    )
    .await; // EVENT_INVITATION
    run(
        &app,
        &olga,
        "mutation($e: ID!) { updateEvent(input: { eventId: $e, title: \"Point d'équipe\" }) { event { id } } }",
        json!({ "e": event }),
    )
    .await; // EVENT_UPDATED
    run(
        &app,
        &olga,
        "mutation($e: ID!) { cancelEvent(input: { eventId: $e, reason: \"Grève\" }) { event { id } } }",
        json!({ "e": event }),
    )
    .await; // EVENT_CANCELLED
    // Starts in 5 s with a reminder at the start: the reminder job is due then.
    let soon = Utc::now() + chrono::Duration::seconds(5);
    let quick = json!({ "title": "Café", "startsAt": soon, "endsAt": soon + chrono::Duration::hours(1),
                        "reminderMinutes": [0] });
    let coffee = create_event(&app, &olga, &team, quick).await;
    run(
        &app,
        &anna,
        "mutation($e: ID!) { respondToEvent(input: { eventId: $e, status: GOING }) { attendance { status } } }",
        json!({ "e": coffee }),
    )
    .await; // EVENT_REMINDER

    // Files.
    let accounts = folder(&app, &olga, &team).await;
    run(
        &app,
        &anna,
        "mutation($f: ID!) { followFolder(input: { folderId: $f }) { folder { id } } }",
        json!({ "f": accounts }),
    )
    .await;
    let file = upload(&app, &olga, json!({ "folderId": accounts }), "bilan.txt").await; // FILE_SHARED
    upload(&app, &olga, json!({ "fileId": file }), "bilan.txt").await; // FILE_UPDATED

    // The admins.
    run(
        &app,
        &admin,
        "mutation { sendAdminMessage(input: { title: \"Maintenance\", body: \"Ce soir à 20 h\" }) { queued } }",
        json!({}),
    )
    .await; // ADMIN_MESSAGE

    // Chat.
    let room = run(
        &app,
        &olga,
        "mutation($g: ID!) { createChatRoom(input: { groupId: $g, name: \"Café\" }) { conversation { id } } }",
        json!({ "g": team.id }),
    )
    .await;
    run(
        &app,
        &ben,
        "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"@anna on déjeune ?\" }) { message { id } } }",
        json!({ "c": room["createChatRoom"]["conversation"]["id"] }),
    )
    .await; // CHAT_MENTION

    let received = wait_for_notifications(&app, &anna, NotificationKind::ALL.len()).await;
    let received: BTreeSet<String> = kinds(&received).into_iter().map(str::to_owned).collect();
    let all: BTreeSet<String> = NotificationKind::ALL
        .iter()
        .map(|kind| kind.as_db().to_uppercase())
        .collect();
    assert_eq!(received, all);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_reactions_from_ten_people_collapse_into_one_notification() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let team = group_of(&app, &anna, "Team", &[]).await;
    let annas = post(
        &app,
        &anna,
        &team,
        json!({ "title": "Q3 results", "body": "Chiffres" }),
    )
    .await;
    let mut people = Vec::new();
    for n in 0..10 {
        let person = app.member(&format!("r{n}")).await;
        app.add_member(&team, &person, GroupRole::Member).await;
        run(&app, &person, REACT, json!({ "id": annas })).await;
        people.push(person);
    }
    settle(&app).await;

    let received = notifications(&app, &anna).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    let reaction = &received[0];
    assert_eq!(reaction["kind"], "REACTION");
    assert_eq!(reaction["actorCount"], 10);
    assert_eq!(reaction["actors"].as_array().unwrap().len(), 3);
    assert_eq!(reaction["actors"][0]["id"], json!(people[9].id));
    assert_eq!(
        reaction["text"],
        "Test r9 and 9 others reacted to your post “Q3 results”"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_muted_group_silences_its_group_mentions_comments_and_reactions() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let muted = group_of(&app, &ben, "Bavards", &[&anna]).await;
    let heard = group_of(&app, &ben, "Utile", &[&anna]).await;
    set_level(&app, &anna, &muted, "MUTED").await;

    say(&app, &ben, &muted, &format!("Réunion @{}", muted.slug)).await;
    let annas = say(&app, &anna, &muted, "Mon bilan").await;
    comment(&app, &ben, &annas, None).await;
    run(&app, &ben, REACT, json!({ "id": annas })).await;
    let useful = say(&app, &ben, &heard, &format!("Réunion @{}", heard.slug)).await;
    settle(&app).await;

    let received = notifications(&app, &anna).await;
    assert_eq!(kinds(&received), ["GROUP_MENTION"], "{received:#?}");
    assert_eq!(received[0]["subject"]["id"], json!(useful));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_mention_in_a_muted_group_still_notifies() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let muted = group_of(&app, &ben, "Bavards", &[&anna]).await;
    set_level(&app, &anna, &muted, "MUTED").await;

    let mentioning = say(&app, &ben, &muted, "Bonjour @anna").await;
    settle(&app).await;

    let received = notifications(&app, &anna).await;
    assert_eq!(kinds(&received), ["MENTION"], "{received:#?}");
    assert_eq!(received[0]["subject"]["id"], json!(mentioning));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_mention_in_a_muted_group_is_silent_once_mentions_are_off() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let muted = group_of(&app, &ben, "Bavards", &[&anna]).await;
    set_level(&app, &anna, &muted, "MUTED").await;
    let off = json!({ "input": { "preferences": [{ "kind": "MENTION", "delivery": "OFF" }] } });
    run(&app, &anna, SETTINGS, off).await;

    say(&app, &ben, &muted, "Bonjour @anna").await;
    settle(&app).await;

    assert!(notifications(&app, &anna).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_shared_to_several_groups_is_silent_only_where_all_are_muted() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anna = app.member("anna").await;
    let chatter = group_of(&app, &admin, "Bavards", &[&anna]).await;
    let jokes = group_of(&app, &admin, "Blagues", &[&anna]).await;
    let useful = group_of(&app, &admin, "Utile", &[&anna]).await;
    set_level(&app, &anna, &chatter, "MUTED").await;
    set_level(&app, &anna, &jokes, "MUTED").await;
    let charter = || json!({ "body": "Nouvelle charte", "requiresAcknowledgement": true });

    post_in(&app, &admin, &[&chatter, &jokes], charter()).await;
    let heard = post_in(&app, &admin, &[&chatter, &useful], charter()).await;
    settle(&app).await;

    let received = notifications(&app, &anna).await;
    assert_eq!(
        kinds(&received),
        ["ACKNOWLEDGEMENT_REQUESTED"],
        "{received:#?}"
    );
    assert_eq!(received[0]["subject"]["id"], json!(heard));
}

/// A member called `name`, speaking `locale`.
async fn person(app: &TestApp, username: &str, name: &str, locale: &str) -> TestUser {
    app.create_user_with(username, OrgRole::Member, |user| {
        user.display_name = name.to_owned();
        user.locale = locale.to_owned();
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_french_text_agrees_with_the_several_people_who_did_it() {
    let app = TestApp::spawn().await;
    let lea = person(&app, "lea", "Léa Roux", "fr").await;
    let jack = person(&app, "jack", "Jack Thomas", "en").await;
    let agnes = person(&app, "agnes", "Agnès Côté", "fr").await;
    let team = group_of(&app, &lea, "Équipe", &[&jack, &agnes]).await;
    let leas = post(
        &app,
        &lea,
        &team,
        json!({ "title": "Bilan", "body": "Chiffres" }),
    )
    .await;

    comment(&app, &jack, &leas, None).await;
    wait_for_notifications(&app, &lea, 1).await;
    comment(&app, &agnes, &leas, None).await;
    settle(&app).await;

    let received = notifications(&app, &lea).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(
        received[0]["text"],
        "Agnès Côté et Jack Thomas ont commenté votre publication « Bilan »"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_a_day_ahead_says_tomorrow_and_the_time() {
    let app = TestApp::spawn().await;
    let olga = app.member("olga").await;
    let anna = app.member("anna").await;
    let team = group_of(&app, &olga, "Team", &[&anna]).await;
    // A day and 5 s from now, reminded a day before: the reminder job is due in 5 s.
    let starts_at = Utc::now() + chrono::Duration::days(1) + chrono::Duration::seconds(5);
    let coffee = json!({ "title": "Café", "startsAt": starts_at,
                         "endsAt": starts_at + chrono::Duration::hours(1), "reminderMinutes": [1440] });
    let coffee = create_event(&app, &olga, &team, coffee).await;
    run(
        &app,
        &anna,
        "mutation($e: ID!) { respondToEvent(input: { eventId: $e, status: GOING }) { attendance { status } } }",
        json!({ "e": coffee }),
    )
    .await;

    let received = wait_for_notifications(&app, &anna, 1).await;

    assert_eq!(kinds(&received), ["EVENT_REMINDER"]);
    assert_eq!(
        received[0]["text"],
        format!("Café starts tomorrow at {}", starts_at.format("%H:%M"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_one_occurrence_names_its_day_where_the_event_takes_place() {
    let app = TestApp::spawn().await;
    let olga = app.member("olga").await;
    let anna = app.member("anna").await;
    let team = group_of(&app, &olga, "Team", &[&anna]).await;
    // Weekly at 00:30 in Paris from Tuesday 12 January 2027: still the 11th in UTC.
    let weekly = json!({ "title": "Point", "startsAt": "2027-01-11T23:30:00Z",
                         "endsAt": "2027-01-12T00:30:00Z", "timeZone": "Europe/Paris",
                         "recurrence": "FREQ=WEEKLY;COUNT=4" });
    let event = create_event(&app, &olga, &team, weekly).await;
    run(
        &app,
        &anna,
        "mutation($e: ID!) { respondToEvent(input: { eventId: $e, status: GOING }) { attendance { status } } }",
        json!({ "e": event }),
    )
    .await;

    run(
        &app,
        &olga,
        "mutation($e: ID!) { cancelEvent(input: { eventId: $e, occurrenceStartsAt: \"2027-01-11T23:30:00Z\" }) { event { id } } }",
        json!({ "e": event }),
    )
    .await;

    let received = wait_for_notifications(&app, &anna, 1).await;
    assert_eq!(kinds(&received), ["EVENT_CANCELLED"]);
    assert_eq!(
        received[0]["text"],
        "Point on Tuesday 12 January 2027 is cancelled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_tells_only_the_people_it_mentions_for_the_first_time() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let chloe = app.member("chloe").await;
    let group = group_of(&app, &ben, "Projet", &[&anna, &chloe]).await;
    let post = say(&app, &ben, &group, "Bonjour @anna").await;
    wait_for_notifications(&app, &anna, 1).await;
    run(
        &app,
        &anna,
        "mutation { markNotificationsSeen(input: {}) { unseenNotificationCount } }",
        json!({}),
    )
    .await;

    run(
        &app,
        &ben,
        "mutation($id: ID!) { updatePost(input: { postId: $id, body: \"Bonjour @anna et @chloe\" }) { post { id } } }",
        json!({ "id": post }),
    )
    .await;
    let told = wait_for_notifications(&app, &chloe, 1).await;
    settle(&app).await;

    assert_eq!(kinds(&told), ["MENTION"]);
    assert_eq!(told[0]["subject"]["id"], json!(post));
    let anna_received = notifications(&app, &anna).await;
    assert_eq!(anna_received.len(), 1, "{anna_received:#?}");
    assert_eq!(counts(&app, &anna).await, (1, 0), "anna is not told again");
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_is_told_of_a_post_they_cannot_see() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    for visibility in [Visibility::Private, Visibility::Secret] {
        let closed = app
            .create_group(&ben, &format!("{visibility:?}"), visibility)
            .await;
        say(&app, &ben, &closed, "Entre nous, @anna").await;
    }
    let open = group_of(&app, &ben, "Ouvert", &[]).await;
    let visible = say(&app, &ben, &open, "Pour tous, @anna").await;
    settle(&app).await;

    let received = notifications(&app, &anna).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(received[0]["subject"]["id"], json!(visible));
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_received_reaches_a_subscriber_on_another_instance() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let carl = app.member("carl").await;
    let team = group_of(&app, &ben, "Team", &[&anna, &carl]).await;
    const RECEIVED: &str = "subscription { notificationReceived { kind text } }";
    let mut annas = WsClient::connect_authenticated(&sibling.ws_url(), &anna.token).await;
    annas.subscribe("1", RECEIVED, json!({})).await;
    let mut carls = WsClient::connect_authenticated(&sibling.ws_url(), &carl.token).await;
    carls.subscribe("1", RECEIVED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    say(&app, &ben, &team, "Bonjour @anna").await;

    let message = annas.next_message().await;
    assert_eq!(message["type"], "next", "{message}");
    let notification = &message["payload"]["data"]["notificationReceived"];
    assert_eq!(notification["kind"], "MENTION");
    assert_eq!(
        notification["text"],
        "Test ben mentioned you in “Bonjour @anna”"
    );
    settle(&app).await;
    while let Some(frame) = carls.receive_within(Duration::from_secs(2)).await {
        match frame {
            Received::Message(message) => {
                assert_ne!(message["type"], "next", "carl heard of it: {message}")
            }
            closed => panic!("carl's subscription closed: {closed:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_received_shows_each_subject_as_it_is_when_delivered() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let carl = app.member("carl").await;
    let team = group_of(&app, &anna, "Team", &[&ben, &carl]).await;
    let annas = post(
        &app,
        &anna,
        &team,
        json!({ "title": "Avant", "body": "Mon bilan" }),
    )
    .await;
    const RECEIVED: &str =
        "subscription { notificationReceived { subject { ... on Post { title } } } }";
    let mut subscriber = WsClient::connect_authenticated(&app.ws_url(), &anna.token).await;
    subscriber.subscribe("1", RECEIVED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let subject_title = |message: Value| {
        message["payload"]["data"]["notificationReceived"]["subject"]["title"].clone()
    };
    comment(&app, &ben, &annas, None).await;
    assert_eq!(subject_title(subscriber.next_message().await), "Avant");

    run(
        &app,
        &anna,
        "mutation($id: ID!) { updatePost(input: { postId: $id, title: \"Après\" }) { post { id } } }",
        json!({ "id": annas }),
    )
    .await;
    comment(&app, &carl, &annas, None).await;

    assert_eq!(subject_title(subscriber.next_message().await), "Après");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_deleted_before_delivery_notifies_no_one() {
    // The worker runs once at start, then not for a minute: this test runs the jobs itself.
    let app = TestApp::spawn_configured(|config| {
        config.job_poll_interval = Duration::from_secs(60);
    })
    .await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let team = group_of(&app, &anna, "Team", &[&ben]).await;
    let annas = say(&app, &anna, &team, "Mon bilan").await;
    let deleted = comment(&app, &ben, &annas, None).await;
    run(
        &app,
        &ben,
        "mutation($c: ID!) { deleteComment(input: { commentId: $c }) { deletedCommentId } }",
        json!({ "c": deleted }),
    )
    .await;

    parvis::jobs::run_due(&app.app.services).await.unwrap();

    settle(&app).await;
    assert!(notifications(&app, &anna).await.is_empty());
}

/// Three mentions of anna by ben, each delivered before the next (so they are ordered in time).
async fn three_mentions(app: &TestApp) -> (TestUser, TestUser, Vec<Value>) {
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let team = group_of(app, &ben, "Team", &[&anna]).await;
    for n in 1..=3 {
        say(app, &ben, &team, &format!("Message {n} pour @anna")).await;
        wait_for_notifications(app, &anna, n).await;
    }
    let received = notifications(app, &anna).await;
    (anna, ben, received)
}

async fn counts(app: &TestApp, user: &TestUser) -> (i64, i64) {
    let data = run(app, user, COUNTS, json!({})).await;
    let viewer = &data["viewer"];
    (
        viewer["unreadNotificationCount"].as_i64().unwrap(),
        viewer["unseenNotificationCount"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn marking_seen_and_read_updates_the_counts() {
    let app = TestApp::spawn().await;
    let (anna, _, received) = three_mentions(&app).await;
    let (newest, oldest) = (&received[0], &received[2]);
    assert_eq!(counts(&app, &anna).await, (3, 3));

    let seen = run(
        &app,
        &anna,
        "mutation { markNotificationsSeen(input: {}) { unseenNotificationCount } }",
        json!({}),
    )
    .await;
    assert_eq!(seen["markNotificationsSeen"]["unseenNotificationCount"], 0);
    assert_eq!(counts(&app, &anna).await, (3, 0));

    let by_id = json!({ "input": { "notificationIds": [newest["id"]] } });
    let read = run(&app, &anna, MARK_READ, by_id).await;
    assert_eq!(
        read["markNotificationsRead"],
        json!({ "notifications": [{ "id": newest["id"] }], "unreadNotificationCount": 2 })
    );

    let before = json!({ "input": { "before": oldest["updatedAt"] } });
    let read = run(&app, &anna, MARK_READ, before).await;
    assert_eq!(
        read["markNotificationsRead"],
        json!({ "notifications": [{ "id": oldest["id"] }], "unreadNotificationCount": 1 })
    );

    let read = run(&app, &anna, MARK_READ, json!({ "input": {} })).await;
    assert_eq!(read["markNotificationsRead"]["unreadNotificationCount"], 0);
    let reads: Vec<Value> = notifications(&app, &anna)
        .await
        .iter()
        .map(|notification| notification["read"].clone())
        .collect();
    assert_eq!(reads, [true, true, true]);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_persons_notification_is_not_found() {
    let app = TestApp::spawn().await;
    let (anna, ben, received) = three_mentions(&app).await;
    const NODE: &str = "query($id: ID!) { node(id: $id) { ... on Notification { id kind } } }";
    let variables = json!({ "id": received[0]["id"] });

    let own = run(&app, &anna, NODE, variables.clone()).await;
    assert_eq!(own["node"]["kind"], "MENTION");
    let response = app.graphql(Some(&ben), NODE, variables).await;
    assert_eq!(error_code(&response), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_turned_off_delivers_nothing() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let team = group_of(&app, &anna, "Team", &[&ben]).await;
    let off = json!({ "input": { "preferences": [{ "kind": "MENTION", "delivery": "OFF" }] } });
    let settings = run(&app, &anna, SETTINGS, off).await;
    let preferences =
        &settings["updateNotificationSettings"]["notificationSettings"]["preferences"];
    assert!(
        preferences
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "MENTION", "delivery": "OFF" })),
        "{preferences}"
    );

    let annas = say(&app, &ben, &team, "Bonjour @anna").await;
    run(&app, &ben, REACT, json!({ "id": annas })).await;
    settle(&app).await;

    assert!(notifications(&app, &anna).await.is_empty());
    let own = say(&app, &anna, &team, "Mon bilan").await;
    run(&app, &ben, REACT, json!({ "id": own })).await;
    settle(&app).await;
    assert_eq!(kinds(&notifications(&app, &anna).await), ["REACTION"]);
}

const DEFAULTS: &str = "mutation($input: UpdateNotificationDefaultsInput!) {
    updateNotificationDefaults(input: $input) { notificationDefaults { kind delivery } } }";

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_changes_the_default_delivery_of_a_kind() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anna = app.member("anna").await;
    let ben = app.member("ben").await;
    let team = group_of(&app, &anna, "Team", &[&ben]).await;
    let off = json!({ "input": { "defaults": [{ "kind": "REACTION", "delivery": "OFF" }] } });
    let defaults = run(&app, &admin, DEFAULTS, off).await;
    assert!(
        defaults["updateNotificationDefaults"]["notificationDefaults"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "REACTION", "delivery": "OFF" }))
    );
    let settings = run(
        &app,
        &anna,
        "{ viewer { notificationSettings { preferences { kind delivery organizationDefault custom } } } }",
        json!({}),
    )
    .await;
    assert!(
        settings["viewer"]["notificationSettings"]["preferences"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "REACTION", "delivery": "OFF",
                               "organizationDefault": "OFF", "custom": false }))
    );
    // The British spelling the field had before issue 19 still answers, deprecated.
    const DEPRECATED: &str = "{ viewer { notificationSettings { preferences {
        kind organisationDefault } } } }"; // deprecated
    let settings = run(&app, &anna, DEPRECATED, json!({})).await;
    assert!(
        settings["viewer"]["notificationSettings"]["preferences"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "REACTION", "organisationDefault": "OFF" })) // deprecated
    );

    let annas = say(&app, &anna, &team, "Mon bilan").await;
    run(&app, &ben, REACT, json!({ "id": annas })).await;
    comment(&app, &ben, &annas, None).await;
    settle(&app).await;
    assert_eq!(kinds(&notifications(&app, &anna).await), ["COMMENT"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_change_the_defaults_or_message_everyone() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let off = json!({ "input": { "defaults": [{ "kind": "REACTION", "delivery": "OFF" }] } });
    let response = app.graphql(Some(&anna), DEFAULTS, off).await;
    assert_eq!(error_code(&response), "FORBIDDEN");
    let response = app
        .graphql(
            Some(&anna),
            "mutation { sendAdminMessage(input: { title: \"Hello\", body: \"\" }) { queued } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anna = app.member("anna").await;
    let both = json!({ "input": { "notificationIds": [], "before": Utc::now() } });
    let response = app.graphql(Some(&anna), MARK_READ, both).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    let response = app
        .graphql(
            Some(&admin),
            "mutation { sendAdminMessage(input: { title: \"  \", body: \"Rien\" }) { queued } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_fills_inboxes_with_its_recent_comments_reactions_and_the_charter() {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Kind {
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        most_actors: i32,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.db().connect().await.unwrap();
    parvis::demo::seed(&mut conn, &app.app.services.storage)
        .await
        .unwrap();
    common::wait_for_no_job(&app, "notify").await;
    let kinds: Vec<Kind> = diesel::sql_query(
        "SELECT kind, max(actor_count) AS most_actors FROM notifications GROUP BY kind",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let most_actors = |wanted: &str| {
        kinds
            .iter()
            .find(|kind| kind.kind == wanted)
            .map(|kind| kind.most_actors)
    };
    assert!(most_actors("comment").is_some(), "comments notified");
    assert!(
        most_actors("reaction").is_some_and(|actors| actors > 1),
        "reactions collapsed into one notification per post"
    );
    let olivia = app.existing_user("olivia.smith").await;
    let charter = notifications(&app, &olivia).await;
    assert!(
        charter.iter().any(
            |notification| notification["kind"] == "ACKNOWLEDGEMENT_REQUESTED"
                && notification["text"]
                    .as_str()
                    .is_some_and(|text| text.contains("Charte informatique 2026"))
        ),
        "{charter:?}"
    );
}

/// How a post reaches the feed in `a_post_notifies_alike_however_it_is_published`.
#[derive(Debug, Clone, Copy)]
enum PublishedBy {
    Api,
    Webhook,
    Schedule,
}

/// Publishes `body` into `group` (which `manager` manages) by `path`.
async fn publish_by(
    app: &TestApp,
    manager: &TestUser,
    group: &TestGroup,
    body: &str,
    path: PublishedBy,
) {
    match path {
        PublishedBy::Api => {
            say(app, manager, group, body).await;
        }
        PublishedBy::Schedule => {
            let at = (Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
            post(
                app,
                manager,
                group,
                json!({ "body": body, "publishAt": at }),
            )
            .await;
        }
        PublishedBy::Webhook => {
            let created = run(
                app,
                manager,
                "mutation($g: ID!) { createGroupWebhook(input: { groupId: $g, name: \"Jenkins\" }) { url } }",
                json!({ "g": group.id }),
            )
            .await;
            let url = created["createGroupWebhook"]["url"].as_str().unwrap();
            let response = app
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(json!({ "text": body }).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 201);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_notifies_alike_however_it_is_published() {
    let mut heard = Vec::new();
    for path in [
        PublishedBy::Api,
        PublishedBy::Webhook,
        PublishedBy::Schedule,
    ] {
        let app = TestApp::spawn().await;
        let manager = app.member("manager").await;
        let anna = app.member("anna").await;
        let ben = app.member("ben").await;
        let team = group_of(&app, &manager, "Team", &[&anna, &ben]).await;
        let body = format!("Bilan pour @anna et toute l'équipe @{}", team.slug);

        publish_by(&app, &manager, &team, &body, path).await;

        // One job tells everyone of a post.
        wait_for_notifications(&app, &anna, 1).await;
        settle(&app).await;
        let anna_heard = notifications(&app, &anna).await;
        let ben_heard = notifications(&app, &ben).await;
        heard.push((
            path,
            kinds(&anna_heard).join(","),
            kinds(&ben_heard).join(","),
        ));
    }

    for (path, anna, ben) in &heard {
        assert_eq!(
            (anna.as_str(), ben.as_str()),
            ("MENTION", "GROUP_MENTION"),
            "published by {path:?}"
        );
    }
}

/// For each `i` of `range`, "auteur{i}" mentions anna in a post of their group "Équipe {i}" and
/// invites her to its event "Réunion {i}", both delivered before the next `i`.
async fn mentions_and_invitations(app: &TestApp, anna: &TestUser, range: std::ops::Range<usize>) {
    for i in range {
        let author = app.member(&format!("auteur{i}")).await;
        let team = group_of(app, &author, &format!("Équipe {i}"), &[anna]).await;
        say(app, &author, &team, &format!("Bonjour @anna {i}")).await;
        let later = Utc::now() + chrono::Duration::days(7);
        let meeting = json!({ "title": format!("Réunion {i}"), "startsAt": later,
                              "endsAt": later + chrono::Duration::hours(1) });
        let event = create_event(app, &author, &team, meeting).await;
        run(
            app,
            &author,
            "mutation($e: ID!, $u: [ID!]!) { inviteToEvent(input: { eventId: $e, userIds: $u }) { invitations { status } } }",
            json!({ "e": event, "u": [anna.id] }),
        )
        .await;
        settle(app).await;
    }
}

/// The statements a page of anna's notifications of `kind` with `selection` costs with one such
/// notification, then with six, and the six, most recent first.
async fn notification_statements_at_one_and_six(
    kind: &str,
    selection: &str,
) -> (u64, u64, Vec<Value>) {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let query = format!(
        "{{ viewer {{ notifications(first: 20, filter: {{ kinds: [{kind}] }}) {{
             edges {{ node {{ {selection} }} }} }} }} }}"
    );
    mentions_and_invitations(&app, &anna, 0..1).await;
    let (one, _) = app.statements_of(&anna, &query, json!({})).await;
    mentions_and_invitations(&app, &anna, 1..6).await;
    let (six, response) = app.statements_of(&anna, &query, json!({})).await;
    let nodes = response["data"]["viewer"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    (one, six, nodes)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_actors_of_a_notifications_page_cost_the_same_statements_for_one_notification_or_many()
{
    let (one, six, notifications) =
        notification_statements_at_one_and_six("MENTION", "actorCount actors { username } text")
            .await;

    let actors: Vec<Value> = notifications
        .iter()
        .map(|notification| json!({ "actorCount": notification["actorCount"], "actors": notification["actors"] }))
        .collect();
    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "actorCount": 1, "actors": [{ "username": format!("auteur{i}") }] }))
        .collect();
    assert_eq!(actors, expected);
    for (notification, i) in notifications.iter().zip((0..6).rev()) {
        let text = notification["text"].as_str().unwrap();
        assert!(text.contains(&format!("Test auteur{i}")), "{text}");
    }
    assert_eq!(one, six, "1 notification: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_groups_of_a_notifications_page_cost_the_same_statements_for_one_notification_or_many()
{
    let (one, six, notifications) =
        notification_statements_at_one_and_six("MENTION", "group { name }").await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "group": { "name": format!("Équipe {i}") } }))
        .collect();
    assert_eq!(notifications, expected);
    assert_eq!(one, six, "1 notification: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_posts_of_a_notifications_page_cost_the_same_statements_for_one_notification_or_many() {
    let (one, six, notifications) =
        notification_statements_at_one_and_six("MENTION", "subject { ... on Post { body } }").await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "subject": { "body": format!("Bonjour @anna {i}") } }))
        .collect();
    assert_eq!(notifications, expected);
    assert_eq!(one, six, "1 notification: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_events_of_a_notifications_page_cost_the_same_statements_for_one_notification_or_many()
{
    let (one, six, notifications) = notification_statements_at_one_and_six(
        "EVENT_INVITATION",
        "subject { ... on Event { title } }",
    )
    .await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "subject": { "title": format!("Réunion {i}") } }))
        .collect();
    assert_eq!(notifications, expected);
    assert_eq!(one, six, "1 notification: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_subjects_of_a_notifications_page_are_null_where_the_viewer_may_no_longer_see_them() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    mentions_and_invitations(&app, &anna, 0..3).await;
    // "Équipe 1" turns secret and anna leaves it: its post and event are hidden from her now,
    // while the other subjects of the same page (read in the same batch) stay visible.
    let mut conn = app.db().connect().await.expect("connect");
    for sql in [
        "UPDATE groups SET visibility = 'secret', join_policy = 'invite_only' WHERE name = 'Équipe 1'",
        "DELETE FROM group_memberships WHERE user_id = (SELECT id FROM users WHERE username = 'anna')
           AND group_id = (SELECT id FROM groups WHERE name = 'Équipe 1')",
    ] {
        diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn)
            .await
            .expect("hide Équipe 1 from anna");
    }
    let data = run(
        &app,
        &anna,
        "{ viewer { notifications(first: 20, filter: { kinds: [MENTION, EVENT_INVITATION] }) {
             edges { node { kind subject { ... on Post { body } ... on Event { title } } } } } } }",
        json!({}),
    )
    .await;

    // Each kind in its own order (most recent first): the two jobs of one `i` may finish in
    // either order.
    let edges = data["viewer"]["notifications"]["edges"].as_array().unwrap();
    let subjects_of = |kind: &str| -> Vec<Value> {
        edges
            .iter()
            .filter(|edge| edge["node"]["kind"] == kind)
            .map(|edge| edge["node"]["subject"].clone())
            .collect()
    };
    let shown_unless_hidden = |i: usize, subject: Value| if i == 1 { Value::Null } else { subject };
    let posts: Vec<Value> = (0..3)
        .rev()
        .map(|i| shown_unless_hidden(i, json!({ "body": format!("Bonjour @anna {i}") })))
        .collect();
    let events: Vec<Value> = (0..3)
        .rev()
        .map(|i| shown_unless_hidden(i, json!({ "title": format!("Réunion {i}") })))
        .collect();
    assert_eq!(subjects_of("MENTION"), posts);
    assert_eq!(subjects_of("EVENT_INVITATION"), events);
}
