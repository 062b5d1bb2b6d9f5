//! The contract client tools rely on: lookups that miss answer `null` with an error at their
//! path, and request errors carry the codes clients key on.

mod common;

use async_graphql::Positioned;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    FieldDefinition, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use common::{TestApp, error_code};
use parvis::groups::Visibility;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_node_is_null_with_a_not_found_error_and_the_other_fields_still_answer() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let missing = parvis::graphql::ids::encode("Post", uuid::Uuid::new_v4()).0;
    let response = app
        .graphql(
            Some(&ada),
            "query($id: ID!) { node(id: $id) { id } post(id: $id) { id } viewer { id } }",
            json!({ "id": missing }),
        )
        .await;
    // The keys are there, null: normalised caches read a missing key as a miss.
    assert_eq!(
        response["data"],
        json!({ "node": null, "post": null, "viewer": { "id": ada.id } }),
        "{response}"
    );
    let errors = response["errors"].as_array().unwrap();
    let mut paths: Vec<String> = errors
        .iter()
        .map(|error| error["path"].to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, [r#"["node"]"#, r#"["post"]"#]);
    assert!(
        errors
            .iter()
            .all(|error| error["extensions"]["code"] == "NOT_FOUND")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_whose_only_field_misses_answers_that_field_null_not_data_null() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let missing = parvis::graphql::ids::encode("Post", uuid::Uuid::new_v4()).0;
    let response = app
        .graphql(
            Some(&ada),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": missing }),
        )
        .await;
    assert_eq!(response["data"], json!({ "node": null }), "{response}");
    let signed_out = app.graphql(None, "{ viewer { id } }", json!({})).await;
    assert!(
        signed_out["data"].is_null(),
        "a non-null root field: {signed_out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_syntax_error_is_graphql_parse_failed_on_one_line() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let response = app.graphql(Some(&ada), "{ viewer { id }", json!({})).await;
    assert_eq!(error_code(&response), "GRAPHQL_PARSE_FAILED");
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Syntax error at line 1, column "),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
    assert!(response["errors"][0]["locations"].is_array(), "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_that_does_not_fit_the_schema_is_graphql_validation_failed() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let response = app
        .graphql(Some(&ada), "{ viewer { shoeSize } }", json!({}))
        .await;
    assert_eq!(error_code(&response), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("shoeSize"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_poll_options_and_calendar_feeds_are_nodes_hidden_from_outsiders() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&owner, "Équipe", Visibility::Private)
        .await;
    let post = app
        .graphql(
            Some(&owner),
            "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id poll { options { id } } } } }",
            json!({ "input": { "groupIds": [group.id], "body": "Quel jour ?", "poll": { "options": ["Lundi", "Mardi"] } } }),
        )
        .await["data"]["createPost"]["post"]
        .clone();
    let comment = app
        .graphql(
            Some(&owner),
            "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } } }",
            json!({ "input": { "postId": post["id"], "body": "Mardi" } }),
        )
        .await["data"]["addComment"]["comment"]["id"]
        .clone();
    let feed = app
        .graphql(
            Some(&owner),
            "mutation { createCalendarFeed { calendarFeed { id } } }",
            json!({}),
        )
        .await["data"]["createCalendarFeed"]["calendarFeed"]["id"]
        .clone();
    let option = post["poll"]["options"][1]["id"].clone();
    let query = "query($id: ID!) { node(id: $id) { __typename id } }";
    for (id, typename) in [
        (comment, "Comment"),
        (option, "PollOption"),
        (feed, "CalendarFeed"),
    ] {
        let mine = app.graphql(Some(&owner), query, json!({ "id": id })).await;
        assert_eq!(
            mine["data"]["node"],
            json!({ "__typename": typename, "id": id })
        );
        let theirs = app
            .graphql(Some(&outsider), query, json!({ "id": id }))
            .await;
        assert!(theirs["data"]["node"].is_null(), "{theirs}");
        assert_eq!(error_code(&theirs), "NOT_FOUND");
    }
}

#[test]
fn every_object_with_an_id_implements_node() {
    let not_nodes: Vec<String> = schema_types()
        .iter()
        .filter_map(|definition| match &definition.kind {
            TypeKind::Object(object)
                if object.fields.iter().any(|field| {
                    field.node.name.node == "id" && field.node.ty.node.to_string() == "ID!"
                }) && !object.implements.iter().any(|name| name.node == "Node") =>
            {
                Some(definition.name.node.to_string())
            }
            _ => None,
        })
        .collect();
    assert!(
        not_nodes.is_empty(),
        "objects with `id: ID!` that are not a Node: {not_nodes:?}"
    );
}

/// The served schema's type definitions.
fn schema_types() -> Vec<TypeDefinition> {
    let sdl = parvis::graphql::sdl();
    let document = parse_schema(&sdl).expect("the served SDL parses");
    document
        .definitions
        .into_iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(definition) => Some(definition.node),
            _ => None,
        })
        .collect()
}

fn fields_of<'a>(types: &'a [TypeDefinition], name: &str) -> &'a [Positioned<FieldDefinition>] {
    types
        .iter()
        .find_map(|definition| match &definition.kind {
            TypeKind::Object(object) if definition.name.node == name => {
                Some(object.fields.as_slice())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no object type {name}"))
}

#[test]
fn every_lookup_by_id_or_slug_answers_a_nullable_type() {
    let types = schema_types();
    let non_null: Vec<String> = fields_of(&types, "Query")
        .iter()
        .filter(|field| {
            field
                .node
                .arguments
                .iter()
                .any(|argument| matches!(argument.node.name.node.as_str(), "id" | "slug"))
        })
        .filter(|field| !field.node.ty.node.nullable)
        .map(|field| field.node.name.node.to_string())
        .collect();
    assert!(non_null.is_empty(), "non-null lookups: {non_null:?}");
}

#[test]
fn every_type_field_argument_input_field_and_enum_value_has_a_description() {
    let mut undescribed = Vec::new();
    for definition in schema_types() {
        let name = definition.name.node.as_str();
        if definition.description.is_none() {
            undescribed.push(format!("type {name}"));
        }
        let fields = match &definition.kind {
            TypeKind::Object(object) => object.fields.as_slice(),
            TypeKind::Interface(interface) => interface.fields.as_slice(),
            _ => &[],
        };
        for field in fields {
            let field = &field.node;
            if field.description.is_none() {
                undescribed.push(format!("field {name}.{}", field.name.node));
            }
            for argument in &field.arguments {
                if argument.node.description.is_none() {
                    undescribed.push(format!(
                        "argument {name}.{}({})",
                        field.name.node, argument.node.name.node
                    ));
                }
            }
        }
        match &definition.kind {
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if field.node.description.is_none() {
                        undescribed.push(format!("input field {name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    if value.node.description.is_none() {
                        undescribed.push(format!("enum value {name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        undescribed.is_empty(),
        "without a description: {undescribed:#?}"
    );
}

#[test]
fn custom_scalars_say_which_specification_they_follow() {
    let sdl = parvis::graphql::sdl();
    for scalar in ["Date", "DateTime", "Upload"] {
        assert!(
            sdl.contains(&format!("scalar {scalar} @specifiedBy(url: ")),
            "scalar {scalar} has no @specifiedBy"
        );
    }
}

#[test]
fn every_mutation_is_verb_noun_taking_its_own_input_and_answering_its_own_payload() {
    let types = schema_types();
    let mut broken = Vec::new();
    for field in fields_of(&types, "Mutation") {
        let field = &field.node;
        let name = field.name.node.as_str();
        let type_name = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        let words = name.chars().filter(char::is_ascii_uppercase).count() + 1;
        if words < 2 || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            broken.push(format!("{name}: not verbNoun"));
        }
        let arguments: Vec<String> = field
            .arguments
            .iter()
            .map(|argument| format!("{}: {}", argument.node.name.node, argument.node.ty.node))
            .collect();
        // A mutation with nothing to say (`signOut`, `createCalendarFeed`) takes no input.
        if !arguments.is_empty() && arguments != [format!("input: {type_name}Input!")] {
            broken.push(format!("{name}({})", arguments.join(", ")));
        }
        if field.ty.node.to_string() != format!("{type_name}Payload!") {
            broken.push(format!("{name}: {}", field.ty.node));
        }
    }
    assert!(
        broken.is_empty(),
        "mutations off the convention: {broken:#?}"
    );
}

fn sha256_hex(document: &str) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(document.as_bytes()))
}

/// POSTs a request with `extensions.persistedQuery` and, unless `None`, the document.
async fn persisted(
    app: &TestApp,
    user: &common::TestUser,
    hash: &str,
    query: Option<&str>,
) -> serde_json::Value {
    let mut body =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    app.http
        .post(app.url("/graphql"))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persisted_query_hash_that_is_not_the_documents_is_refused() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let wrong = sha256_hex("{ __typename }");
    let response = persisted(&app, &ada, &wrong, Some("{ viewer { id } }")).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    let unknown = persisted(&app, &ada, &sha256_hex("{ viewer { id } }"), None).await;
    assert_eq!(error_code(&unknown), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn trusted_documents_mode_runs_the_manifests_documents_and_anything_only_for_admins() {
    let trusted = "query Me { viewer { id } }";
    let manifest = std::env::temp_dir().join(format!("trusted-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(
        &manifest,
        json!({ sha256_hex(trusted): trusted }).to_string(),
    )
    .unwrap();
    let documents = parvis::graphql::persisted::TrustedDocuments::load(&manifest).unwrap();
    let app = TestApp::spawn_configured(|config| config.trusted_documents = Some(documents)).await;
    let member = app.member("member").await;
    let admin = app
        .create_user("admin", parvis::users::OrgRole::Admin)
        .await;

    let by_hash = persisted(&app, &member, &sha256_hex(trusted), None).await;
    assert_eq!(
        by_hash["data"]["viewer"]["id"],
        member.id.as_str(),
        "{by_hash}"
    );
    let other = app
        .graphql(Some(&member), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(error_code(&other), "PERSISTED_QUERY_NOT_TRUSTED");
    let from_graphiql = app
        .graphql(Some(&admin), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(from_graphiql["data"]["viewer"]["id"], admin.id.as_str());
}

#[test]
fn every_connection_takes_first_after_last_and_before() {
    let types = schema_types();
    let mut missing = Vec::new();
    for definition in &types {
        let TypeKind::Object(object) = &definition.kind else {
            continue;
        };
        for field in &object.fields {
            if !field.node.ty.node.to_string().ends_with("Connection!") {
                continue;
            }
            let arguments: Vec<&str> = field
                .node
                .arguments
                .iter()
                .map(|argument| argument.node.name.node.as_str())
                .collect();
            for wanted in ["first", "after", "last", "before"] {
                if !arguments.contains(&wanted) {
                    missing.push(format!(
                        "{}.{} has no `{wanted}`",
                        definition.name.node, field.node.name.node
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

/// The ids of a connection's items, read two at a time forwards from its start, then two at a
/// time backwards from its end (checking `pageInfo` on each page). `query` takes `$first`,
/// `$after`, `$last` and `$before`; `at` is the connection's path in `data`.
async fn read_both_ways(
    app: &TestApp,
    viewer: &common::TestUser,
    query: &str,
    variables: Value,
    at: &[&str],
) -> (Vec<String>, Vec<String>) {
    let page = |arguments: Value| {
        let mut variables = variables.clone();
        variables
            .as_object_mut()
            .unwrap()
            .extend(arguments.as_object().unwrap().clone());
        async move {
            let response = app.graphql(Some(viewer), query, variables).await;
            assert!(response["errors"].is_null(), "{response}");
            at.iter()
                .fold(&response["data"], |value, key| &value[key])
                .clone()
        }
    };
    let ids = |connection: &Value| -> Vec<String> {
        connection["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (mut forwards, mut after) = (Vec::new(), Value::Null);
    for _ in 0..50 {
        let connection = page(json!({ "first": 2, "after": after })).await;
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        forwards.extend(ids(&connection));
        after = connection["pageInfo"]["endCursor"].clone();
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
    }
    let (mut backwards, mut before) = (Vec::new(), Value::Null);
    for _ in 0..50 {
        let connection = page(json!({ "last": 2, "before": before })).await;
        assert_eq!(connection["pageInfo"]["hasNextPage"], !before.is_null());
        backwards.splice(0..0, ids(&connection));
        before = connection["pageInfo"]["startCursor"].clone();
        if connection["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
    }
    (forwards, backwards)
}

const PAGE_ARGUMENTS: &str = "first: $first, after: $after, last: $last, before: $before";
const PAGE_VARIABLES: &str = "$first: Int, $after: String, $last: Int, $before: String";
const PAGE_SELECTION: &str = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } \
                              edges { node { id } }";

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_pages_backwards_through_the_people_it_pages_forwards() {
    let app = TestApp::spawn().await;
    let viewer = app.member("zoé").await;
    for name in ["Émile", "adèle", "Bruno", "Çelik", "david"] {
        app.member(name).await;
    }
    let query =
        format!("query({PAGE_VARIABLES}) {{ users({PAGE_ARGUMENTS}) {{ {PAGE_SELECTION} }} }}");

    let (forwards, backwards) = read_both_ways(&app, &viewer, &query, json!({}), &["users"]).await;

    assert!(forwards.len() >= 6, "{forwards:?}");
    assert_eq!(backwards, forwards);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_pages_backwards_through_the_posts_it_pages_forwards() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app.create_group(&author, "Club", Visibility::Private).await;
    for body in ["Un", "Deux", "Trois", "Quatre", "Cinq"] {
        post_in(&app, &author, &group.id, body).await;
    }
    let query =
        format!("query({PAGE_VARIABLES}) {{ feed({PAGE_ARGUMENTS}) {{ {PAGE_SELECTION} }} }}");

    let (forwards, backwards) = read_both_ways(&app, &author, &query, json!({}), &["feed"]).await;

    assert_eq!(forwards.len(), 5);
    assert_eq!(backwards, forwards);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_posts_comments_page_backwards_from_the_newest() {
    let app = TestApp::spawn().await;
    let author = app.member("author").await;
    let group = app.create_group(&author, "Club", Visibility::Private).await;
    let post = post_in(&app, &author, &group.id, "Fil").await;
    for body in ["Un", "Deux", "Trois", "Quatre", "Cinq"] {
        let response = app
            .graphql(
                Some(&author),
                "mutation($id: ID!, $b: String!) { addComment(input: { postId: $id, body: $b }) { comment { id } } }",
                json!({ "id": post["id"], "b": body }),
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
    }
    let query = format!(
        "query($id: ID!, {PAGE_VARIABLES}) {{ post(id: $id) {{ comments({PAGE_ARGUMENTS}) {{ {PAGE_SELECTION} }} }} }}"
    );
    let newest = app
        .graphql(
            Some(&author),
            &query,
            json!({ "id": post["id"], "last": 2 }),
        )
        .await;

    let (forwards, backwards) = read_both_ways(
        &app,
        &author,
        &query,
        json!({ "id": post["id"] }),
        &["post", "comments"],
    )
    .await;

    assert_eq!(forwards.len(), 5);
    assert_eq!(backwards, forwards);
    let newest_ids: Vec<&Value> = newest["data"]["post"]["comments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| &edge["node"]["id"])
        .collect();
    assert_eq!(newest_ids, [&json!(forwards[3]), &json!(forwards[4])]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_group_list_pages_backwards_through_the_groups_it_pages_forwards() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    for name in ["Échecs", "aviron", "Basket", "Chorale", "danse"] {
        app.create_group(&owner, name, Visibility::Public).await;
    }
    let query =
        format!("query({PAGE_VARIABLES}) {{ groups({PAGE_ARGUMENTS}) {{ {PAGE_SELECTION} }} }}");

    let (forwards, backwards) = read_both_ways(&app, &owner, &query, json!({}), &["groups"]).await;

    assert_eq!(forwards.len(), 5);
    assert_eq!(backwards, forwards);
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_forwards_and_backwards_in_one_call_is_refused_naming_the_argument() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;

    let response = app
        .graphql(
            Some(&viewer),
            "{ users(first: 2, last: 2) { edges { node { id } } } }",
            json!({}),
        )
        .await;

    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("last"),
        "{response}"
    );
}

async fn post_in(app: &TestApp, author: &common::TestUser, group: &str, body: &str) -> Value {
    let response = app
        .graphql(
            Some(author),
            "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            json!({ "input": { "groupIds": [group], "body": body } }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["createPost"]["post"].clone()
}
