//! Notification emails against a real SMTP server (aiosmtpd on loopback): immediate emails in the
//! recipient's language, unsubscribe links, do-not-disturb hours and digests, read back as MIME.

mod common;

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use common::groups::TestGroup;
use common::smtp::SmtpServer;
use common::{TestApp, TestUser};
use diesel_async::RunQueryDsl;
use mail_parser::{Message, MessageParser};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const CREATE_POST: &str =
    "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }";
const UPDATE_SETTINGS: &str = "mutation($input: UpdateNotificationSettingsInput!) {
    updateNotificationSettings(input: $input) { notificationSettings { digestFrequency } } }";

/// An app sending to `smtp`, with an author (whose name needs escaping) and their group.
struct World {
    app: TestApp,
    ann: TestUser,
    group: TestGroup,
}

async fn world(smtp: &SmtpServer) -> World {
    let settings = smtp.settings();
    let app = TestApp::spawn_configured(|config| config.smtp = Some(settings)).await;
    let ann = app
        .create_user_with("ann", OrgRole::Member, |user| {
            user.display_name = "Ann <b>Bold</b>".to_owned();
        })
        .await;
    let group = app.create_group(&ann, "Club", Visibility::Public).await;
    World { app, ann, group }
}

impl World {
    /// A new member of the group, speaking `locale`.
    async fn join(&self, username: &str, locale: &str) -> TestUser {
        let user = self
            .app
            .create_user_with(username, OrgRole::Member, |user| {
                user.locale = locale.to_owned();
            })
            .await;
        self.app
            .add_member(&self.group, &user, GroupRole::Member)
            .await;
        user
    }

    async fn post(&self, body: &str) {
        let response = self
            .app
            .graphql(
                Some(&self.ann),
                CREATE_POST,
                json!({ "input": { "groupIds": [self.group.id], "body": body } }),
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
    }

    async fn settings(&self, user: &TestUser, input: Value) {
        let response = self
            .app
            .graphql(Some(user), UPDATE_SETTINGS, json!({ "input": input }))
            .await;
        assert!(response["errors"].is_null(), "{response}");
    }

    /// Runs a SQL statement (set-up the API does not offer).
    async fn sql(&self, statement: &str) {
        let mut conn = self.app.db().connect().await.expect("connect");
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .expect(statement);
    }

    /// The `n` of a `SELECT count(*) AS n` query.
    async fn count(&self, query: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.app.db().connect().await.expect("connect");
        let count: Count = diesel::sql_query(query)
            .get_result(&mut conn)
            .await
            .expect(query);
        count.n
    }

    /// Waits until `user` has `count` notifications.
    async fn wait_for_notifications(&self, user: &TestUser, count: i64) {
        let query = format!(
            "SELECT count(*) AS n FROM notifications WHERE recipient_id = '{}'",
            user.uuid
        );
        common::wait_until(
            || async { self.count(&query).await == count },
            "the notifications",
        )
        .await;
    }

    /// Runs the digest job now and waits until it ran (the next hour's run stays waiting).
    async fn run_digests(&self) {
        let mut conn = self.app.db().connect().await.expect("connect");
        parvis::jobs::enqueue(&mut conn, &parvis::jobs::Job::SendDigests, Utc::now())
            .await
            .expect("enqueue the digest run");
        let due = "SELECT count(*) AS n FROM jobs WHERE kind = 'send_digests' AND run_at <= now()";
        common::wait_until(|| async { self.count(due).await == 0 }, "the digest run").await;
    }
}

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default().parse(raw).expect("a MIME message")
}

fn recipient<'a>(message: &'a Message<'_>) -> &'a str {
    message
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .expect("a recipient")
}

fn html(message: &Message<'_>) -> String {
    message.body_html(0).expect("an HTML part").into_owned()
}

fn text(message: &Message<'_>) -> String {
    message.body_text(0).expect("a text part").into_owned()
}

fn unsubscribe_url(message: &Message<'_>) -> String {
    let header = message
        .header_raw("List-Unsubscribe")
        .expect("a List-Unsubscribe header");
    header
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// Asserts no email arrives within a few seconds (beyond the `already` received).
async fn assert_no_more_email(smtp: &SmtpServer, already: usize) {
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), already, "no other email");
}

fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_second(0)
        .and_then(|at| at.with_nanosecond(0))
        .expect("a whole minute")
}

/// An `Etc/GMT±N` zone where it is now the 8 o'clock hour (those names invert the sign:
/// `Etc/GMT-2` is two hours ahead of UTC).
fn eight_oclock_zone() -> String {
    let mut ahead = (8 - i64::from(Utc::now().hour())).rem_euclid(24);
    if ahead > 14 {
        ahead -= 24;
    }
    match ahead {
        0 => "Etc/GMT".to_owned(),
        ahead if ahead > 0 => format!("Etc/GMT-{ahead}"),
        behind => format!("Etc/GMT+{}", -behind),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_is_emailed_in_the_recipients_language_with_the_organizations_branding() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    let mut conn = world.app.db().connect().await.expect("connect");
    parvis::organization::model::update(
        &mut conn,
        &parvis::organization::model::OrganizationChanges {
            name: Some("Acme & Co".to_owned()),
            primary_color: Some("#123abc".to_owned()),
            ..Default::default()
        },
    )
    .await
    .expect("brand the organization");
    world.join("zoe", "en").await;
    world.join("lea", "fr-CA").await;
    world.post("Salut @zoe & @lea").await;

    let messages = smtp.wait_for(2, Duration::from_secs(15)).await;
    let messages: Vec<Message<'_>> = messages.iter().map(|raw| parse(raw)).collect();
    let zoe = messages
        .iter()
        .find(|message| recipient(message) == "zoe@example.com")
        .expect("an email to Zoe");
    let headline = "Ann <b>Bold</b> mentioned you in “Salut @zoe & @lea”";
    assert_eq!(zoe.subject(), Some(headline));
    assert_eq!(
        zoe.header_raw("Content-Language").map(str::trim),
        Some("en")
    );
    let body = html(zoe);
    assert!(
        body.contains("Ann &lt;b&gt;Bold&lt;/b&gt; mentioned you in “Salut @zoe &amp; @lea”"),
        "{body}"
    );
    assert!(!body.contains("<b>Bold</b>"), "user text is escaped");
    assert!(body.contains("Acme &amp; Co"), "{body}");
    assert!(body.contains("#123abc"), "{body}");
    let url = unsubscribe_url(zoe);
    assert!(url.contains("/email/unsubscribe/pvu_"), "{url}");
    assert!(
        body.contains(&url),
        "the body links to the unsubscribe page"
    );
    let plain = text(zoe);
    assert!(plain.contains("Acme & Co"), "{plain}");
    assert!(plain.contains(headline), "{plain}");
    assert!(plain.contains(&url), "{plain}");
    assert!(plain.contains(&world.app.url("")), "links to the intranet");

    let lea = messages
        .iter()
        .find(|message| recipient(message) == "lea@example.com")
        .expect("an email to Léa");
    assert_eq!(
        lea.subject(),
        Some("Ann <b>Bold</b> vous a mentionné dans « Salut @zoe & @lea »")
    );
    assert!(html(lea).contains("Se désabonner"));
    assert!(text(lea).contains("Ouvrir l’intranet"));
    assert_eq!(
        lea.header_raw("Content-Language").map(str::trim),
        Some("fr")
    );
    common::wait_for_no_job(&world.app, "email_notification").await;
    assert_no_more_email(&smtp, 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_unsubscribe_link_works_without_signing_in_and_stops_those_emails() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    let zoe = world.join("zoe", "en").await;
    world.post("First @zoe").await;
    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    let url = unsubscribe_url(&parse(&messages[0]));

    let page = world.app.http.get(&url).send().await.expect("GET");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("the page");
    assert!(page.contains("<form method=\"post\""), "{page}");
    let settings = "{ viewer { notificationSettings { preferences { kind delivery } } } }";
    let mention_delivery = async || {
        let response = world.app.graphql(Some(&zoe), settings, json!({})).await;
        response["data"]["viewer"]["notificationSettings"]["preferences"]
            .as_array()
            .expect("preferences")
            .iter()
            .find(|preference| preference["kind"] == "MENTION")
            .expect("the mention preference")["delivery"]
            .clone()
    };
    assert_eq!(mention_delivery().await, "EMAIL", "a GET changes nothing");

    let confirmed = world.app.http.post(&url).send().await.expect("POST");
    assert_eq!(confirmed.status(), 200);
    assert_eq!(mention_delivery().await, "IN_APP");

    world.post("Second @zoe").await;
    world.wait_for_notifications(&zoe, 2).await;
    assert_eq!(
        common::jobs_of_kind(&world.app, "email_notification")
            .await
            .0,
        0
    );
    assert_no_more_email(&smtp, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn do_not_disturb_hours_hold_emails_back_until_they_end() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    let zoe = world.join("zoe", "en").await;
    let now = Utc::now();
    let end = minute_of(now + chrono::Duration::hours(2));
    let quiet = |start: DateTime<Utc>, end: DateTime<Utc>| {
        json!({ "quietHours": {
            "start": start.format("%H:%M:00").to_string(),
            "end": end.format("%H:%M:00").to_string(),
        } })
    };
    world
        .settings(&zoe, quiet(now - chrono::Duration::hours(1), end))
        .await;
    world.post("While quiet @zoe").await;
    world.wait_for_notifications(&zoe, 1).await;
    common::wait_until(
        || async {
            common::jobs_of_kind(&world.app, "email_notification")
                .await
                .0
                == 1
        },
        "the held-back email job",
    )
    .await;
    #[derive(diesel::QueryableByName)]
    struct RunAt {
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        run_at: DateTime<Utc>,
    }
    let mut conn = world.app.db().connect().await.expect("connect");
    let job: RunAt = diesel::sql_query("SELECT run_at FROM jobs WHERE kind = 'email_notification'")
        .get_result(&mut conn)
        .await
        .expect("the job");
    assert_eq!(job.run_at, end, "sent when the quiet hours end");
    assert_no_more_email(&smtp, 0).await;

    // Quiet hours later today do not hold anything back now.
    world
        .settings(
            &zoe,
            quiet(
                now + chrono::Duration::hours(1),
                now + chrono::Duration::hours(3),
            ),
        )
        .await;
    world.post("Not quiet @zoe").await;
    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert!(
        parse(&messages[0])
            .subject()
            .is_some_and(|subject| subject.contains("Not quiet")),
        "the second mention came at once"
    );
    assert_eq!(
        common::jobs_of_kind(&world.app, "email_notification")
            .await
            .0,
        1,
        "the first still waits"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_gathers_what_an_absent_person_missed_in_one_email() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    let zoe = world.join("zoe", "en").await;
    let ben = world.join("ben", "en").await;
    let digest = json!({ "preferences": [{ "kind": "MENTION", "delivery": "DIGEST" }] });
    world.settings(&zoe, digest.clone()).await;
    world.settings(&ben, digest).await;
    for topic in ["Budget", "Picnic", "Roadmap"] {
        world.post(&format!("{topic} for @zoe and @ben")).await;
    }
    world.wait_for_notifications(&zoe, 3).await;
    world.wait_for_notifications(&ben, 3).await;
    assert_no_more_email(&smtp, 0).await;

    // It is 8 in the morning where both live; Zoe has been away for two days, Ben is around.
    let zone = eight_oclock_zone();
    world
        .sql(&format!(
            "UPDATE users SET time_zone = '{zone}' WHERE id IN ('{}', '{}')",
            zoe.uuid, ben.uuid
        ))
        .await;
    world
        .sql(&format!(
            "UPDATE personal_access_tokens SET last_used_at = now() - interval '2 days'
             WHERE user_id = '{}'",
            zoe.uuid
        ))
        .await;
    world.run_digests().await;
    common::wait_for_no_job(&world.app, "send_email").await;

    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    let message = parse(&messages[0]);
    assert_eq!(recipient(&message), "zoe@example.com");
    assert_eq!(
        message.subject(),
        Some("3 notifications while you were away")
    );
    let (body, plain) = (html(&message), text(&message));
    for topic in ["Budget", "Picnic", "Roadmap"] {
        let headline = format!("mentioned you in “{topic} for @zoe and @ben”");
        assert!(body.contains(&headline), "{body}");
        assert!(plain.contains(&headline), "{plain}");
    }
    assert!(unsubscribe_url(&message).contains("/email/unsubscribe/pvu_"));
    let pending = |user: &TestUser| {
        format!(
            "SELECT count(*) AS n FROM notifications
             WHERE recipient_id = '{}' AND emailed_at IS NULL",
            user.uuid
        )
    };
    assert_eq!(world.count(&pending(&zoe)).await, 0, "marked emailed");
    assert_eq!(world.count(&pending(&ben)).await, 3, "kept for later");

    // Something new within the hour waits for the next day's digest.
    world.post("Late for @zoe").await;
    world.wait_for_notifications(&zoe, 4).await;
    world.run_digests().await;
    assert_no_more_email(&smtp, 1).await;
    assert_eq!(world.count(&pending(&zoe)).await, 1, "pending for tomorrow");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_email_reads_the_post_as_text_not_markdown() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    world.join("zoe", "en").await;

    world
        .post("**Budget** : voir [le guide](https://rh.example.com/guide), @zoe")
        .await;

    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    let message = parse(&messages[0]);
    assert_eq!(
        message.subject(),
        Some("Ann <b>Bold</b> mentioned you in “Budget : voir le guide, @zoe”")
    );
    let (body, plain) = (html(&message), text(&message));
    for shown in [&body, &plain] {
        assert!(shown.contains("Budget : voir le guide, @zoe"), "{shown}");
        assert!(!shown.contains("**") && !shown.contains("]("), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_email_says_when_and_where_with_the_meeting_link() {
    let smtp = SmtpServer::start().await;
    let world = world(&smtp).await;
    let zoe = world
        .app
        .create_user_with("zoe", OrgRole::Member, |user| {
            user.locale = "fr".to_owned();
            user.time_zone = "Europe/Paris".to_owned();
        })
        .await;
    world
        .app
        .add_member(&world.group, &zoe, GroupRole::Member)
        .await;
    let by_email = json!({ "preferences": [{ "kind": "EVENT_REMINDER", "delivery": "EMAIL" }] });
    world.settings(&zoe, by_email).await;
    // Reminded 15 minutes before a start 15 minutes and 20 s away: the reminder is due in 20 s.
    let starts_at = Utc::now() + chrono::Duration::minutes(15) + chrono::Duration::seconds(20);
    let ends_at = starts_at + chrono::Duration::hours(1);
    let created = world
        .app
        .graphql(
            Some(&world.ann),
            "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
            json!({ "input": { "groupId": world.group.id, "title": "Café", "startsAt": starts_at,
                               "endsAt": ends_at, "reminderMinutes": [15],
                               "location": "Salle Verte",
                               "onlineUrl": "https://meet.example.com/cafe" } }),
        )
        .await;
    let event = created["data"]["createEvent"]["event"]["id"].clone();
    let going = world
        .app
        .graphql(
            Some(&zoe),
            "mutation($e: ID!) { respondToEvent(input: { eventId: $e, status: GOING }) { attendance { status } } }",
            json!({ "e": event }),
        )
        .await;
    assert!(going["errors"].is_null(), "{going}");

    let messages = smtp.wait_for(1, Duration::from_secs(40)).await;
    let message = parse(&messages[0]);
    assert_eq!(message.subject(), Some("Café commence dans 15 minutes"));
    let paris = |at: DateTime<Utc>| at.with_timezone(&chrono_tz::Europe::Paris);
    let french_time =
        |at: DateTime<Utc>| format!("{} h {:02}", paris(at).hour(), paris(at).minute());
    let plain = text(&message);
    for expected in [
        "Quand : ".to_owned(),
        // The end's date shows too when the hour crosses midnight in Paris.
        format!("{} – ", french_time(starts_at)),
        format!("{} (Europe/Paris)", french_time(ends_at)),
        "Où : Salle Verte".to_owned(),
        "En ligne : https://meet.example.com/cafe".to_owned(),
    ] {
        assert!(plain.contains(&expected), "{expected:?} in {plain}");
    }
    let body = html(&message);
    assert!(
        body.contains("<a href=\"https://meet.example.com/cafe\">"),
        "{body}"
    );
    assert!(body.contains("Salle Verte"), "{body}");
}
