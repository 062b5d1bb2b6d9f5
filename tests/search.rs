//! Search: one query across people, groups, posts, comments, events, files and chat messages,
//! in French and English, as the viewer may see them.

mod common;

use std::collections::BTreeSet;

use common::groups::TestGroup;
use common::{TestApp, TestUser, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const SEARCH: &str = "query($q: String!, $f: SearchFilterInput, $first: Int, $after: String,
                         $last: Int, $before: String) {
    search(query: $q, filter: $f, first: $first, after: $after, last: $last, before: $before) {
        totalCount countsByType { type count }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { node { type score highlights node { id } } } } }";

async fn search_as(app: &TestApp, viewer: &TestUser, query: &str, variables: Value) -> Value {
    let mut variables = variables;
    variables["q"] = json!(query);
    let response = app.graphql(Some(viewer), SEARCH, variables).await;
    assert!(response["errors"].is_null(), "{query}: {response}");
    response["data"]["search"].clone()
}

/// The global IDs of what `viewer` finds, best first.
async fn found(app: &TestApp, viewer: &TestUser, query: &str) -> Vec<String> {
    found_with(app, viewer, query, json!({})).await
}

async fn found_with(app: &TestApp, viewer: &TestUser, query: &str, filter: Value) -> Vec<String> {
    let result = search_as(app, viewer, query, json!({ "f": filter, "first": 100 })).await;
    hit_ids(&result)
}

fn hit_ids(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{result}"))
        .iter()
        .map(|edge| edge["node"]["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn mutate(app: &TestApp, user: &TestUser, mutation: &str, input: Value) -> Value {
    let response = app
        .graphql(Some(user), mutation, json!({ "input": input }))
        .await;
    assert!(response["errors"].is_null(), "{mutation}: {response}");
    response["data"].clone()
}

/// Runs the mutation `name` (taking a `NameInput`, as every mutation does) and answers the id of
/// the `object` its payload returns.
async fn created(app: &TestApp, user: &TestUser, name: &str, object: &str, input: Value) -> String {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let mutation = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {object} {{ id }} }} }}"
    );
    let data = mutate(app, user, &mutation, input).await;
    data[name][object]["id"].as_str().unwrap().to_owned()
}

async fn post(app: &TestApp, author: &TestUser, input: Value) -> String {
    created(app, author, "createPost", "post", input).await
}

async fn post_in(app: &TestApp, author: &TestUser, group: &TestGroup, body: &str) -> String {
    post(app, author, json!({ "groupIds": [group.id], "body": body })).await
}

async fn comment(app: &TestApp, author: &TestUser, post: &str, body: &str) -> String {
    let input = json!({ "postId": post, "body": body });
    created(app, author, "addComment", "comment", input).await
}

async fn event(
    app: &TestApp,
    organizer: &TestUser,
    group: Option<&TestGroup>,
    title: &str,
) -> String {
    let input = json!({
        "groupId": group.map(|group| &group.id),
        "title": title,
        "startsAt": "2027-03-01T09:00:00Z",
        "endsAt": "2027-03-01T10:00:00Z",
    });
    created(app, organizer, "createEvent", "event", input).await
}

