//! Chat: sending, editing and deleting messages, history in both directions, threads, read
//! state and receipts, mentions, the conversation list, and live delivery across instances.

mod common;

use std::time::Duration;

use common::groups::TestGroup;
use common::ws::{Received, WsClient};
use common::{TestApp, TestUser, error_code, run_sql, texts_of};
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};

const SEND: &str = "mutation($c: ID!, $b: String!, $k: String, $r: ID) {
    sendMessage(input: { conversationId: $c, body: $b, clientId: $k, replyToId: $r }) {
        message { id body bodyHtml replyCount } } }";

/// A group of `owner` with `members`, and a room in it.
async fn room_with(
    app: &TestApp,
    owner: &TestUser,
    members: &[&TestUser],
    name: &str,
) -> (TestGroup, String) {
    let group = app.create_group(owner, name, Visibility::Private).await;
    for member in members {
        app.add_member(&group, member, GroupRole::Member).await;
    }
    let response = app
        .graphql(
            Some(owner),
            "mutation($g: ID!, $n: String!) { createChatRoom(input: { groupId: $g, name: $n }) { conversation { id } } }",
            json!({ "g": group.id, "n": name }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let id = response["data"]["createChatRoom"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (group, id)
}

async fn send(app: &TestApp, author: &TestUser, conversation: &str, body: &str) -> Value {
    send_with(app, author, json!({ "c": conversation, "b": body })).await
}

async fn send_with(app: &TestApp, author: &TestUser, variables: Value) -> Value {
    let response = app.graphql(Some(author), SEND, variables).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["sendMessage"]["message"].clone()
}

async fn conversation(app: &TestApp, viewer: &TestUser, id: &str, fields: &str) -> Value {
    let response = app
        .graphql(
            Some(viewer),
            &format!("query($c: ID!) {{ node(id: $c) {{ ... on Conversation {{ {fields} }} }} }}"),
            json!({ "c": id }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["node"].clone()
}

fn bodies(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["node"]["body"]
                .as_str()
                .unwrap_or("(deleted)")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_is_rendered_from_markdown_and_sanitized() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    let message = send(
        &app,
        &owner,
        &room,
        "**Réunion** à 10h <script>alert(1)</script>",
    )
    .await;
    let html = message["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>Réunion</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_oversized_messages_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    for body in ["   ".to_owned(), "é".repeat(9_000)] {
        let response = app
            .graphql(Some(&owner), SEND, json!({ "c": room, "b": body }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(
            response["errors"][0]["extensions"]["field"], "body",
            "{response}"
        );
    }
    let history = conversation(&app, &owner, &room, "messages { totalCount }").await;
    assert_eq!(history["messages"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sending_twice_with_the_same_client_id_makes_one_message() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    let variables = json!({ "c": room, "b": "Une fois", "k": "client-42" });
    let (first, second) = futures::join!(
        send_with(&app, &owner, variables.clone()),
        send_with(&app, &owner, variables.clone())
    );
    let third = send_with(&app, &owner, variables).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["id"], third["id"]);
    let history = conversation(&app, &owner, &room, "messages { totalCount }").await;
    assert_eq!(history["messages"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_back_from_the_newest_and_forward_to_catch_up() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    for i in 1..=7 {
        send(&app, &owner, &room, &format!("m{i}")).await;
    }
    let page = "edges { node { body } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } totalCount";
    let newest = conversation(
        &app,
        &owner,
        &room,
        &format!("messages(last: 3) {{ {page} }}"),
    )
    .await;
    assert_eq!(bodies(&newest["messages"]), ["m5", "m6", "m7"]);
    assert_eq!(newest["messages"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(newest["messages"]["totalCount"], 7);
    let before = newest["messages"]["pageInfo"]["startCursor"]
        .as_str()
        .unwrap();
    let older = conversation(
        &app,
        &owner,
        &room,
        &format!("messages(last: 3, before: \"{before}\") {{ {page} }}"),
    )
    .await;
    assert_eq!(bodies(&older["messages"]), ["m2", "m3", "m4"]);
    let end = newest["messages"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap();
    send(&app, &owner, &room, "m8").await;
    let caught_up = conversation(
        &app,
        &owner,
        &room,
        &format!("messages(first: 10, after: \"{end}\") {{ {page} }}"),
    )
    .await;
    assert_eq!(bodies(&caught_up["messages"]), ["m8"]);
    assert_eq!(caught_up["messages"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn around_opens_the_history_at_a_message() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    let mut ids = Vec::new();
    for i in 1..=9 {
        ids.push(send(&app, &owner, &room, &format!("m{i}")).await["id"].clone());
    }
    let opened = conversation(
        &app,
        &owner,
        &room,
        &format!("messages(first: 4, around: {}) {{ edges {{ node {{ body }} }} pageInfo {{ hasPreviousPage hasNextPage }} }}", ids[4]),
    )
    .await;
    assert_eq!(bodies(&opened["messages"]), ["m3", "m4", "m5", "m6"]);
    assert_eq!(opened["messages"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(opened["messages"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_message_is_marked_and_only_its_author_edits_it() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let message = send(&app, &member, &room, "Bonjour à tous").await;
    let edit = "mutation($m: ID!, $b: String!) { editMessage(input: { messageId: $m, body: $b }) { message { body editedAt } } }";
    let by_owner = app
        .graphql(
            Some(&owner),
            edit,
            json!({ "m": message["id"], "b": "Piraté" }),
        )
        .await;
    assert_eq!(error_code(&by_owner), "FORBIDDEN", "{by_owner}");
    let edited = app
        .graphql(
            Some(&member),
            edit,
            json!({ "m": message["id"], "b": "Bonjour à toutes et tous" }),
        )
        .await;
    let edited = &edited["data"]["editMessage"]["message"];
    assert_eq!(edited["body"], "Bonjour à toutes et tous");
    assert!(edited["editedAt"].is_string(), "{edited}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manager_deletes_anyones_message_leaving_an_audited_tombstone() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let other = app.member("other").await;
    let (_, room) = room_with(&app, &owner, &[&member, &other], "Général").await;
    let message = send(&app, &member, &room, "Hors sujet").await;
    let delete = "mutation($m: ID!) { deleteMessage(input: { messageId: $m }) { message { body bodyHtml deletedAt } } }";
    let by_other = app
        .graphql(Some(&other), delete, json!({ "m": message["id"] }))
        .await;
    assert_eq!(error_code(&by_other), "FORBIDDEN", "{by_other}");
    let deleted = app
        .graphql(Some(&owner), delete, json!({ "m": message["id"] }))
        .await;
    let tombstone = &deleted["data"]["deleteMessage"]["message"];
    assert_eq!(tombstone["body"], Value::Null, "{deleted}");
    assert!(tombstone["deletedAt"].is_string());
    let history = conversation(
        &app,
        &member,
        &room,
        "messages { totalCount edges { node { body deletedAt } } }",
    )
    .await;
    assert_eq!(
        history["messages"]["totalCount"], 1,
        "the tombstone stays in the history"
    );
    let audited = texts_of(
        &app,
        "SELECT action AS text FROM audit_log WHERE target_type = 'Message'",
    )
    .await;
    assert_eq!(audited, ["deleteMessage"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_form_a_thread_on_their_root() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let root = send(&app, &owner, &room, "Qui vient vendredi ?").await;
    let reply = send_with(
        &app,
        &member,
        json!({ "c": room, "b": "Moi", "r": root["id"] }),
    )
    .await;
    send_with(
        &app,
        &owner,
        json!({ "c": room, "b": "Super", "r": root["id"] }),
    )
    .await;
    let to_reply = app
        .graphql(
            Some(&owner),
            SEND,
            json!({ "c": room, "b": "Non", "r": reply["id"] }),
        )
        .await;
    assert_eq!(error_code(&to_reply), "BAD_USER_INPUT", "{to_reply}");
    let response = app
        .graphql(
            Some(&owner),
            "query($m: ID!) { node(id: $m) { ... on Message { replyCount lastReplyAt threadParticipants { username } thread(first: 10) { totalCount edges { node { body replyTo { body } } } } } } }",
            json!({ "m": root["id"] }),
        )
        .await;
    let root = &response["data"]["node"];
    assert_eq!(root["replyCount"], 2, "{response}");
    assert!(root["lastReplyAt"].is_string());
    assert_eq!(
        root["threadParticipants"],
        json!([{ "username": "member" }, { "username": "owner" }])
    );
    assert_eq!(bodies(&root["thread"]), ["Moi", "Super"]);
    assert_eq!(
        root["thread"]["edges"][0]["node"]["replyTo"]["body"],
        "Qui vient vendredi ?"
    );
    let history = conversation(&app, &owner, &room, "messages { totalCount }").await;
    assert_eq!(
        history["messages"]["totalCount"], 1,
        "replies stay in their thread"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unread_and_mention_counts_follow_the_read_marker_forward_only() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let (_, room) = room_with(&app, &owner, &[&reader], "Général").await;
    let first = send(&app, &owner, &room, "Bonjour").await;
    send(&app, &owner, &room, "@reader tu peux regarder ?").await;
    let last = send(&app, &owner, &room, "Merci").await;
    let counts = "unreadCount mentionCount";
    assert_eq!(
        conversation(&app, &reader, &room, counts).await,
        json!({ "unreadCount": 3, "mentionCount": 1 })
    );
    assert_eq!(
        conversation(&app, &owner, &room, counts).await,
        json!({ "unreadCount": 0, "mentionCount": 0 })
    );
    let badge = "{ viewer { unreadConversationCount } }";
    assert_eq!(
        app.graphql(Some(&reader), badge, json!({})).await["data"]["viewer"]["unreadConversationCount"],
        1
    );
    let mark = "mutation($c: ID!, $m: ID!) { markConversationRead(input: { conversationId: $c, messageId: $m }) { conversation { unreadCount mentionCount } } }";
    let read = app
        .graphql(Some(&reader), mark, json!({ "c": room, "m": last["id"] }))
        .await;
    assert_eq!(
        read["data"]["markConversationRead"]["conversation"],
        json!({ "unreadCount": 0, "mentionCount": 0 }),
        "{read}"
    );
    let back = app
        .graphql(Some(&reader), mark, json!({ "c": room, "m": first["id"] }))
        .await;
    assert_eq!(
        back["data"]["markConversationRead"]["conversation"]["unreadCount"], 0,
        "{back}"
    );
    assert_eq!(
        app.graphql(Some(&reader), badge, json!({})).await["data"]["viewer"]["unreadConversationCount"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn people_mentioned_outside_a_room_are_not_told_it_exists() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let outsider = app.member("outsider").await;
    let (_, room) = room_with(&app, &owner, &[], "Comité").await;
    send(&app, &owner, &room, "@outsider ne doit rien savoir").await;
    let mentions = texts_of(&app, "SELECT user_id::text AS text FROM message_mentions").await;
    assert!(mentions.is_empty(), "{mentions:?}");
    let list = app
        .graphql(
            Some(&outsider),
            "{ viewer { conversations { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["data"]["viewer"]["conversations"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn read_receipts_list_who_has_read_a_direct_message() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let opened = app
        .graphql(Some(&alice), "mutation($u: ID!) { openDirectConversation(input: { userId: $u }) { conversation { id } } }", json!({ "u": bob.id }))
        .await;
    let id = opened["data"]["openDirectConversation"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let message = send(&app, &alice, &id, "Tu as vu ?").await;
    let seen = "query($m: ID!) { node(id: $m) { ... on Message { seenBy { username } } } }";
    let before = app
        .graphql(Some(&alice), seen, json!({ "m": message["id"] }))
        .await;
    assert_eq!(before["data"]["node"]["seenBy"], json!([]), "{before}");
    app.graphql(
        Some(&bob),
        "mutation($c: ID!, $m: ID!) { markConversationRead(input: { conversationId: $c, messageId: $m }) { conversation { id } } }",
        json!({ "c": id, "m": message["id"] }),
    )
    .await;
    let after = app
        .graphql(Some(&alice), seen, json!({ "m": message["id"] }))
        .await;
    assert_eq!(
        after["data"]["node"]["seenBy"],
        json!([{ "username": "bob" }]),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn joining_a_group_joins_its_rooms_with_their_history_read_and_leaving_leaves_them() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let newcomer = app.member("newcomer").await;
    let (group, room) = room_with(&app, &owner, &[], "Équipe").await;
    send(&app, &owner, &room, "Avant ton arrivée").await;
    app.add_member(&group, &newcomer, GroupRole::Member).await;
    let listed = "{ viewer { conversations { totalCount edges { node { name unreadCount } } } } }";
    let list = app.graphql(Some(&newcomer), listed, json!({})).await;
    assert_eq!(
        list["data"]["viewer"]["conversations"],
        json!({ "totalCount": 1, "edges": [{ "node": { "name": "Équipe", "unreadCount": 0 } }] }),
        "{list}"
    );
    run_sql(
        &app,
        &format!(
            "DELETE FROM group_memberships WHERE user_id = '{}'",
            newcomer.uuid
        ),
    )
    .await;
    let list = app.graphql(Some(&newcomer), listed, json!({})).await;
    assert_eq!(
        list["data"]["viewer"]["conversations"]["totalCount"], 0,
        "{list}"
    );
    let hidden = app
        .graphql(
            Some(&newcomer),
            "query($c: ID!) { node(id: $c) { id } }",
            json!({ "c": room }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conversation_list_is_ordered_by_activity_and_filters_by_name_without_accents() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, first) = room_with(&app, &owner, &[], "Café").await;
    let (_, second) = room_with(&app, &owner, &[], "Support").await;
    send(&app, &owner, &second, "Ticket").await;
    send(&app, &owner, &first, "Pause ?").await;
    let names = |response: &Value| -> Vec<String> {
        response["data"]["viewer"]["conversations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app
        .graphql(
            Some(&owner),
            "{ viewer { conversations { edges { node { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&all), ["Café", "Support"]);
    let found = app
        .graphql(
            Some(&owner),
            "{ viewer { conversations(filter: { query: \"CAFE\" }) { edges { node { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&found), ["Café"], "{found}");
    let page = app
        .graphql(
            Some(&owner),
            "{ viewer { conversations(first: 1) { pageInfo { endCursor } } } }",
            json!({}),
        )
        .await;
    let cursor = page["data"]["viewer"]["conversations"]["pageInfo"]["endCursor"].clone();
    let next = app
        .graphql(Some(&owner), "query($a: String) { viewer { conversations(first: 1, after: $a) { totalCount edges { node { name } } } } }", json!({ "a": cursor }))
        .await;
    assert_eq!(names(&next), ["Support"], "{next}");
    assert_eq!(next["data"]["viewer"]["conversations"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_of_conversations_costs_the_same_statements_for_one_or_many() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let query = "{ viewer { conversations(first: 20) { totalCount edges { node { name group { name } unreadCount mentionCount viewerCanPost lastMessage { body author { username } } } } } } }";
    let (_, room) = room_with(&app, &owner, &[], "Salle 0").await;
    send(&app, &owner, &room, "Bonjour").await;
    let (one, _) = app.statements_of(&owner, query, json!({})).await;
    for i in 1..6 {
        let (_, room) = room_with(&app, &owner, &[], &format!("Salle {i}")).await;
        send(&app, &owner, &room, "Bonjour").await;
    }
    let (six, response) = app.statements_of(&owner, query, json!({})).await;
    assert_eq!(response["data"]["viewer"]["conversations"]["totalCount"], 6);
    assert_eq!(one, six, "1 conversation: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_reach_members_subscribed_on_another_instance() {
    let instance_a = TestApp::spawn().await;
    let instance_b = instance_a.spawn_sibling().await;
    let owner = instance_a.member("owner").await;
    let member = instance_a.member("member").await;
    let (_, room) = room_with(&instance_a, &owner, &[&member], "Général").await;
    let mut client = WsClient::connect_authenticated(&instance_b.ws_url(), &member.token).await;
    client
        .subscribe("s", "subscription($c: ID!) { messageAdded(conversationId: $c) { body author { username } } }", json!({ "c": room }))
        .await;
    let delivered = client
        .until_delivered(|i| {
            let (app, owner, room) = (&instance_a, &owner, &room);
            async move {
                send(app, owner, room, &format!("Bonjour {i}")).await;
            }
        })
        .await;
    let message = &delivered["payload"]["data"]["messageAdded"];
    assert!(
        message["body"].as_str().unwrap().starts_with("Bonjour"),
        "{delivered}"
    );
    assert_eq!(message["author"]["username"], "owner");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscriber_receives_the_messages_of_its_conversation_and_no_others() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let (_, followed) = room_with(&app, &owner, &[], "Général").await;
    let (_, other) = room_with(&app, &owner, &[], "Support").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    client
        .subscribe(
            "s",
            "subscription($c: ID!) { messageAdded(conversationId: $c) { body } }",
            json!({ "c": followed }),
        )
        .await;
    client
        .until_delivered(|i| {
            let (app, owner, followed) = (&app, &owner, &followed);
            async move {
                send(app, owner, followed, &format!("Prêt {i}")).await;
            }
        })
        .await;

    send(&app, &owner, &other, "Ailleurs").await;
    send(&app, &owner, &followed, "Ici").await;

    // Past any late frame of the readiness check, the next message is this room's.
    let body = loop {
        let delivered = next_data(&mut client).await;
        let body = delivered["payload"]["data"]["messageAdded"]["body"].clone();
        if !body.as_str().unwrap_or_default().starts_with("Prêt") {
            break body;
        }
    };
    assert_eq!(body, "Ici");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscriber_who_leaves_the_group_stops_receiving_its_rooms_messages() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &member.token).await;
    client
        .subscribe(
            "s",
            "subscription($c: ID!) { messageAdded(conversationId: $c) { body } }",
            json!({ "c": room }),
        )
        .await;
    client
        .until_delivered(|_| {
            let (app, owner, room) = (&app, &owner, &room);
            async move {
                send(app, owner, room, "Avant").await;
            }
        })
        .await;
    while client
        .receive_within(Duration::from_millis(300))
        .await
        .is_some()
    {}
    let left = app
        .graphql(
            Some(&member),
            "mutation($g: ID!) { leaveGroup(input: { groupId: $g }) { group { id } } }",
            json!({ "g": room_group(&app, &owner, &room).await }),
        )
        .await;
    assert!(left["errors"].is_null(), "{left}");
    send(&app, &owner, &room, "Après").await;
    // A late frame of the messages sent before leaving may still come; none sent after may.
    while let Some(received) = client.receive_within(Duration::from_secs(1)).await {
        if let Received::Message(message) = received {
            let body = &message["payload"]["data"]["messageAdded"]["body"];
            assert_ne!(
                body, "Après",
                "a former member still receives the room's messages"
            );
        }
    }
}

async fn room_group(app: &TestApp, viewer: &TestUser, room: &str) -> Value {
    conversation(app, viewer, room, "group { id }").await["group"]["id"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_notifies_the_member_by_email_only_in_a_digest() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let settings = app
        .graphql(
            Some(&member),
            "mutation { updateNotificationSettings(input: { preferences: [{ kind: CHAT_MENTION, delivery: EMAIL }] }) { notificationSettings { digestFrequency } } }",
            json!({}),
        )
        .await;
    assert!(settings["errors"].is_null(), "{settings}");
    send(&app, &owner, &room, "@member tu as une minute ?").await;
    let inbox = "{ viewer { notifications { edges { node { kind text subject { id } } } } } }";
    let fetch = || async {
        app.graphql(Some(&member), inbox, json!({})).await["data"]["viewer"]["notifications"]["edges"].clone()
    };
    common::wait_until(
        || async {
            fetch()
                .await
                .as_array()
                .is_some_and(|list| !list.is_empty())
        },
        "a chat mention notification",
    )
    .await;
    let notifications = fetch().await;
    let notification = &notifications[0]["node"];
    assert_eq!(notification["kind"], "CHAT_MENTION", "{notifications}");
    assert_eq!(notification["text"], "Test owner mentioned you in Général");
    let deliveries = texts_of(&app, "SELECT delivery AS text FROM notifications").await;
    assert_eq!(deliveries, ["digest"]);
}

/// The next data frame of `client` (other frames skipped), within 5 s.
async fn next_data(client: &mut WsClient) -> Value {
    loop {
        match client.receive_within(Duration::from_secs(5)).await {
            Some(Received::Message(message)) if message["type"] == "next" => return message,
            Some(_) => continue,
            None => panic!("no event within 5 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conversation_list_updates_live_with_fresh_unread_counts() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &member.token).await;
    client
        .subscribe(
            "s",
            "subscription { conversationUpdated { name unreadCount } }",
            json!({}),
        )
        .await;
    client
        .until_delivered(|_| {
            let (app, owner, room) = (&app, &owner, &room);
            async move {
                send(app, owner, room, "Encore").await;
            }
        })
        .await;
    while client
        .receive_within(Duration::from_millis(500))
        .await
        .is_some()
    {}
    let unread = conversation(&app, &member, &room, "unreadCount").await["unreadCount"]
        .as_i64()
        .unwrap();
    send(&app, &owner, &room, "Deux").await;
    // Frames of the earlier messages may still come late: the one for "Deux" counts one more
    // unread message than the list showed (a stale count never does).
    let expected = json!({ "name": "Général", "unreadCount": unread + 1 });
    let mut seen = Vec::new();
    while seen.len() < 20 {
        let update = next_data(&mut client).await["payload"]["data"]["conversationUpdated"].clone();
        if update == expected {
            return;
        }
        seen.push(update);
    }
    panic!("no update with a fresh count: {seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_reaches_the_other_readers_and_is_refused_where_one_may_not_write() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &member.token).await;
    client
        .subscribe(
            "s",
            "subscription($c: ID!) { typing(conversationId: $c) { user { username } expiresAt } }",
            json!({ "c": room }),
        )
        .await;
    let typing = "mutation($c: ID!) { setTyping(input: { conversationId: $c }) { expiresAt } }";
    let delivered = client
        .until_delivered(|_| {
            let (app, owner, room) = (&app, &owner, &room);
            async move {
                let response = app.graphql(Some(owner), typing, json!({ "c": room })).await;
                assert!(response["errors"].is_null(), "{response}");
            }
        })
        .await;
    assert_eq!(
        delivered["payload"]["data"]["typing"]["user"]["username"], "owner",
        "{delivered}"
    );
    let outsider = app.member("outsider").await;
    let refused = app
        .graphql(Some(&outsider), typing, json!({ "c": room }))
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_past_the_organizations_retention_are_deleted_with_their_threads() {
    let app = TestApp::spawn().await;
    let admin = app
        .create_user("admin", parvis::users::OrgRole::Admin)
        .await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    let old = send(&app, &owner, &room, "Il y a longtemps").await;
    send_with(
        &app,
        &owner,
        json!({ "c": room, "b": "Réponse", "r": old["id"] }),
    )
    .await;
    send(&app, &owner, &room, "Hier").await;
    run_sql(&app, "UPDATE messages SET created_at = now() - interval '40 days' WHERE body IN ('Il y a longtemps', 'Réponse')").await;
    run_sql(
        &app,
        "UPDATE messages SET created_at = now() - interval '1 day' WHERE body = 'Hier'",
    )
    .await;
    let refused = app
        .graphql(Some(&admin), "mutation { updateOrganization(input: { messageRetentionDays: 0 }) { organization { name } } }", json!({}))
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    let set = app
        .graphql(Some(&admin), "mutation { updateOrganization(input: { messageRetentionDays: 30 }) { organization { settings { messageRetentionDays } } } }", json!({}))
        .await;
    assert_eq!(
        set["data"]["updateOrganization"]["organization"]["settings"]["messageRetentionDays"], 30,
        "{set}"
    );
    let mut conn = app.db().connect().await.unwrap();
    assert_eq!(parvis::chat::retention::expire(&mut conn).await.unwrap(), 2);
    let history = conversation(
        &app,
        &owner,
        &room,
        "messages { totalCount edges { node { body } } }",
    )
    .await;
    assert_eq!(history["messages"]["totalCount"], 1);
    assert_eq!(bodies(&history["messages"]), ["Hier"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_admin_finds_rooms_with_history_a_thread_reactions_and_unread_messages() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().connect().await.unwrap();
    parvis::demo::seed(&mut conn, &app.app.services.storage)
        .await
        .unwrap();
    let admin = app.existing_user("helene.dubois").await;
    let list = app
        .graphql(
            Some(&admin),
            "{ viewer { unreadConversationCount conversations { edges { node { kind name unreadCount mentionCount messages(last: 20) { edges { node { replyCount reactions { emoji count } } } } } } } } }",
            json!({}),
        )
        .await;
    let viewer = &list["data"]["viewer"];
    assert_eq!(viewer["unreadConversationCount"], 3, "{list}");
    let conversations = viewer["conversations"]["edges"].as_array().unwrap();
    let direct = conversations
        .iter()
        .find(|edge| edge["node"]["kind"] == "DIRECT")
        .unwrap();
    assert_eq!(direct["node"]["unreadCount"], 2);
    let general = conversations
        .iter()
        .find(|edge| edge["node"]["name"] == "général")
        .unwrap();
    assert_eq!(general["node"]["mentionCount"], 1);
    let replies: Vec<i64> = general["node"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["replyCount"].as_i64().unwrap())
        .collect();
    assert!(replies.contains(&3), "{replies:?}");
    let first = &general["node"]["messages"]["edges"][0]["node"];
    assert_eq!(first["reactions"][0]["emoji"], "👍", "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_sent_count_in_the_chat_feature_of_the_analytics_once_each() {
    let app = TestApp::spawn().await;
    let admin = app
        .create_user("admin", parvis::users::OrgRole::Admin)
        .await;
    let owner = app.member("owner").await;
    let (_, room) = room_with(&app, &owner, &[], "Général").await;
    let retried = json!({ "c": room, "b": "Une fois", "k": "client-1" });
    send_with(&app, &owner, retried.clone()).await;
    send_with(&app, &owner, retried).await;
    send(&app, &owner, &room, "Deux").await;
    app.app.services.activity.flush().await;
    parvis::analytics::rollup::roll_up_now(&app.app.services)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let report = app
        .graphql(
            Some(&admin),
            "query($input: AnalyticsInput!) { analytics(input: $input) { featureUsage { feature events userDays } } }",
            json!({ "input": { "from": today, "to": today } }),
        )
        .await;
    let chat = report["data"]["analytics"]["featureUsage"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .find(|row| row["feature"] == "chat")
        .cloned();
    assert_eq!(
        chat,
        Some(json!({ "feature": "chat", "events": 2, "userDays": 1 })),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chat_analytics_count_messages_sent_and_the_conversations_they_went_to() {
    let app = TestApp::spawn().await;
    let admin = app
        .create_user("admin", parvis::users::OrgRole::Admin)
        .await;
    let owner = app.member("owner").await;
    let (group, room) = room_with(&app, &owner, &[], "Général").await;
    let (_, other_room) = room_with(&app, &owner, &[], "Support").await;
    send(&app, &owner, &room, "Un").await;
    send(&app, &owner, &room, "Deux").await;
    send(&app, &owner, &other_room, "Trois").await;
    parvis::analytics::rollup::roll_up_now(&app.app.services)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let query = "query($input: AnalyticsInput!) { analytics(input: $input) {
        chat { messagesSent activeConversations } } }";

    let organization = app
        .graphql(
            Some(&admin),
            query,
            json!({ "input": { "from": today, "to": today } }),
        )
        .await;
    let of_group = app
        .graphql(
            Some(&owner),
            query,
            json!({ "input": { "from": today, "to": today, "groupId": group.id } }),
        )
        .await;

    assert_eq!(
        organization["data"]["analytics"]["chat"],
        json!({ "messagesSent": 3, "activeConversations": 2 }),
        "{organization}"
    );
    assert_eq!(
        of_group["data"]["analytics"]["chat"],
        json!({ "messagesSent": 2, "activeConversations": 1 }),
        "{of_group}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reactions_to_a_message_are_counted_and_shown_live() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let outsider = app.member("outsider").await;
    let (_, room) = room_with(&app, &owner, &[&member], "Général").await;
    let message = send(&app, &owner, &room, "Livré !").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    client
        .subscribe("s", "subscription($c: ID!) { messageUpdated(conversationId: $c) { reactions { emoji count } } }", json!({ "c": room }))
        .await;
    let react = "mutation($s: ID!) { addReaction(input: { subjectId: $s, emoji: \"🎉\" }) { reactions { emoji count viewerReacted } } }";
    let delivered = client
        .until_delivered(|_| {
            let (app, member, id) = (&app, &member, message["id"].clone());
            async move {
                let response = app.graphql(Some(member), react, json!({ "s": id })).await;
                assert!(response["errors"].is_null(), "{response}");
            }
        })
        .await;
    assert_eq!(
        delivered["payload"]["data"]["messageUpdated"]["reactions"],
        json!([{ "emoji": "🎉", "count": 1 }])
    );
    let hidden = app
        .graphql(Some(&outsider), react, json!({ "s": message["id"] }))
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test(flavor = "multi_thread")]
async fn at_room_from_a_manager_mentions_every_member_and_from_a_member_no_one() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let first = app.member("first").await;
    let second = app.member("second").await;
    let (_, room) = room_with(&app, &owner, &[&first, &second], "Général").await;
    send(&app, &first, &room, "@room quelqu'un a vu mes clés ?").await;
    let mentions = "mentionCount";
    assert_eq!(
        conversation(&app, &second, &room, mentions).await["mentionCount"],
        0
    );
    send(&app, &owner, &room, "@room réunion à 15 h").await;
    assert_eq!(
        conversation(&app, &first, &room, mentions).await["mentionCount"],
        1
    );
    assert_eq!(
        conversation(&app, &second, &room, mentions).await["mentionCount"],
        1
    );
    assert_eq!(
        conversation(&app, &owner, &room, mentions).await["mentionCount"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_who_turned_read_receipts_off_is_never_listed_as_having_seen_a_message() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let off = app
        .graphql(
            Some(&bob),
            "mutation { updateChatSettings(input: { sendReadReceipts: false }) { chatSettings { sendReadReceipts } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        off["data"]["updateChatSettings"]["chatSettings"]["sendReadReceipts"], false,
        "{off}"
    );
    let opened = app
        .graphql(Some(&alice), "mutation($u: ID!) { openDirectConversation(input: { userId: $u }) { conversation { id } } }", json!({ "u": bob.id }))
        .await;
    let id = opened["data"]["openDirectConversation"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let message = send(&app, &alice, &id, "Tu as vu ?").await;
    let read = app
        .graphql(
            Some(&bob),
            "mutation($c: ID!, $m: ID!) { markConversationRead(input: { conversationId: $c, messageId: $m }) { conversation { unreadCount } } }",
            json!({ "c": id, "m": message["id"] }),
        )
        .await;
    assert_eq!(
        read["data"]["markConversationRead"]["conversation"]["unreadCount"], 0,
        "{read}"
    );
    let seen = app
        .graphql(
            Some(&alice),
            "query($m: ID!) { node(id: $m) { ... on Message { seenBy { username } } } }",
            json!({ "m": message["id"] }),
        )
        .await;
    assert_eq!(seen["data"]["node"]["seenBy"], json!([]), "{seen}");
    let settings = app
        .graphql(
            Some(&bob),
            "{ viewer { chatSettings { sendReadReceipts } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["data"]["viewer"]["chatSettings"]["sendReadReceipts"],
        false
    );
}
