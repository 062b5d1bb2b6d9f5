//! The outbox and the SMTP mailer against a real SMTP server (aiosmtpd on loopback).

mod common;

use std::time::Duration;

use common::TestApp;
use common::smtp::SmtpServer;
use diesel_async::AsyncConnection;
use parvis::email::{OutgoingEmail, outbox};
use parvis::users::OrgRole;
use serde_json::json;

fn greeting() -> OutgoingEmail {
    OutgoingEmail {
        purpose: "test",
        subject: "Bienvenue à l’intranet".to_owned(),
        html: "<p>Bonjour <strong>Zoé</strong></p>".to_owned(),
        text: "Bonjour Zoé".to_owned(),
        language: "fr",
        unsubscribe_url: Some("http://intranet.example.com/unsubscribe/abc".to_owned()),
    }
}

async fn send_greeting(app: &TestApp, to: uuid::Uuid) {
    let services = &app.app.services;
    let mut conn = app.db().connect().await.expect("connect");
    let user = parvis::users::model::find(&mut conn, to)
        .await
        .expect("find")
        .expect("user");
    conn.transaction::<_, parvis::error::ApiError, _>(async |conn| {
        outbox::enqueue(conn, services, &user, &greeting(), chrono::Utc::now()).await
    })
    .await
    .expect("enqueue");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_arrives_as_a_multipart_message_with_an_unsubscribe_header() {
    let smtp = SmtpServer::start().await;
    let settings = smtp.settings();
    let app = TestApp::spawn_configured(|config| config.smtp = Some(settings)).await;
    let zoe = app.member("zoe").await;
    send_greeting(&app, zoe.uuid).await;
    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    let message = mail_parser::MessageParser::default()
        .parse(&messages[0])
        .expect("a MIME message");
    assert_eq!(message.subject(), Some("Bienvenue à l’intranet"));
    assert_eq!(
        message.body_text(0).as_deref().map(str::trim),
        Some("Bonjour Zoé")
    );
    assert!(
        message
            .body_html(0)
            .expect("an HTML part")
            .contains("<strong>Zoé</strong>")
    );
    assert_eq!(
        message.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_waits_while_the_smtp_server_is_down_and_arrives_once_it_is_back() {
    let mut smtp = SmtpServer::stopped();
    let settings = smtp.settings();
    let app = TestApp::spawn_configured(|config| config.smtp = Some(settings)).await;
    let zoe = app.member("zoe").await;
    send_greeting(&app, zoe.uuid).await;
    common::wait_for_failed_job(&app, "send_email").await;
    smtp.resume().await;
    smtp.wait_for(1, Duration::from_secs(60)).await;
    common::wait_for_no_job(&app, "send_email").await;
    assert_eq!(smtp.messages().len(), 1, "sent exactly once");
}

/// The one message received, parsed, and who it went to.
fn only_message(messages: &[Vec<u8>]) -> (mail_parser::Message<'_>, String) {
    assert_eq!(messages.len(), 1, "exactly one email");
    let message = mail_parser::MessageParser::default()
        .parse(&messages[0])
        .expect("a MIME message");
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .expect("a recipient")
        .to_owned();
    (message, to)
}

async fn app_with_smtp(smtp: &SmtpServer) -> (TestApp, common::TestUser) {
    let settings = smtp.settings();
    let app = TestApp::spawn_configured(|config| config.smtp = Some(settings)).await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    (app, admin)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_is_emailed_with_its_link() {
    let smtp = SmtpServer::start().await;
    let (app, admin) = app_with_smtp(&smtp).await;

    let invited = app
        .graphql(
            Some(&admin),
            "mutation { inviteUser(input: { email: \"zoe@example.com\", displayName: \"Zoé Martin\" }) { invitationUrl } }",
            json!({}),
        )
        .await;

    let url = invited["data"]["inviteUser"]["invitationUrl"]
        .as_str()
        .expect("an invitation URL");
    let messages = smtp.wait_for(1, Duration::from_secs(15)).await;
    let (message, to) = only_message(&messages);
    assert_eq!(to, "zoe@example.com");
    assert!(
        message.body_text(0).expect("a text part").contains(url),
        "the link {url} in the email"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resent_invitation_is_emailed_with_the_new_link() {
    let smtp = SmtpServer::start().await;
    let (app, admin) = app_with_smtp(&smtp).await;
    let invited = app
        .graphql(
            Some(&admin),
            "mutation { inviteUser(input: { email: \"zoe@example.com\" }) { invitation { id } } }",
            json!({}),
        )
        .await;
    smtp.wait_for(1, Duration::from_secs(15)).await;

    let resent = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { resendInvitation(input: { invitationId: $id }) { invitationUrl } }",
            json!({ "id": invited["data"]["inviteUser"]["invitation"]["id"] }),
        )
        .await;

    let url = resent["data"]["resendInvitation"]["invitationUrl"]
        .as_str()
        .expect("a new invitation URL");
    let messages = smtp.wait_for(2, Duration::from_secs(15)).await;
    let (message, _) = only_message(&messages[1..]);
    assert!(
        message.body_text(0).expect("a text part").contains(url),
        "the new link {url} in the email"
    );
}