/// Uploads a small text file named `name` to `group`'s drive (the uploader's own without one).
async fn file(app: &TestApp, uploader: &TestUser, group: Option<&TestGroup>, name: &str) -> String {
    let drive = match group {
        Some(group) => {
            let response = app
                .graphql(
                    Some(uploader),
                    "query($id: ID!) { group(id: $id) { drive { id } } }",
                    json!({ "id": group.id }),
                )
                .await;
            response["data"]["group"]["drive"]["id"].clone()
        }
        None => {
            let response = app
                .graphql(Some(uploader), "{ myDrive { id } }", json!({}))
                .await;
            response["data"]["myDrive"]["id"].clone()
        }
    };
    let response = app
        .upload(
            uploader,
            "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id } } }",
            json!({ "driveId": drive, "file": null }),
            name,
            b"hello".to_vec(),
        )
        .await;
    response["data"]["uploadFile"]["file"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

async fn room(app: &TestApp, manager: &TestUser, group: &TestGroup, name: &str) -> String {
    let input = json!({ "groupId": group.id, "name": name });
    created(app, manager, "createChatRoom", "conversation", input).await
}

async fn direct(app: &TestApp, from: &TestUser, to: &TestUser) -> String {
    let input = json!({ "userId": to.id });
    created(app, from, "openDirectConversation", "conversation", input).await
}

async fn message(app: &TestApp, author: &TestUser, conversation: &str, body: &str) -> String {
    let input = json!({ "conversationId": conversation, "body": body });
    created(app, author, "sendMessage", "message", input).await
}

async fn person(app: &TestApp, username: &str, name: &str, title: &str) -> TestUser {
    app.create_user_with(username, OrgRole::Member, |user| {
        user.display_name = name.to_owned();
        user.title = Some(title.to_owned());
    })
    .await
}

fn counts(result: &Value) -> Vec<(String, i64)> {
    result["countsByType"]
        .as_array()
        .unwrap()
        .iter()
        .map(|count| {
            (
                count["type"].as_str().unwrap().to_owned(),
                count["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn words_are_found_in_their_french_and_english_forms_whatever_the_accents() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app
        .create_group(&author, "Équipe", Visibility::Private)
        .await;
    let french = post_in(&app, &author, &group, "Les réunions du lundi matin").await;
    let english = post_in(&app, &author, &group, "Planning the weekly meeting").await;
    let zoe = person(&app, "zdubois", "Zoé Dubois", "Comptable").await;

    assert_eq!(found(&app, &author, "reunion ").await, vec![french.clone()]);
    assert_eq!(found(&app, &author, "RÉUNION ").await, vec![french.clone()]);
    assert_eq!(
        found(&app, &author, "meetings ").await,
        vec![english.clone()]
    );
    assert_eq!(found(&app, &author, "Zoe ").await, vec![zoe.id.clone()]);
    assert_eq!(found(&app, &author, "comptables ").await, [zoe.id]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_word_also_finds_the_words_it_begins() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app
        .create_group(&author, "Ventes", Visibility::Private)
        .await;
    let post = post_in(&app, &author, &group, "Résultats trimestriels").await;

    assert_eq!(found(&app, &author, "trimes").await, [post]);
    assert!(found(&app, &author, "trimes ").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn phrases_exclusions_and_alternatives_narrow_the_hits() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app
        .create_group(&author, "Finance", Visibility::Private)
        .await;
    let budget = post_in(&app, &author, &group, "Le budget annuel est voté").await;
    let plan = post_in(&app, &author, &group, "Le plan annuel est prêt").await;
    let both = post_in(&app, &author, &group, "Annuel : le plan et le budget").await;
    let set = |ids: Vec<String>| ids.into_iter().collect::<BTreeSet<_>>();

    assert_eq!(
        found(&app, &author, "\"budget annuel\"").await,
        vec![budget.clone()]
    );
    assert_eq!(
        found(&app, &author, "annuel -budget ").await,
        vec![plan.clone()]
    );
    assert_eq!(
        set(found(&app, &author, "voté OR prêt ").await),
        set(vec![budget.clone(), plan.clone()])
    );
    assert_eq!(
        set(found(&app, &author, "annuel budget ").await),
        set(vec![budget, both])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn names_and_titles_are_found_with_a_typo() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    let zoe = person(&app, "zoe", "Zoé Dubois", "Juriste").await;
    person(&app, "jean", "Jean Dupont", "Juriste").await;

    assert_eq!(found(&app, &viewer, "Dubios ").await, vec![zoe.id.clone()]);
    assert_eq!(found(&app, &viewer, "zoe dubios").await, [zoe.id]);
    assert!(found(&app, &viewer, "Durand ").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn highlights_mark_the_words_found_and_escape_everything_else() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app
        .create_group(&author, "Cuisine", Visibility::Private)
        .await;
    post(
        &app,
        &author,
        json!({ "groupIds": [group.id], "title": "Fish & chips",
                "body": "Un test: 1 < 2 & <script>alert(1)</script> la réunion des chefs" }),
    )
    .await;

    let result = search_as(&app, &author, "réunion chips", json!({})).await;
    let highlights = &result["edges"][0]["node"]["highlights"];
    assert_eq!(highlights[0], "Fish &amp; <mark>chips</mark>");
    let body = highlights[1].as_str().unwrap();
    assert!(body.contains("<mark>réunion</mark>"), "{body}");
    assert!(body.contains("1 &lt; 2 &amp;"), "{body}");
    assert!(!body.contains("<script>"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_by_type_cover_every_type_and_filters_narrow_the_hits() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let other = app.member("other").await;
    let group = app
        .create_group(&owner, "Kiwi club", Visibility::Public)
        .await;
    app.add_member(&group, &other, GroupRole::Member).await;
    let kiwi_post = post_in(&app, &owner, &group, "Kiwi harvest").await;
    comment(&app, &other, &kiwi_post, "More kiwi please").await;
    event(&app, &owner, Some(&group), "Kiwi tasting").await;
    file(&app, &owner, Some(&group), "kiwi.txt").await;
    let chat = room(&app, &owner, &group, "général").await;
    message(&app, &other, &chat, "kiwi for lunch?").await;
    person(&app, "grower", "Kim Grower", "Kiwi grower").await;

    let all = search_as(&app, &owner, "kiwi", json!({})).await;
    let every_type = [
        "PERSON", "GROUP", "POST", "COMMENT", "EVENT", "FILE", "MESSAGE",
    ]
    .map(|kind| (kind.to_owned(), 1));
    assert_eq!(counts(&all), every_type);
    assert_eq!(all["totalCount"], 7);

    let posts = search_as(&app, &owner, "kiwi", json!({ "f": { "types": ["POST"] } })).await;
    assert_eq!(hit_ids(&posts), [kiwi_post]);
    assert_eq!(posts["totalCount"], 1);
    assert_eq!(counts(&posts), every_type, "tabs still count every type");

    let by_other = found_with(&app, &owner, "kiwi", json!({ "authorId": other.id })).await;
    assert_eq!(by_other.len(), 2, "the comment and the message");
    let later = found_with(
        &app,
        &owner,
        "kiwi",
        json!({ "from": "2027-02-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(later.len(), 1, "the event");
}

#[tokio::test(flavor = "multi_thread")]
async fn suggestions_put_people_and_groups_first() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app
        .create_group(&owner, "Papayes", Visibility::Public)
        .await;
    post(
        &app,
        &owner,
        json!({ "groupIds": [group.id], "title": "Papaye", "body": "Papaye papaye papaye" }),
    )
    .await;
    person(&app, "grower", "Pat Grower", "Papayer").await;

    let response = app
        .graphql(
            Some(&owner),
            "query($q: String!) { searchSuggestions(query: $q, first: 3) { type } }",
            json!({ "q": "papa" }),
        )
        .await;
    let types: Vec<&str> = response["data"]["searchSuggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|hit| hit["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 3, "{response}");
    assert_eq!(types[2], "POST");
    assert!(types[..2].contains(&"PERSON") && types[..2].contains(&"GROUP"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_of_hits_follow_one_another_both_ways() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app
        .create_group(&author, "Notes", Visibility::Private)
        .await;
    for n in 0..5 {
        let mangoes = "mangue ".repeat(n + 1);
        post_in(&app, &author, &group, &format!("Note {n} : {mangoes}")).await;
    }
    let (mut forwards, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = search_as(
            &app,
            &author,
            "mangue",
            json!({ "first": 2, "after": after }),
        )
        .await;
        forwards.extend(hit_ids(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let (mut backwards, mut before) = (Vec::new(), Value::Null);
    loop {
        let page = search_as(
            &app,
            &author,
            "mangue",
            json!({ "last": 2, "before": before }),
        )
        .await;
        backwards.splice(0..0, hit_ids(&page));
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(
        forwards.iter().collect::<BTreeSet<_>>().len(),
        5,
        "each hit once"
    );
    assert_eq!(backwards, forwards);
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_show_in_the_results_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app
        .create_group(&owner, "Atelier", Visibility::Private)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let post = post_in(&app, &owner, &group, "La papaye est mûre").await;
    let reply = comment(&app, &member, &post, "Papaye pour tous").await;

    mutate(
        &app,
        &owner,
        "mutation($input: UpdatePostInput!) { updatePost(input: $input) { post { id } } }",
        json!({ "postId": post, "body": "La goyave est mûre" }),
    )
    .await;
    assert_eq!(found(&app, &member, "papaye ").await, vec![reply.clone()]);
    assert_eq!(found(&app, &member, "goyave ").await, vec![post.clone()]);

    mutate(
        &app,
        &member,
        "mutation($input: LeaveGroupInput!) { leaveGroup(input: $input) { group { id } } }",
        json!({ "groupId": group.id }),
    )
    .await;
    assert!(found(&app, &member, "papaye ").await.is_empty());

    mutate(
        &app,
        &owner,
        "mutation($input: DeletePostInput!) { deletePost(input: $input) { deletedPostId } }",
        json!({ "postId": post }),
    )
    .await;
    assert!(found(&app, &owner, "goyave OR papaye ").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_a_post_is_not_reading_it() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let reader = app.member("reader").await;
    let group = app
        .create_group(&author, "Lecture", Visibility::Public)
        .await;
    let post = post_in(&app, &author, &group, "Le rapport annuel").await;

    assert_eq!(found(&app, &reader, "rapport").await, vec![post.clone()]);
    let response = app
        .graphql(
            Some(&reader),
            "query($g: ID!) { feed(filter: { groupId: $g }) { edges { node { viewerHasSeen } } } }",
            json!({ "g": group.id }),
        )
        .await;
    assert_eq!(
        response["data"]["feed"]["edges"][0]["node"]["viewerHasSeen"],
        false
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_with_nothing_to_look_for_are_refused_and_mistyped_syntax_is_forgiven() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    for query in ["", "   ", "?!...", "-budget", "OR", &"a".repeat(201)] {
        let response = app
            .graphql(Some(&viewer), SEARCH, json!({ "q": query }))
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{query:?}: {response}"
        );
    }
    for query in [
        "\"budget annuel",
        "budget -",
        "budget OR",
        "- \" OR",
        "l'équipe (2027)*",
    ] {
        let response = app
            .graphql(Some(&viewer), SEARCH, json!({ "q": query }))
            .await;
        assert!(response["errors"].is_null(), "{query:?}: {response}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filters_and_page_sizes_are_refused() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    let cases = [
        (
            json!({ "q": "budget", "f": { "from": "2027-02-01T00:00:00Z", "to": "2027-01-01T00:00:00Z" } }),
            "BAD_USER_INPUT",
        ),
        (json!({ "q": "budget", "first": 101 }), "BAD_USER_INPUT"),
        // A person's ID where a group's belongs: no such group.
        (
            json!({ "q": "budget", "f": { "groupId": viewer.id } }),
            "NOT_FOUND",
        ),
    ];
    for (variables, code) in cases {
        let response = app.graphql(Some(&viewer), SEARCH, variables.clone()).await;
        assert_eq!(error_code(&response), code, "{variables}: {response}");
    }
    let response = app
        .graphql(
            Some(&viewer),
            "{ searchSuggestions(query: \"budget\", first: 11) { type } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_out_visitors_cannot_search() {
    let app = TestApp::spawn().await;
    let response = app.graphql(None, SEARCH, json!({ "q": "budget" })).await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED");
}

/// Everyone of an organization with every visibility and role, and one of each thing holding
/// the word "lynx" wherever it can be.
struct Organization {
    app: TestApp,
    viewers: Vec<TestUser>,
    items: Vec<String>,
}

async fn organization() -> Organization {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let outsider = app.member("outsider").await;
    let mut items = Vec::new();
    for (name, visibility) in [
        ("Lynx public", Visibility::Public),
        ("Lynx private", Visibility::Private),
        ("Lynx secret", Visibility::Secret),
    ] {
        let group = app.create_group(&alice, name, visibility).await;
        items.push(group.id.clone());
        if visibility != Visibility::Public {
            app.add_member(&group, &bob, GroupRole::Member).await;
        }
        if visibility == Visibility::Private {
            app.add_member(&group, &guest, GroupRole::Member).await;
        }
        let published = post_in(&app, &alice, &group, &format!("lynx in {name}")).await;
        items.push(published.clone());
        items.push(comment(&app, &alice, &published, "a lynx comment").await);
        items.push(event(&app, &alice, Some(&group), "Lynx watch").await);
        items.push(file(&app, &alice, Some(&group), "lynx.txt").await);
        let chat = room(&app, &alice, &group, "lynx room").await;
        items.push(message(&app, &alice, &chat, "lynx in the room").await);
        items.push(
            post(
                &app,
                &alice,
                json!({ "groupIds": [group.id], "body": "lynx draft", "draft": true }),
            )
            .await,
        );
        items.push(
            post(
                &app,
                &alice,
                json!({ "groupIds": [group.id], "body": "lynx later",
                        "publishAt": "2099-01-01T00:00:00Z" }),
            )
            .await,
        );
    }
    items.push(
        post(
            &app,
            &admin,
            json!({ "organizationWide": true, "body": "lynx for all" }),
        )
        .await,
    );
    items.push(event(&app, &admin, None, "Lynx day").await);
    items.push(file(&app, &alice, None, "my lynx.txt").await);
    let dm = direct(&app, &alice, &bob).await;
    items.push(message(&app, &alice, &dm, "lynx between us").await);
    for (username, role) in [
        ("lynx_member", OrgRole::Member),
        ("lynx_guest", OrgRole::Guest),
    ] {
        items.push(
            app.create_user_with(username, role, |user| user.title = Some("Lynx".to_owned()))
                .await
                .id,
        );
    }
    Organization {
        app,
        viewers: vec![admin, alice, bob, guest, outsider],
        items,
    }
}

/// Which of `items` the viewer may open with `node(id:)`: what the policy lets them see.
async fn openable(app: &TestApp, viewer: &TestUser, items: &[String]) -> BTreeSet<String> {
    let response = app
        .graphql(
            Some(viewer),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": items }),
        )
        .await;
    response["data"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .filter_map(|node| node["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_viewer_finds_and_counts_exactly_what_the_policy_lets_them_see() {
    let Organization {
        app,
        viewers,
        items,
    } = organization().await;
    for viewer in &viewers {
        let result = search_as(&app, viewer, "lynx", json!({ "first": 100 })).await;
        let hits: BTreeSet<String> = hit_ids(&result).into_iter().collect();
        let allowed = openable(&app, viewer, &items).await;
        assert_eq!(hits, allowed, "viewer {}", viewer.id);
        let counted: i64 = counts(&result).iter().map(|(_, count)| count).sum();
        assert_eq!(counted, hits.len() as i64, "viewer {}", viewer.id);
        assert_eq!(result["totalCount"], counted);
    }
}
