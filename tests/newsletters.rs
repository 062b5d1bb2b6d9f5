//! Newsletters end to end against a real SMTP server (aiosmtpd): a communicator composes,
//! previews and sends one to a group; each member gets their own copy (only what they may
//! see), as a multipart MIME message with tracked links that redirect and count.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::smtp::SmtpServer;
use common::{TestApp, TestUser, error_code};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mail_parser::MimeHeaders;
use parvis::db::schema::users;
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateNewsletterInput!) { createNewsletter(input: $input) {
    newsletter { id status viewerCanEdit viewerCanSend posts { id } audience { groups { name } } } } }";
const SEND: &str = "mutation($id: ID!) { sendNewsletter(input: { newsletterId: $id }) {
    newsletter { status sentAt viewerCanEdit viewerCanSend sentBy { username } } } }";
const STATS: &str = "query($id: ID!) { node(id: $id) { ... on Newsletter {
    stats { recipientCount sentCount clickCount uniqueClickers links { url clicks } } } } }";

async fn set_user(app: &TestApp, user: &TestUser, communicator: bool, newsletters: bool) {
    let mut conn = app.db().connect().await.expect("connect");
    diesel::update(users::table.find(user.uuid))
        .set((
            users::communicator.eq(communicator),
            users::receives_newsletters.eq(newsletters),
        ))
        .execute(&mut conn)
        .await
        .expect("update the person");
}

async fn data(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(user), query, variables).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"].clone()
}

async fn post(app: &TestApp, author: &TestUser, group: &str, title: &str) -> String {
    let created = data(
        app,
        author,
        "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
        json!({ "input": { "groupIds": [group], "title": title,
                           "body": format!("{title}: tout ce qu’il faut savoir.") } }),
    )
    .await;
    created["createPost"]["post"]["id"]
        .as_str()
        .expect("a post id")
        .to_owned()
}

fn field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("a field in {response}"))
}

/// The targets of the tracked links of an HTML body.
fn tracked_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|url| url.contains("/newsletters/click/"))
        .map(|url| url.replace("&amp;", "&"))
        .collect()
}

const WEB_APP: &str = "https://intranet.example.com";

