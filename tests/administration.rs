//! Administration: invitations, activation codes, access, the organization's branding and the
//! append-only audit log.

mod common;

use common::{TestApp, error_code, wait_until};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const INVITE: &str = "mutation($email: String!) {
  inviteUser(input: { email: $email, displayName: \"Zoé Martin\" }) {
    invitation { id email status sentCount } invitationUrl
  }
}";

const ACCEPT: &str = "mutation($token: String!, $password: String!) {
  acceptInvitation(input: { token: $token, password: $password }) {
    user { username displayName email status orgRole }
  }
}";

fn token_of(response: &Value) -> String {
    let url = response["data"]["inviteUser"]["invitationUrl"]
        .as_str()
        .or_else(|| response["data"]["resendInvitation"]["invitationUrl"].as_str())
        .unwrap();
    url.rsplit('/').next().unwrap().to_owned()
}

async fn audit_actions(app: &TestApp, admin: &common::TestUser) -> Vec<String> {
    let log = app
        .graphql(
            Some(admin),
            "{ auditLog(first: 100) { edges { node { action targetType before after requestId actor { username } } } } }",
            json!({}),
        )
        .await;
    log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_makes_the_account_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let invited = app
        .graphql(
            Some(&admin),
            INVITE,
            json!({ "email": "Zoe.Martin@Example.com" }),
        )
        .await;
    assert_eq!(
        invited["data"]["inviteUser"]["invitation"]["email"],
        "zoe.martin@example.com"
    );
    let token = token_of(&invited);
    let variables = json!({ "token": token, "password": "a long enough secret" });
    let accepted = app.graphql(None, ACCEPT, variables.clone()).await;
    let user = &accepted["data"]["acceptInvitation"]["user"];
    assert_eq!(user["username"], "zoe.martin");
    assert_eq!(user["displayName"], "Zoé Martin");
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(
        user["email"], "zoe.martin@example.com",
        "the person just signed in sees their own email"
    );
    let again = app.graphql(None, ACCEPT, variables).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn resending_an_invitation_retires_the_old_link_and_revoking_retires_all() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let invited = app
        .graphql(Some(&admin), INVITE, json!({ "email": "zoe@example.com" }))
        .await;
    let old_token = token_of(&invited);
    let id = invited["data"]["inviteUser"]["invitation"]["id"].clone();
    let resent = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { resendInvitation(input: { invitationId: $id }) { invitation { sentCount } invitationUrl } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        resent["data"]["resendInvitation"]["invitation"]["sentCount"],
        2
    );
    let old = app
        .graphql(
            None,
            ACCEPT,
            json!({ "token": old_token, "password": "a long enough secret" }),
        )
        .await;
    assert_eq!(error_code(&old), "BAD_USER_INPUT");
    let revoked = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { revokeInvitation(input: { invitationId: $id }) { invitation { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        revoked["data"]["revokeInvitation"]["invitation"]["status"],
        "REVOKED"
    );
    let new = app
        .graphql(
            None,
            ACCEPT,
            json!({ "token": token_of(&resent), "password": "a long enough secret" }),
        )
        .await;
    assert_eq!(error_code(&new), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn members_cannot_invite_people() {
    let app = TestApp::spawn().await;
    let member = app.member("anna").await;
    let refused = app
        .graphql(Some(&member), INVITE, json!({ "email": "zoe@example.com" }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_email_activates_with_its_code_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let created = app
        .graphql(
            Some(&admin),
            "mutation { createAccount(input: { username: \"marc.atelier\", displayName: \"Marc\", site: \"Lyon\" }) {
               user { status activatedAt } activationCode } }",
            json!({}),
        )
        .await;
    assert_eq!(
        created["data"]["createAccount"]["user"]["status"],
        "PENDING"
    );
    let code = created["data"]["createAccount"]["activationCode"]
        .as_str()
        .unwrap()
        .to_lowercase();
    const ACTIVATE: &str = "mutation($code: String!) {
      activateAccount(input: { username: \"marc.atelier\", activationCode: $code, password: \"ten or more chars\" }) {
        user { status activatedAt } } }";
    let wrong = app
        .graphql(None, ACTIVATE, json!({ "code": "AAAA-BBBB-CCCC" }))
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    let activated = app.graphql(None, ACTIVATE, json!({ "code": code })).await;
    assert_eq!(
        activated["data"]["activateAccount"]["user"]["status"],
        "ACTIVE"
    );
    let reused = app.graphql(None, ACTIVATE, json!({ "code": code })).await;
    assert_eq!(error_code(&reused), "BAD_USER_INPUT");
}

/// Every permit of the server's password semaphore, held by the test: until it is dropped, a
/// request that hashes or checks a password waits.
async fn hold_password_checks(app: &TestApp) -> tokio::sync::SemaphorePermit<'_> {
    let checks = &app.app.services.password_checks;
    let permits = u32::try_from(checks.available_permits()).unwrap();
    checks.acquire_many(permits).await.unwrap()
}

/// POSTs `operations` signed out, as one batch; their answers, or a panic when the server takes
/// longer than a few seconds (it is waiting for a password hash).
async fn batch_answered_without_hashing(app: &TestApp, operations: Vec<Value>) -> Vec<Value> {
    let request = app.http.post(app.url("/graphql")).json(&operations).send();
    let response = tokio::time::timeout(std::time::Duration::from_secs(5), request)
        .await
        .expect("the batch is answered without waiting for a password hash")
        .unwrap();
    response.json().await.unwrap()
}

const ACTIVATE: &str = "mutation($username: String!, $code: String!) {
  activateAccount(input: { username: $username, activationCode: $code, password: \"ten or more chars\" }) {
    user { status } } }";

/// Two open invitations' link tokens.
async fn two_invitations(app: &TestApp) -> (String, String) {
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let mut tokens = Vec::new();
    for email in ["zoe@example.com", "yann@example.com"] {
        let invited = app
            .graphql(Some(&admin), INVITE, json!({ "email": email }))
            .await;
        tokens.push(token_of(&invited));
    }
    (tokens[0].clone(), tokens[1].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn invitation_links_are_checked_before_any_password_is_hashed() {
    let app = TestApp::spawn().await;
    let _held = hold_password_checks(&app).await;
    let wrong_link = json!({ "query": ACCEPT, "variables": { "token": "pvi_wrong", "password": "a long enough secret" } });

    let answers = batch_answered_without_hashing(&app, vec![wrong_link; 10]).await;

    assert_eq!(answers.len(), 10);
    for answer in &answers {
        assert_eq!(error_code(answer), "BAD_USER_INPUT", "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "token");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_codes_are_checked_before_any_password_is_hashed() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.graphql(
        Some(&admin),
        "mutation { createAccount(input: { username: \"marc.atelier\", displayName: \"Marc\" }) { activationCode } }",
        json!({}),
    )
    .await;
    let _held = hold_password_checks(&app).await;
    let wrong_code = json!({ "query": ACTIVATE, "variables": { "username": "marc.atelier", "code": "AAAA-BBBB-CCCC" } });

    let answers = batch_answered_without_hashing(&app, vec![wrong_code; 10]).await;

    for answer in &answers {
        assert_eq!(error_code(answer), "BAD_USER_INPUT", "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "activationCode");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_request_sets_at_most_one_password_whatever_the_batch() {
    let app = TestApp::spawn().await;
    let (first, second) = two_invitations(&app).await;
    let accept = |token: &str| json!({ "query": ACCEPT, "variables": { "token": token, "password": "a long enough secret" } });

    let answers: Vec<Value> = app
        .http
        .post(app.url("/graphql"))
        .json(&json!([accept(&first), accept(&second)]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let accepted = answers
        .iter()
        .filter(|answer| answer["data"]["acceptInvitation"]["user"]["status"] == "ACTIVE")
        .count();
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|answer| answer["errors"].is_array())
        .collect();
    assert_eq!((accepted, refused.len()), (1, 1), "{answers:?}");
    assert_eq!(error_code(refused[0]), "BAD_USER_INPUT");
    assert!(
        refused[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only one password may be checked or set per request"),
        "{answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_communicator_publishes_to_the_whole_organization() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anna = app.member("anna").await;
    const POST: &str = "mutation { createPost(input: { body: \"Bonjour à tous\", organizationWide: true }) { post { id } } }";
    assert_eq!(
        error_code(&app.graphql(Some(&anna), POST, json!({})).await),
        "FORBIDDEN"
    );
    let granted = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateUserAccess(input: { userId: $id, communicator: true }) { user { communicator } } }",
            json!({ "id": anna.id }),
        )
        .await;
    assert_eq!(
        granted["data"]["updateUserAccess"]["user"]["communicator"],
        true
    );
    // Each instance forgets anna's cached credential as the change's event reaches it.
    wait_until(
        || async {
            let posted = app.graphql(Some(&anna), POST, json!({})).await;
            posted["data"]["createPost"]["post"]["id"].is_string()
        },
        "anna to publish once a communicator",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_cannot_change_their_own_access() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let refused = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { updateUserAccess(input: { userId: $id, orgRole: MEMBER }) { user { orgRole } } }",
            json!({ "id": admin.id }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn branding_is_public_and_admins_change_it() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let updated = app
        .graphql(
            Some(&admin),
            "mutation { updateOrganization(input: { name: \"Société Générale des Tests\", primaryColor: \"#AA3300\",
               loginMessage: \"**Bienvenue**\", allowedEmailDomains: [\"@Example.com\", \"example.fr\"] }) {
               organization { settings { allowedEmailDomains } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        updated["data"]["updateOrganization"]["organization"]["settings"]["allowedEmailDomains"],
        json!(["example.com", "example.fr"])
    );
    let public = app
        .graphql(
            None,
            "{ organization { name branding { primaryColor loginMessageHtml logoUrl } } }",
            json!({}),
        )
        .await;
    let organization = &public["data"]["organization"];
    assert_eq!(organization["name"], "Société Générale des Tests");
    assert_eq!(organization["branding"]["primaryColor"], "#aa3300");
    assert!(
        organization["branding"]["loginMessageHtml"]
            .as_str()
            .unwrap()
            .contains("<strong>Bienvenue</strong>")
    );
    let page = reqwest::get(app.url("/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sign in · Société Générale des Tests"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_settings_reject_bad_values() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    for (input, field) in [
        ("primaryColor: \"red\"", "primaryColor"),
        ("timeZone: \"Mars/Olympus\"", "timeZone"),
        ("activityRetentionDays: 3", "activityRetentionDays"),
        (
            "allowedEmailDomains: [\"not a domain\"]",
            "allowedEmailDomains",
        ),
    ] {
        let response = app
            .graphql(
                Some(&admin),
                &format!("mutation {{ updateOrganization(input: {{ {input} }}) {{ organization {{ name }} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{input}");
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{response}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_actions_land_in_the_audit_log_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let anna = app.member("anna").await;
    app.graphql(
        Some(&admin),
        "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { status } } }",
        json!({ "id": anna.id }),
    )
    .await;
    let log = app
        .graphql(
            Some(&admin),
            "{ auditLog(first: 10, filter: { action: \"deactivateUser\" }) { totalCount edges { node {
                 action targetType targetId before after requestId actor { username } } } } }",
            json!({}),
        )
        .await;
    let entry = &log["data"]["auditLog"]["edges"][0]["node"];
    assert_eq!(log["data"]["auditLog"]["totalCount"], 1);
    assert_eq!(entry["actor"]["username"], "admin");
    assert_eq!(entry["targetType"], "User");
    assert_eq!(entry["targetId"], json!(anna.id));
    assert_eq!(entry["before"]["status"], "active");
    assert_eq!(entry["after"]["status"], "deactivated");
    assert!(entry["after"].get("password_hash").is_none());
    assert!(!entry["requestId"].as_str().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_admin_action_leaves_no_audit_entry() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.graphql(Some(&admin), INVITE, json!({ "email": "zoe@example.com" }))
        .await;
    let twice = app
        .graphql(Some(&admin), INVITE, json!({ "email": "zoe@example.com" }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
    assert_eq!(audit_actions(&app, &admin).await, vec!["inviteUser"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_read_the_audit_log() {
    let app = TestApp::spawn().await;
    let member = app.member("anna").await;
    let refused = app
        .graphql(Some(&member), "{ auditLog { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_refuses_changes_even_in_sql() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.graphql(Some(&admin), INVITE, json!({ "email": "zoe@example.com" }))
        .await;
    let mut conn = app.db().connect().await.unwrap();
    assert!(
        conn.batch_execute("UPDATE audit_log SET action = 'x'")
            .await
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM audit_log").await.is_err());
    assert_eq!(audit_actions(&app, &admin).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn group_managers_actions_are_audited_in_their_group() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let owner = app.member("owner").await;
    let created = app
        .graphql(
            Some(&owner),
            "mutation { createGroup(input: { name: \"Chorale\", visibility: PUBLIC }) { group { id } } }",
            json!({}),
        )
        .await;
    let group = created["data"]["createGroup"]["group"]["id"].clone();
    let renamed = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { updateGroup(input: { groupId: $id, name: \"Chorale d'entreprise\" }) { group { name } } }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateGroup"]["group"]["name"],
        "Chorale d'entreprise"
    );
    let log = app
        .graphql(
            Some(&admin),
            "query($group: ID!) { auditLog(filter: { groupId: $group }) { edges { node { action before after } } } }",
            json!({ "group": group }),
        )
        .await;
    let entry = &log["data"]["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["action"], "updateGroup");
    assert_eq!(entry["before"]["name"], "Chorale");
    assert_eq!(entry["after"]["name"], "Chorale d'entreprise");
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_is_titled_with_the_organizations_name() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.graphql(
        Some(&admin),
        "mutation { updateOrganization(input: { name: \"Café & Co\" }) { organization { name } } }",
        json!({}),
    )
    .await;
    let page = app
        .http
        .get(app.url("/graphiql"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<title>Café &amp; Co · GraphiQL</title>"),
        "{page}"
    );
}
