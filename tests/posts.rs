//! The news feed: posting, reading where one may, Markdown made safe, comments and reactions.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::ws::{Received, WsClient};
use common::{TestApp, TestUser, error_code, texts_of};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id title bodyHtml organizationWide groups { name } author { username } viewerCanEdit } } }";

async fn post_in(app: &TestApp, author: &TestUser, group: &str, body: &str) -> Value {
    let response = app
        .graphql(
            Some(author),
            CREATE,
            json!({ "input": { "groupIds": [group], "body": body } }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["createPost"]["post"].clone()
}

async fn feed_bodies(app: &TestApp, viewer: &TestUser, filter: Value) -> Vec<String> {
    let response = app
        .graphql(
            Some(viewer),
            "query($f: FeedFilterInput) { feed(filter: $f) { edges { node { body } } } }",
            json!({ "f": filter }),
        )
        .await;
    response["data"]["feed"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| edge["node"]["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn members_read_their_groups_posts_newest_first() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&owner, "Équipe", Visibility::Private)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let first = post_in(&app, &owner, &group.id, "Premier message").await;
    post_in(&app, &member, &group.id, "Second message").await;
    assert_eq!(first["groups"], json!([{ "name": "Équipe" }]));
    assert_eq!(first["author"]["username"], "owner");
    assert_eq!(
        feed_bodies(&app, &member, json!({})).await,
        ["Second message", "Premier message"]
    );
    assert!(feed_bodies(&app, &outsider, json!({})).await.is_empty());
    let read = app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { post(id: $id) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(error_code(&read), "NOT_FOUND");
    let group_feed = app
        .graphql(
            Some(&outsider),
            "query($g: ID!) { feed(filter: { groupId: $g }) { totalCount } }",
            json!({ "g": group.id }),
        )
        .await;
    assert_eq!(error_code(&group_feed), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn public_group_posts_are_readable_but_not_pushed_to_non_members() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let passer_by = app.member("passer").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = post_in(&app, &owner, &group.id, "Sortie samedi").await;
    assert!(feed_bodies(&app, &passer_by, json!({})).await.is_empty());
    assert_eq!(
        feed_bodies(&app, &passer_by, json!({ "groupId": group.id })).await,
        ["Sortie samedi"]
    );
    let read = app
        .graphql(
            Some(&passer_by),
            "query($id: ID!) { node(id: $id) { ... on Post { body } } }",
            json!({ "id": post["id"] }),
        )
        .await;
    assert_eq!(read["data"]["node"]["body"], "Sortie samedi");
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_wide_posts_reach_members_but_not_guests() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let member = app.member("member").await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let created = app
        .graphql(Some(&admin), CREATE, json!({ "input": { "organizationWide": true, "title": "Annonce", "body": "Bienvenue à tous" } }))
        .await;
    assert_eq!(
        created["data"]["createPost"]["post"]["organizationWide"],
        true
    );
    assert_eq!(
        feed_bodies(&app, &member, json!({})).await,
        ["Bienvenue à tous"]
    );
    assert!(feed_bodies(&app, &guest, json!({})).await.is_empty());
    let refused = app
        .graphql(
            Some(&member),
            CREATE,
            json!({ "input": { "organizationWide": true, "body": "Moi aussi" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}

/// The British spelling the field had before issue 19 is a deprecated alias, accepted and
/// answered; both names with different values are refused, naming the new one.
#[tokio::test(flavor = "multi_thread")]
async fn the_old_spelling_of_organization_wide_is_a_deprecated_alias() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let member = app.member("member").await;
    const DEPRECATED: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { \
                              post { organizationWide organisationWide } } }"; // deprecated
    let deprecated = json!({ "input": { "organisationWide": true, "body": "Annonce" } });
    let created = app.graphql(Some(&admin), DEPRECATED, deprecated).await;
    assert_eq!(
        created["data"]["createPost"]["post"],
        json!({ "organizationWide": true, "organisationWide": true }), // deprecated
        "{created}"
    );
    assert_eq!(feed_bodies(&app, &member, json!({})).await, ["Annonce"]);

    for (new, old) in [(false, true), (true, false)] {
        let both = json!({ "input": { "organizationWide": new, "organisationWide": old, // deprecated
                                      "body": "Les deux" } });
        let refused = app.graphql(Some(&admin), CREATE, both).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{new} {old}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"],
            "organizationWide"
        );
    }
    let agreeing = json!({ "input": { "organizationWide": true, "organisationWide": true, // deprecated
                                      "body": "Pareil" } });
    let created = app.graphql(Some(&admin), CREATE, agreeing).await;
    assert_eq!(
        created["data"]["createPost"]["post"]["organizationWide"], true,
        "{created}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn posting_follows_the_group_rules() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let outsider = app.member("outsider").await;
    let announcements = app
        .create_group(&owner, "Annonces", Visibility::Public)
        .await;
    app.add_member(&announcements, &member, GroupRole::Member)
        .await;
    app.graphql(Some(&owner), "mutation($id: ID!) { updateGroup(input: { groupId: $id, postingPolicy: MANAGERS }) { group { id } } }", json!({ "id": announcements.id }))
        .await;
    let secret = app.create_group(&owner, "Secret", Visibility::Secret).await;
    let try_post = |user, group: &str| {
        let app = &app;
        let variables = json!({ "input": { "groupIds": [group], "body": "Hello" } });
        async move { app.graphql(Some(user), CREATE, variables).await }
    };
    assert_eq!(
        error_code(&try_post(&member, &announcements.id).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&try_post(&outsider, &announcements.id).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&try_post(&outsider, &secret.id).await),
        "NOT_FOUND"
    );
    assert!(try_post(&owner, &announcements.id).await["errors"].is_null());
    let two = app
        .graphql(
            Some(&owner),
            CREATE,
            json!({ "input": { "groupIds": [announcements.id, secret.id], "body": "x" } }),
        )
        .await;
    assert_eq!(
        error_code(&two),
        "FORBIDDEN",
        "several audiences at once are for org admins"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_is_rendered_and_script_vectors_are_removed() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let body = "**Gras** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) <a href=\"jav&#x09;ascript:alert(1)\">y</a> <svg onload=alert(1)>";
    let post = post_in(&app, &owner, &group.id, body).await;
    let html = post["bodyHtml"].as_str().unwrap().to_lowercase();
    assert!(html.contains("<strong>gras</strong>"), "{html}");
    for forbidden in ["<script", "onerror", "javascript:", "<svg", "onload"] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_post_input_names_the_field_and_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let cases = [
        (
            json!({ "groupIds": [group.id], "body": "   " }),
            "body",
            "empty",
        ),
        (
            json!({ "groupIds": [group.id], "body": "x".repeat(64 * 1024 + 1) }),
            "body",
            "65536",
        ),
        (
            json!({ "groupIds": [group.id], "body": "ok", "title": "t".repeat(201) }),
            "title",
            "200",
        ),
        (json!({ "body": "nowhere" }), "groupIds", "at least one"),
    ];
    for (input, field, words) in cases {
        let response = app
            .graphql(Some(&owner), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{field}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(words),
            "{response}"
        );
    }
    let feed = app
        .graphql(Some(&owner), "{ feed { totalCount } }", json!({}))
        .await;
    assert_eq!(feed["data"]["feed"]["totalCount"], 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn mentions_are_stored_for_notifications() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let ada = app.member("ada").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    post_in(
        &app,
        &owner,
        &group.id,
        "Merci @ada et @nobody, écrivez à contact@example.com",
    )
    .await;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Mention {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: uuid::Uuid,
    }
    let mut conn = app.db().connect().await.unwrap();
    let mentions: Vec<Mention> = diesel::sql_query("SELECT user_id FROM post_mentions")
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        mentions.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        [ada.uuid]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_take_one_level_of_replies() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&owner, "Équipe", Visibility::Private)
        .await;
    let post = post_in(&app, &owner, &group.id, "Question ?").await;
    let comment = "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id replyToId body author { username } } } }";
    let first = app
        .graphql(
            Some(&owner),
            comment,
            json!({ "input": { "postId": post["id"], "body": "Oui" } }),
        )
        .await;
    let first_id = first["data"]["addComment"]["comment"]["id"].clone();
    let reply = app
        .graphql(Some(&owner), comment, json!({ "input": { "postId": post["id"], "replyToId": first_id, "body": "Précision" } }))
        .await;
    assert_eq!(
        reply["data"]["addComment"]["comment"]["replyToId"],
        first_id
    );
    let nested = app
        .graphql(Some(&owner), comment, json!({ "input": { "postId": post["id"], "replyToId": reply["data"]["addComment"]["comment"]["id"], "body": "Trop loin" } }))
        .await;
    assert_eq!(error_code(&nested), "BAD_USER_INPUT");
    let hidden = app
        .graphql(
            Some(&outsider),
            comment,
            json!({ "input": { "postId": post["id"], "body": "Moi" } }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
    let summary = app
        .graphql(Some(&owner), "query($id: ID!) { post(id: $id) { commentCount latestComments { body } comments { totalCount } } }", json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        summary["data"]["post"],
        json!({ "commentCount": 2, "latestComments": [{ "body": "Oui" }, { "body": "Précision" }], "comments": { "totalCount": 2 } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reactions_count_once_per_person_and_emoji() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let fan = app.member("fan").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = post_in(&app, &owner, &group.id, "Bravo à l'équipe").await;
    let react = "mutation($id: ID!, $e: String!) { addReaction(input: { subjectId: $id, emoji: $e }) { reactions { emoji count viewerReacted } } }";
    app.graphql(Some(&fan), react, json!({ "id": post["id"], "e": "🎉" }))
        .await;
    app.graphql(Some(&fan), react, json!({ "id": post["id"], "e": "🎉" }))
        .await;
    let both = app
        .graphql(Some(&owner), react, json!({ "id": post["id"], "e": "🎉" }))
        .await;
    assert_eq!(
        both["data"]["addReaction"]["reactions"],
        json!([{ "emoji": "🎉", "count": 2, "viewerReacted": true }])
    );
    let thumbs = app
        .graphql(Some(&fan), react, json!({ "id": post["id"], "e": "👍🏽" }))
        .await;
    assert!(
        thumbs["errors"].is_null(),
        "skin tones are one emoji: {thumbs}"
    );
    for bad in ["lol", "", "🎉🎉🎉🎉🎉🎉🎉🎉🎉", "<b>"] {
        assert_eq!(
            error_code(
                &app.graphql(Some(&fan), react, json!({ "id": post["id"], "e": bad }))
                    .await
            ),
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
    let mine = app
        .graphql(
            Some(&fan),
            "query($id: ID!) { post(id: $id) { viewerReactions } }",
            json!({ "id": post["id"] }),
        )
        .await;
    assert_eq!(mine["data"]["post"]["viewerReactions"], json!(["🎉", "👍🏽"]));
    let removed = app
        .graphql(Some(&fan), "mutation($id: ID!) { removeReaction(input: { subjectId: $id, emoji: \"🎉\" }) { reactions { count } } }", json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        removed["data"]["removeReaction"]["reactions"][0]["count"],
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authors_edit_and_managers_delete() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let writer = app.member("writer").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &writer, GroupRole::Member).await;
    let post = post_in(&app, &writer, &group.id, "Brouillon").await;
    let edit = "mutation($id: ID!) { updatePost(input: { postId: $id, body: \"Version finale\" }) { post { body editedAt } } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&owner), edit, json!({ "id": post["id"] }))
                .await
        ),
        "FORBIDDEN"
    );
    let edited = app
        .graphql(Some(&writer), edit, json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        edited["data"]["updatePost"]["post"]["body"],
        "Version finale"
    );
    assert!(edited["data"]["updatePost"]["post"]["editedAt"].is_string());
    let delete = "mutation($id: ID!) { deletePost(input: { postId: $id }) { deletedPostId } }";
    assert!(
        app.graphql(Some(&owner), delete, json!({ "id": post["id"] }))
            .await["errors"]
            .is_null()
    );
    let gone = app
        .graphql(
            Some(&writer),
            "query($id: ID!) { post(id: $id) { id } }",
            json!({ "id": post["id"] }),
        )
        .await;
    assert_eq!(error_code(&gone), "NOT_FOUND");
}

/// A feed page with authors, groups, reactions, the viewer's reactions, comment counts and the
/// latest comments with their authors costs the same number of statements for 5 or 20 posts.
#[tokio::test(flavor = "multi_thread")]
async fn a_feed_page_runs_a_constant_number_of_statements() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &viewer, GroupRole::Member).await;
    let query = "{ feed(first: 20) { edges { node { id title bodyHtml author { displayName } groups { name }
        reactions { emoji count } viewerReactions commentCount latestComments { body author { displayName } } } } } }";
    let statements = || {
        app.app
            .services
            .db
            .statements
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let add_posts = |count: usize| {
        let app = &app;
        let (owner, viewer, group) = (&owner, &viewer, &group);
        async move {
            for i in 0..count {
                let post = post_in(app, owner, &group.id, &format!("Post {i}")).await;
                app.graphql(Some(viewer), "mutation($id: ID!) { addReaction(input: { subjectId: $id, emoji: \"👍\" }) { subjectId } }", json!({ "id": post["id"] })).await;
                for text in ["Un", "Deux", "Trois"] {
                    app.graphql(Some(viewer), "mutation($id: ID!, $b: String!) { addComment(input: { postId: $id, body: $b }) { comment { id } } }", json!({ "id": post["id"], "b": text })).await;
                }
            }
        }
    };
    let measure = || async {
        // The comments and reactions above notify through jobs on the same pool: let them finish.
        common::wait_for_no_job(&app, "notify").await;
        // The viewer's credential, verified just now, is remembered for the measured request.
        app.graphql(Some(&viewer), "{ __typename }", json!({}))
            .await;
        let before = statements();
        let response = app.graphql(Some(&viewer), query, json!({})).await;
        assert!(response["errors"].is_null(), "{response}");
        (
            statements() - before,
            response["data"]["feed"]["edges"].as_array().unwrap().len(),
        )
    };
    add_posts(5).await;
    let (five, shown) = measure().await;
    assert_eq!(shown, 5);
    add_posts(15).await;
    let (twenty, shown) = measure().await;
    assert_eq!(shown, 20);
    assert_eq!(
        five, twenty,
        "5 posts: {five} statements, 20 posts: {twenty}"
    );
    // The page (with each post's groups as the viewer stands towards them), reactions, comment
    // summaries and every author at once (no count: `totalCount` is not asked for).
    assert!(twenty <= 4, "feed page: {twenty} statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_a_post_marks_it_seen() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let post = post_in(&app, &owner, &group.id, "À lire").await;
    let seen = || async {
        app.graphql(
            Some(&reader),
            "{ feed { edges { node { viewerHasSeen } } } }",
            json!({}),
        )
        .await["data"]["feed"]["edges"][0]["node"]["viewerHasSeen"]
            .clone()
    };
    assert_eq!(seen().await, false);
    app.graphql(
        Some(&reader),
        "query($id: ID!) { post(id: $id) { id } }",
        json!({ "id": post["id"] }),
    )
    .await;
    assert_eq!(seen().await, true);
}

#[tokio::test(flavor = "multi_thread")]
async fn announcements_track_who_acknowledged_them() {
    let app = TestApp::spawn().await;
    let admin = app
        .create_user_with("admin", OrgRole::Admin, |u| {
            u.display_name = "Alice Admin".into()
        })
        .await;
    let bob = app
        .create_user_with("bob", OrgRole::Member, |u| u.display_name = "Bob".into())
        .await;
    app.create_user_with("chloe", OrgRole::Member, |u| {
        u.display_name = "Chloé".into()
    })
    .await;
    app.create_user("guest", OrgRole::Guest).await;
    let created = app
        .graphql(Some(&admin), CREATE, json!({ "input": { "organizationWide": true, "requiresAcknowledgement": true, "body": "Nouvelle charte informatique" } }))
        .await;
    let post_id = created["data"]["createPost"]["post"]["id"].clone();
    let acknowledge = "mutation($id: ID!) { acknowledgePost(input: { postId: $id }) { post { viewerHasAcknowledged } } }";
    for _ in 0..2 {
        let done = app
            .graphql(Some(&bob), acknowledge, json!({ "id": post_id }))
            .await;
        assert_eq!(
            done["data"]["acknowledgePost"]["post"]["viewerHasAcknowledged"], true,
            "{done}"
        );
    }
    let stats = "query($id: ID!) { post(id: $id) { acknowledgementStats { acknowledged audience rate }
        done: acknowledgements { edges { node { username } } }
        pending: acknowledgements(acknowledged: false) { totalCount edges { node { username } } } } }";
    let answer = app
        .graphql(Some(&admin), stats, json!({ "id": post_id }))
        .await;
    let post = &answer["data"]["post"];
    assert_eq!(post["acknowledgementStats"]["acknowledged"], 1, "{answer}");
    assert_eq!(
        post["acknowledgementStats"]["audience"], 2,
        "neither guests nor the author are in an organization-wide audience"
    );
    assert_eq!(
        post["done"]["edges"],
        json!([{ "node": { "username": "bob" } }])
    );
    assert_eq!(
        post["pending"]["edges"],
        json!([{ "node": { "username": "chloe" } }])
    );
    let member_view = app
        .graphql(Some(&bob), stats, json!({ "id": post_id }))
        .await;
    assert_eq!(error_code(&member_view), "FORBIDDEN");

    let plain = app
        .graphql(
            Some(&admin),
            CREATE,
            json!({ "input": { "organizationWide": true, "body": "Simple info" } }),
        )
        .await;
    let refused = app
        .graphql(
            Some(&bob),
            acknowledge,
            json!({ "id": plain["data"]["createPost"]["post"]["id"] }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_pin_posts_in_their_groups() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let other = app.create_group(&owner, "Other", Visibility::Public).await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let first = post_in(&app, &owner, &group.id, "Règlement").await;
    let elsewhere = post_in(&app, &owner, &other.id, "Ailleurs").await;
    let pin = "mutation($p: ID!, $g: ID) { pinPost(input: { postId: $p, groupId: $g }) { post { pinnedInGroups { name } pinnedOnHome } } }";
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&member),
                pin,
                json!({ "p": first["id"], "g": group.id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&owner),
                pin,
                json!({ "p": elsewhere["id"], "g": group.id })
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        error_code(
            &app.graphql(Some(&owner), pin, json!({ "p": first["id"] }))
                .await
        ),
        "FORBIDDEN"
    );
    let pinned = app
        .graphql(
            Some(&owner),
            pin,
            json!({ "p": first["id"], "g": group.id }),
        )
        .await;
    assert_eq!(
        pinned["data"]["pinPost"]["post"],
        json!({ "pinnedInGroups": [{ "name": "Club" }], "pinnedOnHome": false })
    );
    let listed = app
        .graphql(
            Some(&member),
            "query($g: ID!) { group(id: $g) { pinnedPosts { body } } }",
            json!({ "g": group.id }),
        )
        .await;
    assert_eq!(
        listed["data"]["group"]["pinnedPosts"],
        json!([{ "body": "Règlement" }])
    );
    let unpin = "mutation($p: ID!, $g: ID) { unpinPost(input: { postId: $p, groupId: $g }) { post { pinnedInGroups { name } } } }";
    let unpinned = app
        .graphql(
            Some(&owner),
            unpin,
            json!({ "p": first["id"], "g": group.id }),
        )
        .await;
    assert_eq!(
        unpinned["data"]["unpinPost"]["post"]["pinnedInGroups"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_shows_pending_announcements_first_and_unread_counts() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let reader = app.member("reader").await;
    let group = app.create_group(&admin, "Club", Visibility::Public).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let org_post = |body: &'static str, ack: bool| {
        let app = &app;
        let admin = &admin;
        async move {
            app.graphql(Some(admin), CREATE, json!({ "input": { "organizationWide": true, "requiresAcknowledgement": ack, "body": body } }))
                .await["data"]["createPost"]["post"]["id"]
                .clone()
        }
    };
    let info = org_post("Info", false).await;
    let charter = org_post("Charte", true).await;
    let pin = "mutation($p: ID!, $n: Int!) { pinPost(input: { postId: $p, position: $n }) { post { pinnedOnHome } } }";
    app.graphql(Some(&admin), pin, json!({ "p": info, "n": 1 }))
        .await;
    app.graphql(Some(&admin), pin, json!({ "p": charter, "n": 2 }))
        .await;
    let first_post = post_in(&app, &admin, &group.id, "Un").await;
    post_in(&app, &admin, &group.id, "Deux").await;

    let home = "{ home { pinnedPosts { body } groups { group { name } unreadPostCount } } feed(first: 5) { totalCount } }";
    let before = app.graphql(Some(&reader), home, json!({})).await;
    assert_eq!(
        before["data"]["home"]["pinnedPosts"],
        json!([{ "body": "Charte" }, { "body": "Info" }])
    );
    assert_eq!(
        before["data"]["home"]["groups"],
        json!([{ "group": { "name": "Club" }, "unreadPostCount": 2 }])
    );
    assert_eq!(before["data"]["feed"]["totalCount"], 4);

    app.graphql(
        Some(&reader),
        "mutation($p: ID!) { acknowledgePost(input: { postId: $p }) { post { id } } }",
        json!({ "p": charter }),
    )
    .await;
    app.graphql(
        Some(&reader),
        "query($p: ID!) { post(id: $p) { id } }",
        json!({ "p": first_post["id"] }),
    )
    .await;
    let after = app.graphql(Some(&reader), home, json!({})).await;
    assert_eq!(
        after["data"]["home"]["pinnedPosts"],
        json!([{ "body": "Info" }, { "body": "Charte" }])
    );
    assert_eq!(after["data"]["home"]["groups"][0]["unreadPostCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_pins_what_a_guest_reads_through_a_group() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let outsider = app.create_user("outsider", OrgRole::Guest).await;
    let group = app.create_group(&admin, "Club", Visibility::Public).await;
    app.add_member(&group, &guest, GroupRole::Member).await;
    let created = app
        .graphql(Some(&admin), CREATE, json!({ "input": { "organizationWide": true, "groupIds": [group.id], "body": "Charte" } }))
        .await;
    let pin = "mutation($p: ID!) { pinPost(input: { postId: $p }) { post { pinnedOnHome } } }";
    let pinned = app
        .graphql(
            Some(&admin),
            pin,
            json!({ "p": created["data"]["createPost"]["post"]["id"] }),
        )
        .await;
    assert_eq!(pinned["data"]["pinPost"]["post"]["pinnedOnHome"], true);

    let home = "{ home { pinnedPosts { body } } }";
    let member_of_the_group = app.graphql(Some(&guest), home, json!({})).await;
    assert_eq!(
        member_of_the_group["data"]["home"]["pinnedPosts"],
        json!([{ "body": "Charte" }])
    );
    let outside = app.graphql(Some(&outsider), home, json!({})).await;
    assert_eq!(outside["data"]["home"]["pinnedPosts"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_see_what_a_post_said_before_edits() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let writer = app.member("writer").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &writer, GroupRole::Member).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let post = post_in(&app, &writer, &group.id, "Version 1").await;
    for body in ["Version 2", "Version 3"] {
        app.graphql(Some(&writer), "mutation($id: ID!, $b: String!) { updatePost(input: { postId: $id, body: $b }) { post { id } } }", json!({ "id": post["id"], "b": body }))
            .await;
    }
    let history = "query($id: ID!) { post(id: $id) { body previousVersions { body } } }";
    let seen_by_manager = app
        .graphql(Some(&owner), history, json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        seen_by_manager["data"]["post"],
        json!({ "body": "Version 3", "previousVersions": [{ "body": "Version 2" }, { "body": "Version 1" }] })
    );
    let seen_by_reader = app
        .graphql(Some(&reader), history, json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        seen_by_reader["data"]["post"]["previousVersions"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_managers_mention_a_whole_group() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app
        .create_group(&owner, "Club de course", Visibility::Public)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    post_in(
        &app,
        &member,
        &group.id,
        "Rendez-vous @club-de-course à midi",
    )
    .await;
    post_in(
        &app,
        &owner,
        &group.id,
        "Rappel @club-de-course : sortie demain",
    )
    .await;
    let mentions = texts_of(
        &app,
        "SELECT p.body AS text FROM post_group_mentions m JOIN posts p ON p.id = m.post_id",
    )
    .await;
    assert_eq!(mentions, ["Rappel @club-de-course : sortie demain"]);
}

const POLL: &str = "query($id: ID!) { post(id: $id) { poll { closed resultsVisible voterCount viewerVotes options { id label voteCount } } } }";
const VOTE: &str = "mutation($p: ID!, $o: [ID!]!) { castVote(input: { postId: $p, optionIds: $o }) { post { id } } }";

async fn poll_post(app: &TestApp, author: &TestUser, group: &str, poll: Value) -> Value {
    let created = app
        .graphql(
            Some(author),
            CREATE,
            json!({ "input": { "groupIds": [group], "body": "Quel jour ?", "poll": poll } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    created["data"]["createPost"]["post"]["id"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_choice_poll_counts_one_changeable_vote_per_person() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let voter = app.member("voter").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = poll_post(
        &app,
        &owner,
        &group.id,
        json!({ "options": ["Lundi", "Mardi", "Mercredi"] }),
    )
    .await;
    let options = app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]["options"].clone();
    let (monday, tuesday) = (options[0]["id"].clone(), options[1]["id"].clone());
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&voter),
                VOTE,
                json!({ "p": post, "o": [monday, tuesday] })
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
    app.graphql(Some(&voter), VOTE, json!({ "p": post, "o": [monday] }))
        .await;
    app.graphql(Some(&voter), VOTE, json!({ "p": post, "o": [tuesday] }))
        .await;
    app.graphql(Some(&owner), VOTE, json!({ "p": post, "o": [tuesday] }))
        .await;
    let poll = app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]
        .clone();
    assert_eq!(poll["voterCount"], 2);
    assert_eq!(poll["viewerVotes"], json!([tuesday]));
    let counts: Vec<Value> = poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["voteCount"].clone())
        .collect();
    assert_eq!(counts, [json!(0), json!(2), json!(0)]);
}

/// The ids of a poll's options, in order.
async fn option_ids(app: &TestApp, viewer: &TestUser, post: &Value) -> Vec<Value> {
    let poll = app.graphql(Some(viewer), POLL, json!({ "id": post })).await;
    poll["data"]["post"]["poll"]["options"]
        .as_array()
        .unwrap_or_else(|| panic!("{poll}"))
        .iter()
        .map(|option| option["id"].clone())
        .collect()
}

/// Sends every ballot of `voter` at once and checks each was taken without an error.
async fn vote_at_once(app: &TestApp, voter: &TestUser, post: &Value, ballots: &[Vec<Value>]) {
    let responses = futures::future::join_all(
        ballots
            .iter()
            .map(|ballot| app.graphql(Some(voter), VOTE, json!({ "p": post, "o": ballot }))),
    )
    .await;
    for response in responses {
        assert!(response["errors"].is_null(), "{response}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_votes_leave_one_vote_per_person_in_a_single_choice_poll() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let voter = app.member("voter").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let labels: Vec<String> = (1..=10).map(|n| format!("Jour {n}")).collect();
    let post = poll_post(&app, &owner, &group.id, json!({ "options": labels })).await;
    let options = option_ids(&app, &voter, &post).await;
    let ballots: Vec<Vec<Value>> = (0..20)
        .map(|n| vec![options[n % options.len()].clone()])
        .collect();
    vote_at_once(&app, &voter, &post, &ballots).await;
    let poll = app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]
        .clone();
    let votes: i64 = poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|option| option["voteCount"].as_i64().unwrap())
        .sum();
    assert_eq!((votes, poll["voterCount"].clone()), (1, json!(1)), "{poll}");
    assert_eq!(poll["viewerVotes"].as_array().unwrap().len(), 1, "{poll}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_a_second_vote_of_one_person_in_a_single_choice_poll() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = poll_post(
        &app,
        &owner,
        &group.id,
        json!({ "options": ["Oui", "Non"] }),
    )
    .await;
    let yes = option_ids(&app, &owner, &post).await[0].clone();
    vote_at_once(&app, &owner, &post, &[vec![yes]]).await;

    let mut conn = app.db().connect().await.unwrap();
    let second = diesel::sql_query(
        "INSERT INTO poll_votes (option_id, user_id, post_id, multiple_choice)
         SELECT o.id, v.user_id, v.post_id, v.multiple_choice
         FROM poll_votes v JOIN poll_options o ON o.post_id = v.post_id AND o.id <> v.option_id",
    )
    .execute(&mut conn)
    .await;

    let refusal = format!("{:?}", second.unwrap_err());
    assert!(refusal.contains("poll_votes_one_per_person"), "{refusal}");
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_ballots_in_a_multiple_choice_poll_leave_one_of_them_whole() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let voter = app.member("voter").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = poll_post(
        &app,
        &owner,
        &group.id,
        json!({ "options": ["A", "B", "C", "D"], "multipleChoice": true }),
    )
    .await;
    let options = option_ids(&app, &voter, &post).await;
    let ballots: Vec<Vec<Value>> = (0..20)
        .map(|n| {
            vec![
                options[n % 4].clone(),
                options[(n + 1) % 4].clone(),
                options[(n + 2) % 4].clone(),
            ]
        })
        .collect();
    vote_at_once(&app, &voter, &post, &ballots).await;
    let poll = app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]
        .clone();
    let mut chosen = poll["viewerVotes"].as_array().unwrap().clone();
    chosen.sort_by_key(|id| id.to_string());
    let whole = ballots.into_iter().any(|mut ballot| {
        ballot.sort_by_key(|id| id.to_string());
        ballot == chosen
    });
    assert!(whole, "{poll}");
}

#[tokio::test(flavor = "multi_thread")]
async fn poll_results_can_wait_for_a_vote() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let voter = app.member("voter").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = poll_post(&app, &owner, &group.id, json!({ "options": ["Oui", "Non"], "multipleChoice": true, "resultsVisibility": "AFTER_VOTING" })).await;
    let hidden =
        app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]
            .clone();
    assert_eq!(hidden["resultsVisible"], false);
    assert_eq!(hidden["options"][0]["voteCount"], Value::Null);
    let both: Vec<Value> = hidden["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    app.graphql(Some(&voter), VOTE, json!({ "p": post, "o": both }))
        .await;
    let shown =
        app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]
            .clone();
    assert_eq!(shown["resultsVisible"], true);
    assert_eq!(shown["voterCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_polls_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    for (poll, field) in [
        (json!({ "options": ["Seule"] }), "poll.options"),
        (json!({ "options": ["A", "A"] }), "poll.options"),
        (
            json!({ "options": ["A", "B"], "closesAt": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339() }),
            "poll.closesAt",
        ),
    ] {
        let response = app
            .graphql(
                Some(&owner),
                CREATE,
                json!({ "input": { "groupIds": [group.id], "body": "?", "poll": poll } }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
    let with_poll = poll_post(&app, &owner, &group.id, json!({ "options": ["A", "B"] })).await;
    let option = app
        .graphql(Some(&owner), POLL, json!({ "id": with_poll }))
        .await["data"]["post"]["poll"]["options"][0]["id"]
        .clone();
    let plain = post_in(&app, &owner, &group.id, "Pas de sondage").await;
    assert_eq!(
        error_code(
            &app.graphql(
                Some(&owner),
                VOTE,
                json!({ "p": plain["id"], "o": [option] })
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
}

/// "Closed" is one code across the API: a late vote answers as a late survey answer does.
#[tokio::test(flavor = "multi_thread")]
async fn a_vote_after_the_poll_closed_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let voter = app.member("voter").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let soon = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let post = poll_post(
        &app,
        &owner,
        &group.id,
        json!({ "options": ["A", "B"], "closesAt": soon }),
    )
    .await;
    let option = app.graphql(Some(&voter), POLL, json!({ "id": post })).await["data"]["post"]["poll"]["options"][0]["id"].clone();
    use diesel_async::RunQueryDsl;
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query("UPDATE polls SET closes_at = now() - interval '1 minute'")
        .execute(&mut conn)
        .await
        .unwrap();

    let late = app
        .graphql(Some(&voter), VOTE, json!({ "p": post, "o": [option] }))
        .await;

    assert_eq!(error_code(&late), "CONFLICT", "{late}");
    assert!(
        late["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed"),
        "{late}"
    );
    let poll = app.graphql(Some(&voter), POLL, json!({ "id": post })).await;
    assert_eq!(poll["data"]["post"]["poll"]["voterCount"], 0, "{poll}");
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_edited_by_their_author_and_removed_by_moderators() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let commenter = app.member("commenter").await;
    let other = app.member("other").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = post_in(&app, &owner, &group.id, "Sujet").await;
    let added = app
        .graphql(Some(&commenter), "mutation($p: ID!) { addComment(input: { postId: $p, body: \"Premier jet\" }) { comment { id } } }", json!({ "p": post["id"] }))
        .await;
    let comment = added["data"]["addComment"]["comment"]["id"].clone();
    let edit = "mutation($c: ID!) { updateComment(input: { commentId: $c, body: \"Corrigé\" }) { comment { body editedAt } } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&other), edit, json!({ "c": comment }))
                .await
        ),
        "FORBIDDEN"
    );
    let edited = app
        .graphql(Some(&commenter), edit, json!({ "c": comment }))
        .await;
    assert_eq!(
        edited["data"]["updateComment"]["comment"]["body"],
        "Corrigé"
    );
    let delete =
        "mutation($c: ID!) { deleteComment(input: { commentId: $c }) { deletedCommentId } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&other), delete, json!({ "c": comment }))
                .await
        ),
        "FORBIDDEN"
    );
    assert!(
        app.graphql(Some(&owner), delete, json!({ "c": comment }))
            .await["errors"]
            .is_null()
    );
    let count = app
        .graphql(
            Some(&owner),
            "query($p: ID!) { post(id: $p) { commentCount } }",
            json!({ "p": post["id"] }),
        )
        .await;
    assert_eq!(count["data"]["post"]["commentCount"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_narrows_to_announcements_or_polls() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let group = app.create_group(&admin, "Club", Visibility::Public).await;
    post_in(&app, &admin, &group.id, "Simple").await;
    poll_post(&app, &admin, &group.id, json!({ "options": ["A", "B"] })).await;
    app.graphql(Some(&admin), CREATE, json!({ "input": { "organizationWide": true, "requiresAcknowledgement": true, "body": "À lire" } }))
        .await;
    let of_type = |kind: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            app.graphql(Some(admin), "query($t: PostKind) { feed(filter: { type: $t }) { totalCount edges { node { body } } } }", json!({ "t": kind }))
                .await["data"]["feed"]["edges"]
                .clone()
        }
    };
    assert_eq!(
        of_type("ANNOUNCEMENT").await,
        json!([{ "node": { "body": "À lire" } }])
    );
    assert_eq!(
        of_type("POLL").await,
        json!([{ "node": { "body": "Quel jour ?" } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn voters_are_named_unless_the_poll_is_anonymous() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    for anonymous in [false, true] {
        let post = poll_post(
            &app,
            &owner,
            &group.id,
            json!({ "options": ["A", "B"], "anonymous": anonymous }),
        )
        .await;
        let option = app.graphql(Some(&owner), POLL, json!({ "id": post })).await["data"]["post"]["poll"]["options"][0]["id"].clone();
        app.graphql(Some(&owner), VOTE, json!({ "p": post, "o": [option] }))
            .await;
        let voters = app
            .graphql(
                Some(&owner),
                "query($id: ID!) { post(id: $id) { poll { options { voters { username } } } } }",
                json!({ "id": post }),
            )
            .await["data"]["post"]["poll"]["options"][0]["voters"]
            .clone();
        let expected = if anonymous {
            json!([])
        } else {
            json!([{ "username": "owner" }])
        };
        assert_eq!(voters, expected, "anonymous: {anonymous}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn comment_mentions_are_stored() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let ada = app.member("ada").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post = post_in(&app, &owner, &group.id, "Sujet").await;
    app.graphql(Some(&owner), "mutation($p: ID!) { addComment(input: { postId: $p, body: \"Qu'en penses-tu @ada ?\" }) { comment { id } } }", json!({ "p": post["id"] }))
        .await;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Mention {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: uuid::Uuid,
    }
    let mut conn = app.db().connect().await.unwrap();
    let mentions: Vec<Mention> = diesel::sql_query("SELECT user_id FROM comment_mentions")
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        mentions.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        [ada.uuid]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_post_takes_as_long_to_look_up_as_a_missing_one() {
    let app = TestApp::spawn().await;
    let insider = app.member("insider").await;
    let outsider = app.member("outsider").await;
    let secret = app
        .create_group(&insider, "Comité secret", Visibility::Secret)
        .await;
    let post = post_in(&app, &insider, &secret.id, "Réorganisation à venir").await;
    common::assert_missing_and_hidden_look_alike(
        &app,
        &outsider,
        "Post",
        post["id"].as_str().unwrap(),
    )
    .await;
}

/// Two groups owned by `owner`, an org admin: a guest and a colleague in the first, an outsider
/// (whom the guest may not see in the directory) in the second only.
struct TwoGroups {
    app: TestApp,
    owner: TestUser,
    guest: TestUser,
    colleague: TestUser,
    outsider: TestUser,
    ours: common::groups::TestGroup,
    theirs: common::groups::TestGroup,
}

async fn two_groups() -> TwoGroups {
    let app = TestApp::spawn().await;
    let owner = app.create_user("owner", OrgRole::Admin).await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let colleague = app.member("colleague").await;
    let outsider = app.member("outsider").await;
    let ours = app.create_group(&owner, "Ours", Visibility::Private).await;
    let theirs = app
        .create_group(&owner, "Theirs", Visibility::Private)
        .await;
    app.add_member(&ours, &guest, GroupRole::Member).await;
    app.add_member(&ours, &colleague, GroupRole::Member).await;
    app.add_member(&theirs, &outsider, GroupRole::Member).await;
    TwoGroups {
        app,
        owner,
        guest,
        colleague,
        outsider,
        ours,
        theirs,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_see_only_the_voters_they_may_see_in_the_directory() {
    let TwoGroups {
        app,
        owner,
        guest,
        colleague,
        outsider,
        ours,
        theirs,
    } = two_groups().await;
    let created = app
        .graphql(
            Some(&owner),
            CREATE,
            json!({ "input": { "groupIds": [ours.id, theirs.id], "body": "Quel jour ?",
                               "poll": { "options": ["Lundi", "Mardi"] } } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let post = created["data"]["createPost"]["post"]["id"].clone();
    let monday = option_ids(&app, &owner, &post).await[0].clone();
    for voter in [&colleague, &outsider] {
        vote_at_once(&app, voter, &post, &[vec![monday.clone()]]).await;
    }

    let seen = app
        .graphql(
            Some(&guest),
            "query($id: ID!) { post(id: $id) { poll { options { voteCount voters { username } } } } }",
            json!({ "id": post }),
        )
        .await;

    assert_eq!(
        seen["data"]["post"]["poll"]["options"][0],
        json!({ "voteCount": 2, "voters": [{ "username": "colleague" }] }),
        "{seen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_author_who_became_a_guest_sees_only_the_acknowledgers_they_may_see() {
    let TwoGroups {
        app,
        colleague,
        outsider,
        ours,
        theirs,
        ..
    } = two_groups().await;
    let author = app.member("author").await;
    let mut conn = app.db().connect().await.unwrap();
    parvis::users::model::set_access(&mut conn, author.uuid, None, Some(true))
        .await
        .unwrap();
    app.add_member(&ours, &author, GroupRole::Member).await;
    app.add_member(&theirs, &author, GroupRole::Member).await;
    let created = app
        .graphql(
            Some(&author),
            CREATE,
            json!({ "input": { "groupIds": [ours.id, theirs.id], "body": "Merci de confirmer",
                               "requiresAcknowledgement": true } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let post = created["data"]["createPost"]["post"]["id"].clone();
    let acknowledge =
        "mutation($id: ID!) { acknowledgePost(input: { postId: $id }) { post { id } } }";
    for reader in [&colleague, &outsider] {
        app.graphql(Some(reader), acknowledge, json!({ "id": post }))
            .await;
    }
    parvis::groups::model::remove_member(&mut conn, theirs.uuid, author.uuid)
        .await
        .unwrap();
    parvis::users::model::set_access(&mut conn, author.uuid, Some(OrgRole::Guest), None)
        .await
        .unwrap();

    let seen = app
        .graphql(
            Some(&author),
            "query($id: ID!) { post(id: $id) { acknowledgements { totalCount edges { node { username } } } } }",
            json!({ "id": post }),
        )
        .await;

    assert_eq!(
        seen["data"]["post"]["acknowledgements"],
        json!({ "totalCount": 1, "edges": [{ "node": { "username": "colleague" } }] }),
        "{seen}"
    );
}

async fn comment_on(app: &TestApp, author: &TestUser, post: &Value, body: &str) -> Value {
    let response = app
        .graphql(
            Some(author),
            "mutation($id: ID!, $b: String!) { addComment(input: { postId: $id, body: $b }) { comment { id } } }",
            json!({ "id": post["id"], "b": body }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["addComment"]["comment"].clone()
}

/// A post in `group` with three comments.
async fn commented_post(app: &TestApp, author: &TestUser, group: &str, body: &str) -> Value {
    let post = post_in(app, author, group, body).await;
    for text in ["Un", "Deux", "Trois"] {
        comment_on(app, author, &post, text).await;
    }
    post
}

#[tokio::test(flavor = "multi_thread")]
async fn the_comments_of_a_feed_page_cost_the_same_statements_for_one_post_or_many() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let query = "{ feed(first: 20) { edges { node { comments(first: 2) {
        totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { body } } } } } } }";
    let page = json!({
        "totalCount": 3,
        "pageInfo": { "hasNextPage": true, "hasPreviousPage": false },
        "edges": [{ "node": { "body": "Un" } }, { "node": { "body": "Deux" } }],
    });
    let pages = |response: &Value| -> Vec<Value> {
        response["data"]["feed"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["comments"].clone())
            .collect()
    };
    commented_post(&app, &owner, &group.id, "Post 0").await;
    let (one, response) = app.statements_of(&owner, query, json!({})).await;
    assert_eq!(pages(&response), std::slice::from_ref(&page));
    for i in 1..8 {
        commented_post(&app, &owner, &group.id, &format!("Post {i}")).await;
    }

    let (eight, response) = app.statements_of(&owner, query, json!({})).await;

    assert_eq!(pages(&response), vec![page; 8]);
    assert_eq!(one, eight, "1 post: {one} statements, 8 posts: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_paged_to_the_end_with_their_total() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let post = commented_post(&app, &owner, &group.id, "Trois commentaires").await;
    let query = "query($id: ID!, $after: String) { post(id: $id) { comments(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { body } } } } }";
    let page = |after: Value| {
        let app = &app;
        let (owner, post) = (&owner, &post);
        async move {
            let response = app
                .graphql(
                    Some(owner),
                    query,
                    json!({ "id": post["id"], "after": after }),
                )
                .await;
            assert!(response["errors"].is_null(), "{response}");
            let comments = response["data"]["post"]["comments"].clone();
            let bodies: Vec<String> = comments["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|edge| edge["node"]["body"].as_str().unwrap().to_owned())
                .collect();
            (bodies, comments)
        }
    };

    let (bodies, first) = page(Value::Null).await;
    assert_eq!(bodies, ["Un", "Deux"]);
    assert_eq!(first["totalCount"], 3);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    let (bodies, second) = page(first["pageInfo"]["endCursor"].clone()).await;
    assert_eq!(bodies, ["Trois"]);
    assert_eq!(second["totalCount"], 3);
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    let (bodies, past_the_end) = page(second["pageInfo"]["endCursor"].clone()).await;
    assert!(bodies.is_empty());
    assert_eq!(past_the_end["totalCount"], 3);
    assert_eq!(past_the_end["pageInfo"]["hasPreviousPage"], true);
}

/// What `query` (a feed page) costs and answers with one post, then with eight: `add_post` adds
/// the `i`-th post.
async fn feed_cost_for_one_and_eight_posts(
    app: &TestApp,
    viewer: &TestUser,
    query: &str,
    mut add_post: impl AsyncFnMut(usize),
) -> ((u64, Value), (u64, Value)) {
    add_post(0).await;
    let one = app.statements_of(viewer, query, json!({})).await;
    for i in 1..8 {
        add_post(i).await;
    }
    let eight = app.statements_of(viewer, query, json!({})).await;
    (one, eight)
}

/// The value of `field` on each post of a feed answer.
fn per_post(response: &Value, field: &str) -> Vec<Value> {
    response["data"]["feed"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|edge| edge["node"][field].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_acknowledgements_of_a_feed_page_cost_the_same_statements_for_one_post_or_many() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let query = "{ feed(first: 20) { edges { node {
        acknowledgementStats { acknowledged audience }
        acknowledgements(first: 5, acknowledged: false) { totalCount edges { node { username } } } } } } }";
    let ((one, first), (eight, second)) =
        feed_cost_for_one_and_eight_posts(&app, &owner, query, async |i| {
            let created = app
                .graphql(Some(&owner), CREATE, json!({ "input": { "groupIds": [group.id], "requiresAcknowledgement": true, "body": format!("Note {i}") } }))
                .await;
            assert!(created["errors"].is_null(), "{created}");
        })
        .await;

    let pending = json!({ "totalCount": 1, "edges": [{ "node": { "username": "reader" } }] });
    assert_eq!(
        per_post(&first, "acknowledgements"),
        std::slice::from_ref(&pending)
    );
    assert_eq!(per_post(&second, "acknowledgements"), vec![pending; 8]);
    let stats = json!({ "acknowledged": 0, "audience": 1 });
    assert_eq!(per_post(&second, "acknowledgementStats"), vec![stats; 8]);
    assert_eq!(one, eight, "1 post: {one} statements, 8 posts: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_polls_of_a_feed_page_cost_the_same_statements_for_one_post_or_many() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let query = "{ feed(first: 20) { edges { node { poll {
        voterCount viewerVotes options { label voteCount voters { username } } } } } } }";
    let ((one, first), (eight, second)) =
        feed_cost_for_one_and_eight_posts(&app, &owner, query, async |_| {
            let post = poll_post(
                &app,
                &owner,
                &group.id,
                json!({ "options": ["Oui", "Non"] }),
            )
            .await;
            let options = option_ids(&app, &owner, &post).await;
            let voted = app
                .graphql(Some(&owner), VOTE, json!({ "p": post, "o": [options[0]] }))
                .await;
            assert!(voted["errors"].is_null(), "{voted}");
        })
        .await;

    let polls = per_post(&second, "poll");
    assert_eq!(polls.len(), 8);
    for poll in polls.iter().chain(&per_post(&first, "poll")) {
        assert_eq!(poll["voterCount"], 1, "{poll}");
        assert_eq!(poll["viewerVotes"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            poll["options"],
            json!([
                { "label": "Oui", "voteCount": 1, "voters": [{ "username": "owner" }] },
                { "label": "Non", "voteCount": 0, "voters": [] },
            ])
        );
    }
    assert_eq!(one, eight, "1 post: {one} statements, 8 posts: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_previous_versions_of_a_feed_page_cost_the_same_statements_for_one_post_or_many() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let query = "{ feed(first: 20) { edges { node { previousVersions { body } } } } }";
    let ((one, first), (eight, second)) =
        feed_cost_for_one_and_eight_posts(&app, &owner, query, async |_| {
            let post = post_in(&app, &owner, &group.id, "Avant").await;
            let edited = app
                .graphql(Some(&owner), "mutation($id: ID!) { updatePost(input: { postId: $id, body: \"Après\" }) { post { id } } }", json!({ "id": post["id"] }))
                .await;
            assert!(edited["errors"].is_null(), "{edited}");
        })
        .await;

    let history = json!([{ "body": "Avant" }]);
    assert_eq!(
        per_post(&first, "previousVersions"),
        std::slice::from_ref(&history)
    );
    assert_eq!(per_post(&second, "previousVersions"), vec![history; 8]);
    assert_eq!(one, eight, "1 post: {one} statements, 8 posts: {eight}");
}

/// The people who opened a post, by username, as `post_views` holds them.
async fn viewers_of_posts(app: &TestApp) -> Vec<String> {
    texts_of(
        app,
        "SELECT u.username AS text FROM post_views v JOIN users u ON u.id = v.user_id
         ORDER BY u.username",
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn reacting_subscribing_or_deleting_does_not_count_as_opening_a_post() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let post = post_in(&app, &owner, &group.id, "À lire").await;
    let unwanted = post_in(&app, &reader, &group.id, "Hors sujet").await;

    let reacted = app
        .graphql(Some(&reader), "mutation($id: ID!) { addReaction(input: { subjectId: $id, emoji: \"👍\" }) { subjectId } }", json!({ "id": post["id"] }))
        .await;
    assert!(reacted["errors"].is_null(), "{reacted}");
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &reader.token).await;
    client
        .subscribe(
            "r",
            "subscription($id: ID!) { reactionsChanged(subjectId: $id) { subjectId } }",
            json!({ "id": post["id"] }),
        )
        .await;
    for attempt in 0.. {
        assert!(attempt < 50, "the subscription never delivered");
        let reacted = app
            .graphql(Some(&owner), "mutation($id: ID!) { addReaction(input: { subjectId: $id, emoji: \"🎉\" }) { subjectId } }", json!({ "id": post["id"] }))
            .await;
        assert!(reacted["errors"].is_null(), "{reacted}");
        if let Some(Received::Message(_)) = client.receive_within(Duration::from_millis(200)).await
        {
            break;
        }
    }
    let deleted = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { deletePost(input: { postId: $id }) { deletedPostId } }",
            json!({ "id": unwanted["id"] }),
        )
        .await;
    assert!(deleted["errors"].is_null(), "{deleted}");
    assert_eq!(viewers_of_posts(&app).await, Vec::<String>::new());

    let opened = app
        .graphql(
            Some(&reader),
            "query($id: ID!) { post(id: $id) { viewerHasSeen } }",
            json!({ "id": post["id"] }),
        )
        .await;

    assert!(opened["errors"].is_null(), "{opened}");
    assert_eq!(viewers_of_posts(&app).await, ["reader"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_merges_the_viewers_groups_and_organization_wide_posts_newest_first_each_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let reader = app.member("reader").await;
    let chess = app
        .create_group(&reader, "Chess", Visibility::Private)
        .await;
    let choir = app
        .create_group(&reader, "Choir", Visibility::Private)
        .await;
    let elsewhere = app
        .create_group(&admin, "Elsewhere", Visibility::Private)
        .await;
    let post = |input: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            let response = app
                .graphql(Some(admin), CREATE, json!({ "input": input }))
                .await;
            assert!(response["errors"].is_null(), "{response}");
        }
    };
    app.add_member(&chess, &admin, GroupRole::Member).await;
    app.add_member(&choir, &admin, GroupRole::Member).await;
    post(json!({ "groupIds": [chess.id], "body": "Un" })).await;
    post(json!({ "organizationWide": true, "body": "Deux" })).await;
    post(json!({ "groupIds": [chess.id, choir.id], "body": "Trois" })).await;
    post(json!({ "groupIds": [elsewhere.id], "body": "Ailleurs" })).await;
    post(json!({ "groupIds": [choir.id], "body": "Quatre" })).await;

    let feed = feed_bodies(&app, &reader, Value::Null).await;

    assert_eq!(feed, ["Quatre", "Trois", "Deux", "Un"]);
}

/// The feed card of `../shared/peer-bench`: author, groups, reactions, comment count and the
/// latest comments with their authors.
const FEED_CARD: &str = "{ feed(first: 20) { edges { node { id title bodyHtml publishedAt
    author { displayName } groups { name } reactions { emoji count } commentCount
    latestComments { bodyHtml createdAt author { displayName } } } } } }";

/// The card's statements: the page with its posts' audiences and their groups, the reactions,
/// the comment counts with the latest comments, and the people shown (the credential is
/// remembered).
#[tokio::test(flavor = "multi_thread")]
async fn a_feed_card_costs_four_statements() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let post = post_in(&app, &owner, &group.id, "Bienvenue").await;
    comment_on(&app, &owner, &post, "Merci").await;

    let (statements, response) = app.statements_of(&owner, FEED_CARD, json!({})).await;

    assert_eq!(per_post(&response, "commentCount"), [json!(1)]);
    assert_eq!(statements, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_card_of_posts_without_reactions_or_comments_costs_no_more_statements() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let quiet = post_in(&app, &owner, &group.id, "Personne n'a réagi").await;
    let (without, response) = app.statements_of(&owner, FEED_CARD, json!({})).await;
    assert_eq!(per_post(&response, "commentCount"), [json!(0)]);
    comment_on(&app, &owner, &quiet, "Enfin").await;
    let reacted = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { addReaction(input: { subjectId: $id, emoji: \"👍\" }) { subjectId } }",
            json!({ "id": quiet["id"] }),
        )
        .await;
    assert!(reacted["errors"].is_null(), "{reacted}");

    let (with, response) = app.statements_of(&owner, FEED_CARD, json!({})).await;

    assert_eq!(per_post(&response, "commentCount"), [json!(1)]);
    assert_eq!(
        without, with,
        "without reactions or comments: {without} statements, with: {with}"
    );
}

/// For each `i` of `range`, what a busy home shows `reader`: the group "Club {i}" of the admin
/// "auteur{i}", with `reader` in it, an unread post, an event in `i + 1` days and an open
/// survey, and the organization-wide post "Note {i}" (also in the club) pinned on the home.
async fn busy_homes(app: &TestApp, reader: &TestUser, range: std::ops::Range<usize>) {
    for i in range {
        let author = app.create_user(&format!("auteur{i}"), OrgRole::Admin).await;
        let club = app
            .create_group(&author, &format!("Club {i}"), Visibility::Private)
            .await;
        app.add_member(&club, reader, GroupRole::Member).await;
        post_in(app, &author, &club.id, &format!("Nouvelles {i}")).await;
        let note = app
            .graphql(Some(&author), CREATE, json!({ "input": { "organizationWide": true, "groupIds": [club.id], "body": format!("Note {i}") } }))
            .await;
        let pinned = app
            .graphql(
                Some(&author),
                "mutation($p: ID!, $n: Int!) { pinPost(input: { postId: $p, position: $n }) { post { pinnedOnHome } } }",
                json!({ "p": note["data"]["createPost"]["post"]["id"], "n": i }),
            )
            .await;
        assert_eq!(
            pinned["data"]["pinPost"]["post"]["pinnedOnHome"], true,
            "{note} {pinned}"
        );
        let starts = Utc::now() + chrono::Duration::days(i as i64 + 1);
        let event = app
            .graphql(
                Some(&author),
                "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
                json!({ "input": { "groupId": club.id, "title": format!("Réunion {i}"), "startsAt": starts,
                                   "endsAt": starts + chrono::Duration::hours(1), "timeZone": "Europe/Paris" } }),
            )
            .await;
        assert!(event["errors"].is_null(), "{event}");
        let survey = app
            .graphql(
                Some(&author),
                "mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { survey { id } } }",
                json!({ "input": { "title": format!("Sondage {i}"), "groupIds": [club.id],
                                   "questions": [{ "kind": "SCALE", "prompt": "Satisfait ?" }] } }),
            )
            .await;
        assert!(survey["errors"].is_null(), "{survey}");
    }
}

/// The statements `{ home { selection } }` costs the reader with one of everything on their
/// home, then with six, and the second home.
async fn home_statements_at_one_and_six(selection: &str) -> (u64, u64, Value) {
    let app = TestApp::spawn().await;
    let reader = app.member("reader").await;
    let query = format!("{{ home {{ {selection} }} }}");
    busy_homes(&app, &reader, 0..1).await;
    let (one, _) = app.statements_of(&reader, &query, json!({})).await;
    busy_homes(&app, &reader, 1..6).await;
    let (six, response) = app.statements_of(&reader, &query, json!({})).await;
    (one, six, response["data"]["home"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pinned_posts_of_the_home_cost_the_same_statements_for_one_post_or_many() {
    let (one, six, home) = home_statements_at_one_and_six(
        "pinnedPosts { body author { username } groups { name } commentCount
         reactions { count } viewerHasSeen viewerHasAcknowledged }",
    )
    .await;

    let pinned: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "body": format!("Note {i}"), "author": { "username": format!("auteur{i}") },
                    "groups": [{ "name": format!("Club {i}") }], "commentCount": 0, "reactions": [],
                    "viewerHasSeen": false, "viewerHasAcknowledged": false })
        })
        .collect();
    assert_eq!(home["pinnedPosts"], json!(pinned));
    assert_eq!(one, six, "1 pinned post: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_groups_of_the_home_cost_the_same_statements_for_one_group_or_many() {
    let (one, six, home) = home_statements_at_one_and_six(
        "groups { group { name memberCount viewerRole viewerNotificationLevel } unreadPostCount }",
    )
    .await;

    let groups: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "group": { "name": format!("Club {i}"), "memberCount": 2, "viewerRole": "MEMBER",
                               "viewerNotificationLevel": "DEFAULT" },
                    "unreadPostCount": 2 })
        })
        .collect();
    assert_eq!(home["groups"], json!(groups));
    assert_eq!(one, six, "1 group: {one} statements, 6 groups: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upcoming_events_of_the_home_cost_the_same_statements_for_one_event_or_many() {
    let (one, six, home) = home_statements_at_one_and_six(
        "upcomingEvents(first: 10) { event { title group { name } organizers { username }
         goingCount viewerRsvp viewerCanRsvp } }",
    )
    .await;

    let events: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "event": { "title": format!("Réunion {i}"), "group": { "name": format!("Club {i}") },
                               "organizers": [{ "username": format!("auteur{i}") }],
                               "goingCount": 0, "viewerRsvp": null, "viewerCanRsvp": true } })
        })
        .collect();
    assert_eq!(home["upcomingEvents"], json!(events));
    assert_eq!(one, six, "1 event: {one} statements, 6 events: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pending_surveys_of_the_home_cost_the_same_statements_for_one_survey_or_many() {
    let (one, six, home) = home_statements_at_one_and_six(
        "pendingSurveys(first: 10) { title groups { name } createdBy { username }
         questions { prompt } viewerCanAnswer }",
    )
    .await;

    let surveys: Vec<Value> = (0..6)
        .rev()
        .map(|i| {
            json!({ "title": format!("Sondage {i}"), "groups": [{ "name": format!("Club {i}") }],
                    "createdBy": { "username": format!("auteur{i}") },
                    "questions": [{ "prompt": "Satisfait ?" }], "viewerCanAnswer": true })
        })
        .collect();
    assert_eq!(home["pendingSurveys"], json!(surveys));
    assert_eq!(one, six, "1 survey: {one} statements, 6 surveys: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_screen_costs_the_same_statements_for_one_group_or_many() {
    let (one, six, home) = home_statements_at_one_and_six(
        "pinnedPosts { body author { username } groups { name } commentCount }
         groups { group { name } unreadPostCount }
         upcomingEvents(first: 10) { startsAt event { title group { name } } }
         pendingSurveys(first: 10) { title createdBy { username } }",
    )
    .await;

    for list in ["pinnedPosts", "groups", "upcomingEvents", "pendingSurveys"] {
        assert_eq!(
            home[list].as_array().map(Vec::len),
            Some(6),
            "{list}: {home}"
        );
    }
    assert_eq!(one, six, "1 of each: {one} statements, 6 of each: {six}");
}