#[tokio::test(flavor = "multi_thread")]
async fn a_communicator_sends_a_newsletter_each_member_gets_their_copy_and_clicks_count() {
    let smtp = SmtpServer::start().await;
    let settings = smtp.settings();
    let app = TestApp::spawn_configured(|config| {
        config.smtp = Some(settings);
        config.web_app_url = Some(WEB_APP.into());
    })
    .await;
    let claire = app.member("claire").await;
    set_user(&app, &claire, true, true).await;
    let zoe = app
        .create_user_with("zoe", parvis::users::OrgRole::Member, |user| {
            user.locale = "fr-FR".into();
        })
        .await;
    let yann = app.member("yann").await;
    let ines = app.member("ines").await;
    set_user(&app, &ines, false, false).await;
    let marc = app.member("marc").await;
    let lyon = app
        .create_group(&claire, "Site de Lyon", Visibility::Public)
        .await;
    for person in [&zoe, &yann, &ines] {
        app.add_member(&lyon, person, GroupRole::Member).await;
    }
    let direction = app
        .create_group(&claire, "Direction", Visibility::Private)
        .await;
    let hours = post(&app, &claire, &lyon.id, "Nouveaux horaires").await;
    let budget = post(&app, &claire, &direction.id, "Budget confidentiel").await;
    let event = data(
        &app,
        &claire,
        "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
        json!({ "input": { "groupId": lyon.id, "title": "Pot de fin d’année",
            "startsAt": "2026-12-18T16:00:00Z", "endsAt": "2026-12-18T18:00:00Z",
            "timeZone": "Europe/Paris", "location": "Cafétéria" } }),
    )
    .await["createEvent"]["event"]["id"]
        .as_str()
        .expect("an event id")
        .to_owned();
    let input = json!({
        "subject": "La lettre de décembre",
        "intro": "Bonjour à tous ! Lisez [le guide](https://docs.example.com/guide).",
        "postIds": [hours, budget],
        "eventIds": [event],
        "audience": { "groupIds": [lyon.id] },
    });

    // Only communicators and admins write newsletters.
    let refused = app
        .graphql(Some(&marc), CREATE, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let listed = app
        .graphql(Some(&marc), "{ newsletters { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&listed), "FORBIDDEN", "{listed}");

    // Bad input names the field.
    let mut long = input.clone();
    long["subject"] = json!("x".repeat(201));
    let mut nobody = input.clone();
    nobody["audience"] = json!({});
    let secret = app.create_group(&marc, "Secret", Visibility::Secret).await;
    let mut unseen = input.clone();
    unseen["audience"] = json!({ "groupIds": [secret.id] });
    let mut unseen_post = input.clone();
    unseen_post["postIds"] = json!([post(&app, &marc, &secret.id, "Entre nous").await]);
    let mut many = input.clone();
    many["postIds"] = json!(vec![hours.clone(); 21]);
    for (bad, expected) in [
        (long, "subject"),
        (nobody, "audience"),
        (unseen, "audience.groupIds[0]"),
        (many, "postIds"),
        (unseen_post, "postIds[0]"),
    ] {
        let response = app
            .graphql(Some(&claire), CREATE, json!({ "input": bad }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(field(&response), expected, "{response}");
    }
    let created = data(&app, &claire, CREATE, json!({ "input": input })).await;
    let newsletter = &created["createNewsletter"]["newsletter"];
    assert_eq!(newsletter["status"], "DRAFT");
    assert_eq!(newsletter["viewerCanEdit"], true);
    assert_eq!(newsletter["posts"].as_array().map(Vec::len), Some(2));
    assert_eq!(newsletter["audience"]["groups"][0]["name"], "Site de Lyon");
    let id = newsletter["id"].as_str().expect("an id").to_owned();

    // The preview is the email as the viewer would get it.
    let preview = data(
        &app,
        &claire,
        "query($id: ID!) { node(id: $id) { ... on Newsletter { preview { subject html text } } } }",
        json!({ "id": id }),
    )
    .await["node"]["preview"]
        .clone();
    assert_eq!(preview["subject"], "La lettre de décembre");
    for part in ["html", "text"] {
        let body = preview[part].as_str().expect("a body");
        for expected in [
            "Bonjour à tous",
            "Nouveaux horaires",
            "Budget confidentiel",
            "Pot de fin d’année",
        ] {
            assert!(body.contains(expected), "{part} lacks {expected}: {body}");
        }
        assert!(body.contains("https://docs.example.com/guide"), "{body}");
    }
    let renamed = data(
        &app,
        &claire,
        "mutation($id: ID!) { updateNewsletter(input: { newsletterId: $id, subject: \"La lettre de décembre 2026\" }) { newsletter { subject } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        renamed["updateNewsletter"]["newsletter"]["subject"],
        "La lettre de décembre 2026"
    );

    let sent = data(&app, &claire, SEND, json!({ "id": id })).await;
    let sent = &sent["sendNewsletter"]["newsletter"];
    assert_eq!(sent["status"], "SENT");
    assert_eq!(sent["viewerCanEdit"], false);
    assert_eq!(sent["viewerCanSend"], false);
    assert_eq!(sent["sentBy"]["username"], "claire");

    // Claire, Zoé and Yann (Inès unsubscribed; Marc is not in the group).
    let messages = smtp.wait_for(3, Duration::from_secs(30)).await;
    let parser = mail_parser::MessageParser::default();
    let mut copies: HashMap<String, (String, String)> = HashMap::new();
    for raw in &messages {
        let message = parser.parse(raw).expect("a MIME message");
        assert_eq!(message.subject(), Some("La lettre de décembre 2026"));
        assert!(
            message
                .content_type()
                .is_some_and(|kind| kind.c_type == "multipart"
                    && kind.c_subtype.as_deref() == Some("alternative")),
            "multipart/alternative"
        );
        let to = message
            .to()
            .and_then(|to| to.first())
            .and_then(|to| to.address())
            .expect("a recipient")
            .to_owned();
        let html = message.body_html(0).expect("an HTML part").into_owned();
        let text = message.body_text(0).expect("a text part").into_owned();
        assert!(
            message.header_raw("List-Unsubscribe").is_some(),
            "an unsubscribe header"
        );
        assert!(
            copies.insert(to.clone(), (html, text)).is_none(),
            "one email each: {to}"
        );
    }
    let mut addresses: Vec<&str> = copies.keys().map(String::as_str).collect();
    addresses.sort_unstable();
    assert_eq!(
        addresses,
        ["claire@example.com", "yann@example.com", "zoe@example.com"]
    );
    let organization = data(&app, &claire, "{ organization { name } }", json!({})).await;
    let brand = organization["organization"]["name"]
        .as_str()
        .expect("a name");
    let (html, text) = &copies["zoe@example.com"];
    for body in [html, text] {
        for expected in [
            "Bonjour à tous",
            "Nouveaux horaires",
            "Pot de fin d’année",
            "Actualités",
            brand,
            "/email/unsubscribe/pvu_",
        ] {
            assert!(
                body.to_lowercase().contains(&expected.to_lowercase()),
                "Zoé's copy lacks {expected}: {body}"
            );
        }
        assert!(
            !body.contains("Budget confidentiel"),
            "a post Zoé cannot see: {body}"
        );
        assert!(
            !body.contains("docs.example.com"),
            "every link is tracked: {body}"
        );
    }
    assert!(copies["yann@example.com"].0.contains("News"));
    assert!(
        copies["claire@example.com"]
            .0
            .contains("Budget confidentiel")
    );

    // Following Zoé's link to the post redirects there and counts.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let mut targets = HashMap::new();
    let mut clicks = 0;
    for link in tracked_links(html) {
        clicks += 1;
        let response = no_redirects.get(&link).send().await.expect("follow");
        assert_eq!(response.status(), 303, "{link}");
        let location = response.headers()["location"]
            .to_str()
            .expect("a location")
            .to_owned();
        targets.insert(location, link);
    }
    // Links lead into the company's front end (`--web-app-url`), clicks are counted here.
    let post_url = format!("{WEB_APP}/posts/{hours}");
    assert!(
        targets.contains_key(WEB_APP),
        "the open-the-intranet button: {targets:?}"
    );
    assert!(targets.contains_key(&post_url), "{post_url} in {targets:?}");
    assert!(targets.contains_key("https://docs.example.com/guide"));
    let again = no_redirects
        .get(&targets[&post_url])
        .send()
        .await
        .expect("follow again");
    assert_eq!(again.status(), 303);
    clicks += 1;
    let forged = no_redirects
        .get(targets[&post_url].replacen("/click/pvn_", "/click/pvn_x", 1))
        .send()
        .await
        .expect("a forged link");
    assert_eq!(forged.status(), 404);

    common::wait_until(
        || async {
            let stats = data(&app, &claire, STATS, json!({ "id": id })).await;
            stats["node"]["stats"]["sentCount"] == 3
        },
        "three emails sent",
    )
    .await;
    let stats = data(&app, &claire, STATS, json!({ "id": id })).await["node"]["stats"].clone();
    assert_eq!(stats["recipientCount"], 3);
    assert_eq!(stats["clickCount"], clicks, "{stats}");
    assert_eq!(stats["uniqueClickers"], 1);
    let links = stats["links"].as_array().expect("links");
    assert_eq!(links[0]["url"], json!(post_url), "{stats}");
    assert_eq!(links[0]["clicks"], 2, "{stats}");

    // A sent newsletter no longer changes, and is sent once.
    for query in [
        "mutation($id: ID!) { updateNewsletter(input: { newsletterId: $id, intro: \"Oups\" }) { newsletter { id } } }",
        SEND,
        "mutation($id: ID!) { deleteNewsletter(input: { newsletterId: $id }) { deletedNewsletterId } }",
    ] {
        let response = app.graphql(Some(&claire), query, json!({ "id": id })).await;
        assert_eq!(error_code(&response), "CONFLICT", "{response}");
    }

    // The sending job running again sends nothing more.
    let uuid = parvis::graphql::ids::decode(&async_graphql::ID(id.clone()), "id")
        .expect("an id")
        .1;
    let mut conn = app.db().connect().await.expect("connect");
    parvis::jobs::enqueue(
        &mut conn,
        &parvis::jobs::Job::SendNewsletter {
            newsletter_id: uuid,
        },
        chrono::Utc::now(),
    )
    .await
    .expect("enqueue");
    common::wait_for_no_job(&app, "send_newsletter").await;
    common::wait_for_no_job(&app, "send_email").await;
    let stats = data(&app, &claire, STATS, json!({ "id": id })).await;
    assert_eq!(stats["node"]["stats"]["recipientCount"], 3);
    assert_eq!(smtp.messages().len(), 3);
}

/// The British spelling the audience's field had before issue 19 is a deprecated alias, accepted
/// and answered; both names with different values are refused, naming the new one.
#[tokio::test(flavor = "multi_thread")]
async fn the_old_spelling_of_organization_wide_is_a_deprecated_alias() {
    let app = TestApp::spawn().await;
    let claire = app.member("claire").await;
    set_user(&app, &claire, true, true).await;
    const DEPRECATED: &str =
        "mutation($input: CreateNewsletterInput!) { createNewsletter(input: $input) {
        newsletter { id audience { organizationWide organisationWide } } } }"; // deprecated
    let deprecated = json!({ "organisationWide": true });
    let created = data(
        &app,
        &claire,
        DEPRECATED,
        json!({ "input": { "subject": "Lettre", "audience": deprecated } }),
    )
    .await;
    let newsletter = &created["createNewsletter"]["newsletter"];
    assert_eq!(
        newsletter["audience"],
        json!({ "organizationWide": true, "organisationWide": true }) // deprecated
    );

    let update = "mutation($input: UpdateNewsletterInput!) { updateNewsletter(input: $input) {
        newsletter { id } } }";
    for (new, old) in [(false, true), (true, false)] {
        let both = json!({ "organizationWide": new, "organisationWide": old }); // deprecated
        let input = json!({ "newsletterId": newsletter["id"], "audience": both });
        let refused = app
            .graphql(Some(&claire), update, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{new} {old}");
        assert_eq!(field(&refused), "audience.organizationWide");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_are_their_authors_and_listed_for_communicators_only() {
    let app = TestApp::spawn().await;
    let claire = app.member("claire").await;
    let paul = app.member("paul").await;
    for person in [&claire, &paul] {
        set_user(&app, person, true, true).await;
    }
    let created = data(
        &app,
        &claire,
        CREATE,
        json!({ "input": { "subject": "Brouillon", "intro": "À relire",
                           "audience": { "organizationWide": true, "departments": ["Ventes"] } } }),
    )
    .await;
    let id = created["createNewsletter"]["newsletter"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let listed = data(
        &app,
        &paul,
        "{ newsletters(first: 10) { totalCount edges { node { id viewerCanEdit viewerCanSend
            audience { organizationWide departments } } } } }",
        json!({}),
    )
    .await;
    let node = &listed["newsletters"]["edges"][0]["node"];
    assert_eq!(listed["newsletters"]["totalCount"], 1);
    assert_eq!(node["viewerCanEdit"], false);
    assert_eq!(node["viewerCanSend"], true);
    assert_eq!(node["audience"]["departments"], json!(["Ventes"]));
    let delete = "mutation($id: ID!) { deleteNewsletter(input: { newsletterId: $id }) { deletedNewsletterId } }";
    let refused = app.graphql(Some(&paul), delete, json!({ "id": id })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let member = app.member("marc").await;
    let hidden = app
        .graphql(
            Some(&member),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
    let deleted = data(&app, &claire, delete, json!({ "id": id })).await;
    assert_eq!(
        deleted["deleteNewsletter"]["deletedNewsletterId"],
        json!(id)
    );
}

/// For each `i` of `range`, the draft "Lettre {i}" of the admin "redac{i}" to the members of
/// their public group "Club {i}", with its post "Annonce {i}" and its event "Atelier {i}".
async fn drafts(app: &TestApp, range: std::ops::Range<usize>) {
    for i in range {
        let author = app
            .create_user(&format!("redac{i}"), parvis::users::OrgRole::Admin)
            .await;
        let club = app
            .create_group(&author, &format!("Club {i}"), Visibility::Public)
            .await;
        let announcement = post(app, &author, &club.id, &format!("Annonce {i}")).await;
        let event = data(
            app,
            &author,
            "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
            json!({ "input": { "groupId": club.id, "title": format!("Atelier {i}"),
                "startsAt": "2026-12-18T16:00:00Z", "endsAt": "2026-12-18T18:00:00Z",
                "timeZone": "Europe/Paris" } }),
        )
        .await["createEvent"]["event"]["id"]
            .clone();
        let input = json!({ "subject": format!("Lettre {i}"), "postIds": [announcement],
                            "eventIds": [event], "audience": { "groupIds": [club.id] } });
        data(app, &author, CREATE, json!({ "input": input })).await;
    }
}

/// The statements an admin's page of newsletters with `selection` costs with one draft, then
/// with six, and the six, newest first.
async fn newsletters_statements_at_one_and_six(selection: &str) -> (u64, u64, Vec<Value>) {
    let app = TestApp::spawn().await;
    let reader = app
        .create_user("lecteur", parvis::users::OrgRole::Admin)
        .await;
    let query = format!("{{ newsletters(first: 20) {{ edges {{ node {{ {selection} }} }} }} }}");
    drafts(&app, 0..1).await;
    let (one, _) = app.statements_of(&reader, &query, json!({})).await;
    drafts(&app, 1..6).await;
    let (six, response) = app.statements_of(&reader, &query, json!({})).await;
    let newsletters = response["data"]["newsletters"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    (one, six, newsletters)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_authors_and_audiences_of_a_newsletters_page_cost_the_same_statements_for_one_newsletter_or_many()
 {
    let (one, six, newsletters) = newsletters_statements_at_one_and_six(
        "subject status author { username } sentBy { username } audience { groups { name } }
         viewerCanEdit viewerCanSend",
    )
    .await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| {
            json!({ "subject": format!("Lettre {i}"), "status": "DRAFT",
                    "author": { "username": format!("redac{i}") }, "sentBy": null,
                    "audience": { "groups": [{ "name": format!("Club {i}") }] },
                    "viewerCanEdit": false, "viewerCanSend": true })
        })
        .collect();
    assert_eq!(newsletters, expected);
    assert_eq!(one, six, "1 newsletter: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_posts_of_a_newsletters_page_cost_the_same_statements_for_one_newsletter_or_many() {
    let (one, six, newsletters) =
        newsletters_statements_at_one_and_six("posts { title author { username } }").await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "posts": [{ "title": format!("Annonce {i}"), "author": { "username": format!("redac{i}") } }] }))
        .collect();
    assert_eq!(newsletters, expected);
    assert_eq!(one, six, "1 newsletter: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_events_of_a_newsletters_page_cost_the_same_statements_for_one_newsletter_or_many() {
    let (one, six, newsletters) =
        newsletters_statements_at_one_and_six("events { title group { name } }").await;

    let expected: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({ "events": [{ "title": format!("Atelier {i}"), "group": { "name": format!("Club {i}") } }] }))
        .collect();
    assert_eq!(newsletters, expected);
    assert_eq!(one, six, "1 newsletter: {one} statements, 6: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stats_of_a_newsletters_page_cost_the_same_statements_for_one_newsletter_or_many() {
    let (one, six, newsletters) = newsletters_statements_at_one_and_six(
        "stats { recipientCount sentCount clickCount uniqueClickers links { url } }",
    )
    .await;

    let zero = json!({ "stats": { "recipientCount": 0, "sentCount": 0, "clickCount": 0,
                                  "uniqueClickers": 0, "links": [] } });
    assert_eq!(newsletters, vec![zero; 6]);
    assert_eq!(one, six, "1 newsletter: {one} statements, 6: {six}");
}
