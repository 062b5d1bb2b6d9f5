//! The chat permission tables, run against the real API: who may read, write in, join and run a
//! group's room, by org role × group role × the group's visibility; and who sees direct and
//! group conversations.
//!
//! Outcomes: `A` allowed, `D` denied (FORBIDDEN, or `viewerCan…` false), `N` not found (the
//! room stays invisible). Each cell runs on a fresh room of a group owned by someone else.

mod common;

use common::groups::TestGroup;
use common::{TestApp, TestUser, error_code, run_sql};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

#[rustfmt::skip]
const ROOM_MATRIX: &[(&str, &str, &str)] = &[
    //                             org ADMIN     org MEMBER    org GUEST
    // action      visibility      -  M  Mg O    -  M  Mg O    -  M  Mg O
    ("read",       "PUBLIC",      "A  A  A  A    A  A  A  A    N  A  A  A"),
    ("read",       "PRIVATE",     "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("read",       "SECRET",      "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("write",      "PUBLIC",      "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("write",      "PRIVATE",     "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("write",      "SECRET",      "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("read-only",  "PUBLIC",      "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("join",       "PUBLIC",      "A  D  D  D    A  D  D  D    N  D  D  D"),
    ("join",       "PRIVATE",     "A  D  D  D    N  D  D  D    N  D  D  D"),
    ("manage",     "PUBLIC",      "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("manage",     "SECRET",      "A  A  A  A    N  D  A  A    N  D  A  A"),
    ("delete",     "PRIVATE",     "A  A  A  A    N  D  A  A    N  D  A  A"),
];

const GROUP_ROLES: [Option<GroupRole>; 4] = [
    None,
    Some(GroupRole::Member),
    Some(GroupRole::Manager),
    Some(GroupRole::Owner),
];

fn visibility(name: &str) -> Visibility {
    match name {
        "PUBLIC" => Visibility::Public,
        "PRIVATE" => Visibility::Private,
        _ => Visibility::Secret,
    }
}

/// A room of `group` made by its owner (read-only when asked).
async fn room(app: &TestApp, owner: &TestUser, group: &TestGroup, read_only: bool) -> String {
    let response = app
        .graphql(
            Some(owner),
            "mutation($g: ID!, $r: Boolean!) { createChatRoom(input: { groupId: $g, name: \"général\", readOnly: $r }) { conversation { id } } }",
            json!({ "g": group.id, "r": read_only }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["createChatRoom"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs `action` on `room` as `viewer` and names the outcome.
async fn outcome(app: &TestApp, viewer: &TestUser, action: &str, room: &str) -> char {
    let (query, asked) = match action {
        "read" => ("query($c: ID!) { node(id: $c) { id } }", None),
        "write" | "read-only" => (
            "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Bonjour\" }) { message { id } } }",
            None,
        ),
        "join" => (
            "query($c: ID!) { node(id: $c) { ... on Conversation { viewerCanJoin } } }",
            Some("viewerCanJoin"),
        ),
        "manage" => (
            "mutation($c: ID!) { updateConversation(input: { conversationId: $c, readOnly: true }) { conversation { id } } }",
            None,
        ),
        "delete" => (
            "mutation($c: ID!) { deleteConversation(input: { conversationId: $c }) { deletedConversationId } }",
            None,
        ),
        other => panic!("no such action {other}"),
    };
    let response = app.graphql(Some(viewer), query, json!({ "c": room })).await;
    let refused = asked.is_some_and(|field| response["data"]["node"][field] == Value::Bool(false));
    match response["errors"][0]["extensions"]["code"].as_str() {
        None if refused => 'D',
        None if response["data"]["node"].is_null() && action == "read" => 'N',
        None => 'A',
        Some("FORBIDDEN") => 'D',
        Some("NOT_FOUND") => 'N',
        Some(other) => panic!("{action}: unexpected {other}: {response}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chat_room_permission_matrix_holds() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let viewers = [
        (
            OrgRole::Admin,
            app.create_user("admin", OrgRole::Admin).await,
        ),
        (
            OrgRole::Member,
            app.create_user("member", OrgRole::Member).await,
        ),
        (
            OrgRole::Guest,
            app.create_user("guest", OrgRole::Guest).await,
        ),
    ];
    let mut mismatches = Vec::new();
    for (row, (action, visibility_name, expected)) in ROOM_MATRIX.iter().enumerate() {
        let expected: Vec<char> = expected.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(expected.len(), 12, "row {row} needs 12 outcomes");
        let cells = viewers.iter().flat_map(|(org_role, viewer)| {
            GROUP_ROLES
                .into_iter()
                .map(move |role| (org_role, viewer, role))
        });
        let actual: Vec<char> = futures::future::join_all(cells.map(|(org_role, viewer, role)| {
            let (app, owner) = (&app, &owner);
            async move {
                let name = format!("{action} {visibility_name} {org_role:?} {role:?} {row}");
                let group = app
                    .create_group(owner, &name, visibility(visibility_name))
                    .await;
                if let Some(role) = role {
                    app.add_member(&group, viewer, role).await;
                }
                let room = room(app, owner, &group, *action == "read-only").await;
                outcome(app, viewer, action, &room).await
            }
        }))
        .await;
        if actual != expected {
            mismatches.push(format!(
                "{action:>10} {visibility_name:<8} expected {} got {}",
                expected.iter().collect::<String>(),
                actual.iter().collect::<String>()
            ));
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

async fn open_direct(app: &TestApp, viewer: &TestUser, other: &TestUser) -> Value {
    app.graphql(
        Some(viewer),
        "mutation($u: ID!) { openDirectConversation(input: { userId: $u }) { conversation { id kind viewerCanPost } } }",
        json!({ "u": other.id }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_conversation_is_its_two_peoples_alone_admins_included() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let opened = open_direct(&app, &alice, &bob).await;
    let id = &opened["data"]["openDirectConversation"]["conversation"]["id"];
    for (who, expected) in [(&alice, "A"), (&bob, "A"), (&admin, "N")] {
        let response = app
            .graphql(
                Some(who),
                "query($c: ID!) { node(id: $c) { id } }",
                json!({ "c": id }),
            )
            .await;
        let seen = if response["data"]["node"].is_null() {
            "N"
        } else {
            "A"
        };
        assert_eq!(seen, expected, "{response}");
    }
    let send = app
        .graphql(
            Some(&admin),
            "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Hi\" }) { message { id } } }",
            json!({ "c": id }),
        )
        .await;
    assert_eq!(error_code(&send), "NOT_FOUND", "{send}");
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_a_direct_conversation_twice_from_either_side_gives_the_same_one() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let first = open_direct(&app, &alice, &bob).await;
    let again = open_direct(&app, &alice, &bob).await;
    let other_side = open_direct(&app, &bob, &alice).await;
    let id =
        |response: &Value| response["data"]["openDirectConversation"]["conversation"]["id"].clone();
    assert_eq!(
        first["data"]["openDirectConversation"]["conversation"]["kind"],
        "DIRECT"
    );
    assert_eq!(id(&first), id(&again));
    assert_eq!(id(&first), id(&other_side));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_opens_direct_conversations_only_with_people_of_their_groups() {
    let app = TestApp::spawn().await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let colleague = app.member("colleague").await;
    let stranger = app.member("stranger").await;
    let group = app
        .create_group(&colleague, "Projet", Visibility::Private)
        .await;
    app.add_member(&group, &guest, GroupRole::Member).await;
    let allowed = open_direct(&app, &guest, &colleague).await;
    assert!(allowed["errors"].is_null(), "{allowed}");
    let refused = open_direct(&app, &guest, &stranger).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "userId",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_conversation_with_a_deactivated_person_stays_readable_but_read_only() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let opened = open_direct(&app, &alice, &bob).await;
    let id = opened["data"]["openDirectConversation"]["conversation"]["id"].clone();
    run_sql(
        &app,
        &format!(
            "UPDATE users SET status = 'deactivated' WHERE id = '{}'",
            bob.uuid
        ),
    )
    .await;
    let reopened = open_direct(&app, &alice, &bob).await;
    assert_eq!(
        reopened["data"]["openDirectConversation"]["conversation"]["viewerCanPost"], false,
        "{reopened}"
    );
    let send = app
        .graphql(
            Some(&alice),
            "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Tu es là ?\" }) { message { id } } }",
            json!({ "c": id }),
        )
        .await;
    assert_eq!(error_code(&send), "FORBIDDEN", "{send}");
}

async fn create_group_conversation(
    app: &TestApp,
    viewer: &TestUser,
    others: &[&TestUser],
) -> Value {
    let ids: Vec<&str> = others.iter().map(|user| user.id.as_str()).collect();
    app.graphql(
        Some(viewer),
        "mutation($u: [ID!]!) { createGroupConversation(input: { userIds: $u, name: \"Déjeuner\" }) { conversation { id kind name participants { username } } } }",
        json!({ "u": ids }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_conversation_takes_three_to_twenty_people() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let carol = app.member("carol").await;
    let too_few = create_group_conversation(&app, &alice, &[&bob]).await;
    assert_eq!(error_code(&too_few), "BAD_USER_INPUT", "{too_few}");
    let made = create_group_conversation(&app, &alice, &[&bob, &carol]).await;
    let conversation = &made["data"]["createGroupConversation"]["conversation"];
    assert_eq!(conversation["kind"], "GROUP_DIRECT", "{made}");
    assert_eq!(conversation["name"], "Déjeuner");
    assert_eq!(
        conversation["participants"],
        json!([{ "username": "alice" }, { "username": "bob" }, { "username": "carol" }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_who_leaves_a_group_conversation_no_longer_finds_it() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let carol = app.member("carol").await;
    let dave = app.member("dave").await;
    let made = create_group_conversation(&app, &alice, &[&bob, &carol]).await;
    let id = made["data"]["createGroupConversation"]["conversation"]["id"].clone();
    let added = app
        .graphql(
            Some(&bob),
            "mutation($c: ID!, $u: [ID!]!) { addConversationMembers(input: { conversationId: $c, userIds: $u }) { conversation { participants { username } } } }",
            json!({ "c": id, "u": [dave.id] }),
        )
        .await;
    assert_eq!(
        added["data"]["addConversationMembers"]["conversation"]["participants"][3]["username"],
        "dave",
        "{added}"
    );
    let left = app
        .graphql(
            Some(&carol),
            "mutation($c: ID!) { leaveConversation(input: { conversationId: $c }) { leftConversationId } }",
            json!({ "c": id }),
        )
        .await;
    assert!(left["errors"].is_null(), "{left}");
    let after = app
        .graphql(
            Some(&carol),
            "query($c: ID!) { node(id: $c) { id } }",
            json!({ "c": id }),
        )
        .await;
    assert_eq!(error_code(&after), "NOT_FOUND", "{after}");
}

async fn export(app: &TestApp, viewer: &TestUser, conversation: &Value) -> (u16, String) {
    let id = conversation.as_str().unwrap();
    let response = app
        .http
        .get(app.url(&format!("/admin/conversations/{id}/export.jsonl")))
        .bearer_auth(&viewer.token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn org_admins_export_any_conversation_for_a_legal_hold_and_each_export_is_audited() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let carol = app.member("carol").await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let opened = open_direct(&app, &alice, &bob).await;
    let id = opened["data"]["openDirectConversation"]["conversation"]["id"].clone();
    for body in ["Premier", "Second"] {
        let sent = app
            .graphql(
                Some(&alice),
                "mutation($c: ID!, $b: String!) { sendMessage(input: { conversationId: $c, body: $b }) { message { id } } }",
                json!({ "c": id, "b": body }),
            )
            .await;
        assert!(sent["errors"].is_null(), "{sent}");
    }
    let (status, text) = export(&app, &admin, &id).await;
    assert_eq!(status, 200, "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["members"], json!(["alice", "bob"]));
    assert_eq!(lines[1]["body"], "Premier");
    assert_eq!(lines[2]["author"], "alice");
    assert_eq!(lines.len(), 3);
    assert_eq!(
        export(&app, &alice, &id).await.0,
        403,
        "a member may read, not export"
    );
    assert_eq!(
        export(&app, &carol, &id).await.0,
        404,
        "an outsider learns nothing"
    );
    let audited = common::texts_of(
        &app,
        "SELECT action AS text FROM audit_log WHERE target_type = 'Conversation'",
    )
    .await;
    assert_eq!(audited, ["exportConversation"]);
}
