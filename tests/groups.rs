//! Groups: creating and configuring them, joining, requests, invitations, roles, and the rules
//! that keep membership exact.

mod common;

use common::{TestApp, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateGroupInput!) {
  createGroup(input: $input) { group { id name slug visibility joinPolicy postingPolicy memberCount viewerRole viewerCanManage } }
}";

#[tokio::test(flavor = "multi_thread")]
async fn the_creator_owns_a_new_group() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let created = app
        .graphql(
            Some(&ada),
            CREATE,
            json!({ "input": { "name": "Équipe Lyon", "visibility": "PRIVATE" } }),
        )
        .await;
    let group = &created["data"]["createGroup"]["group"];
    assert_eq!(group["slug"], "equipe-lyon");
    assert_eq!(group["joinPolicy"], "REQUEST");
    assert_eq!(group["postingPolicy"], "MEMBERS");
    assert_eq!(group["memberCount"], 1);
    assert_eq!(group["viewerRole"], "OWNER");
    assert_eq!(group["viewerCanManage"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_group_input_is_refused_with_the_rule() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    app.graphql(
        Some(&ada),
        CREATE,
        json!({ "input": { "name": "Sales", "visibility": "PUBLIC" } }),
    )
    .await;
    let cases = [
        (
            json!({ "name": "Other sales", "slug": "sales", "visibility": "PUBLIC" }),
            "CONFLICT",
            None,
        ),
        (
            json!({ "name": "  ", "visibility": "PUBLIC" }),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            json!({ "name": "x".repeat(101), "visibility": "PUBLIC" }),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            json!({ "name": "Annonces\u{202E}fdp.exe", "visibility": "PUBLIC" }),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            json!({ "name": "Ok", "slug": "Not A Slug", "visibility": "PUBLIC" }),
            "BAD_USER_INPUT",
            Some("slug"),
        ),
        (
            json!({ "name": "Open secret", "visibility": "SECRET", "joinPolicy": "OPEN" }),
            "BAD_USER_INPUT",
            Some("joinPolicy"),
        ),
        (
            json!({ "name": "Open private", "visibility": "PRIVATE", "joinPolicy": "OPEN" }),
            "BAD_USER_INPUT",
            Some("joinPolicy"),
        ),
        (
            json!({ "name": "Long", "description": "x".repeat(5001), "visibility": "PUBLIC" }),
            "BAD_USER_INPUT",
            Some("description"),
        ),
    ];
    for (input, code, field) in cases {
        let response = app
            .graphql(Some(&ada), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), code, "{input}");
        if let Some(field) = field {
            assert_eq!(
                response["errors"][0]["extensions"]["field"], field,
                "{input}"
            );
        }
    }
    let too_long = app
        .graphql(
            Some(&ada),
            CREATE,
            json!({ "input": { "name": "x".repeat(101), "visibility": "PUBLIC" } }),
        )
        .await;
    assert!(
        too_long["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100")
    );
}

/// The slug `user` gets when creating a public group from `input`.
async fn created_slug(app: &TestApp, user: &common::TestUser, input: Value) -> String {
    let response = app
        .graphql(Some(user), CREATE, json!({ "input": input }))
        .await;
    response["data"]["createGroup"]["group"]["slug"]
        .as_str()
        .unwrap_or_else(|| panic!("a group: {response}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_group_leaves_its_slug_free_for_others() {
    let app = TestApp::spawn().await;
    let insider = app.member("insider").await;
    let outsider = app.member("outsider").await;
    let secret_chosen = created_slug(
        &app,
        &insider,
        json!({ "name": "Plan social", "slug": "plan", "visibility": "SECRET" }),
    )
    .await;
    let secret_derived = created_slug(
        &app,
        &insider,
        json!({ "name": "Projet Zèbre", "visibility": "SECRET" }),
    )
    .await;

    let chosen = created_slug(
        &app,
        &outsider,
        json!({ "name": "Planning", "slug": "plan", "visibility": "PUBLIC" }),
    )
    .await;
    let derived = created_slug(
        &app,
        &outsider,
        json!({ "name": "Projet Zèbre", "visibility": "PUBLIC" }),
    )
    .await;
    let free = created_slug(
        &app,
        &outsider,
        json!({ "name": "Sport", "slug": "yoga", "visibility": "PUBLIC" }),
    )
    .await;

    assert!(secret_chosen.starts_with("plan-"), "{secret_chosen}");
    assert!(
        secret_derived.starts_with("projet-zebre-"),
        "{secret_derived}"
    );
    assert_eq!(
        [chosen.as_str(), derived.as_str(), free.as_str()],
        ["plan", "projet-zebre", "yoga"],
        "taken by a secret group or free, the answer is the same"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slug_held_by_a_group_the_viewer_cannot_see_is_no_conflict() {
    let app = TestApp::spawn().await;
    let insider = app.member("insider").await;
    let outsider = app.member("outsider").await;
    // Made before secret groups' slugs took a suffix.
    app.create_group(&insider, "Projet Zèbre", Visibility::Secret)
        .await;
    let club = app
        .create_group(&outsider, "Club", Visibility::Public)
        .await;

    let chosen = created_slug(
        &app,
        &outsider,
        json!({ "name": "Zèbre", "slug": "projet-zebre", "visibility": "PUBLIC" }),
    )
    .await;
    let renamed = app
        .graphql(
            Some(&outsider),
            "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { slug } } }",
            json!({ "input": { "groupId": club.id, "slug": "projet-zebre" } }),
        )
        .await;

    assert!(chosen.starts_with("projet-zebre-"), "{chosen}");
    let renamed = renamed["data"]["updateGroup"]["group"]["slug"]
        .as_str()
        .unwrap_or_else(|| panic!("a group: {renamed}"));
    assert!(renamed.starts_with("projet-zebre-"), "{renamed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_groups_new_slug_takes_a_suffix_and_a_resent_one_is_kept() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Comité", Visibility::Secret).await;
    let update =
        "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { slug } } }";

    let renamed = app
        .graphql(
            Some(&owner),
            update,
            json!({ "input": { "groupId": group.id, "slug": "direction" } }),
        )
        .await["data"]["updateGroup"]["group"]["slug"]
        .clone();
    let resent = app
        .graphql(
            Some(&owner),
            update,
            json!({ "input": { "groupId": group.id, "slug": renamed, "name": "Comité de direction" } }),
        )
        .await["data"]["updateGroup"]["group"]["slug"]
        .clone();

    let renamed = renamed.as_str().expect("a slug");
    assert!(renamed.starts_with("direction-"), "{renamed}");
    assert_eq!(resent, renamed);
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_cannot_create_groups() {
    let app = TestApp::spawn().await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let response = app
        .graphql(
            Some(&guest),
            CREATE,
            json!({ "input": { "name": "Mine", "visibility": "PUBLIC" } }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn anyone_joins_an_open_public_group() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let group = app
        .create_group(&owner, "Running club", Visibility::Public)
        .await;
    let joined = app
        .graphql(Some(&bob), "mutation($id: ID!) { joinGroup(input: { groupId: $id }) { group { memberCount viewerRole viewerCanJoin } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(
        joined["data"]["joinGroup"]["group"],
        json!({ "memberCount": 2, "viewerRole": "MEMBER", "viewerCanJoin": false })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_join_request_is_approved_by_a_manager() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let group = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    let requested = app
        .graphql(Some(&bob), "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id, message: \"Bonjour\" }) { joinRequest { id status } } }", json!({ "id": group.id }))
        .await;
    let request_id = requested["data"]["requestToJoinGroup"]["joinRequest"]["id"].clone();
    let again = app
        .graphql(Some(&bob), "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id }) { joinRequest { id } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let pending = app
        .graphql(Some(&owner), "query($id: ID!) { group(id: $id) { joinRequests { totalCount edges { node { message user { username } } } } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(
        pending["data"]["group"]["joinRequests"]["edges"][0]["node"],
        json!({ "message": "Bonjour", "user": { "username": "bob" } })
    );
    let approved = app
        .graphql(Some(&owner), "mutation($id: ID!) { approveJoinRequest(input: { joinRequestId: $id }) { joinRequest { status } group { memberCount } } }", json!({ "id": request_id }))
        .await;
    assert_eq!(
        approved["data"]["approveJoinRequest"],
        json!({ "joinRequest": { "status": "APPROVED" }, "group": { "memberCount": 2 } })
    );
    let twice = app
        .graphql(Some(&owner), "mutation($id: ID!) { approveJoinRequest(input: { joinRequestId: $id }) { joinRequest { status } } }", json!({ "id": request_id }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requester_may_cancel_and_a_manager_may_decline() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let carl = app.member("carl").await;
    let group = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    let request = |user| {
        let app = &app;
        let id = group.id.clone();
        async move {
            app.graphql(Some(user), "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id }) { joinRequest { id } } }", json!({ "id": id }))
                .await["data"]["requestToJoinGroup"]["joinRequest"]["id"]
                .clone()
        }
    };
    let bobs = request(&bob).await;
    let carls = request(&carl).await;
    let foreign_cancel = app
        .graphql(Some(&carl), "mutation($id: ID!) { cancelJoinRequest(input: { joinRequestId: $id }) { joinRequest { status } } }", json!({ "id": bobs }))
        .await;
    assert_eq!(error_code(&foreign_cancel), "NOT_FOUND");
    let cancelled = app
        .graphql(Some(&bob), "mutation($id: ID!) { cancelJoinRequest(input: { joinRequestId: $id }) { joinRequest { status } } }", json!({ "id": bobs }))
        .await;
    assert_eq!(
        cancelled["data"]["cancelJoinRequest"]["joinRequest"]["status"],
        "CANCELLED"
    );
    let declined = app
        .graphql(Some(&owner), "mutation($id: ID!) { declineJoinRequest(input: { joinRequestId: $id }) { joinRequest { status } } }", json!({ "id": carls }))
        .await;
    assert_eq!(
        declined["data"]["declineJoinRequest"]["joinRequest"]["status"],
        "DECLINED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invitations_let_people_into_secret_groups() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let carl = app.member("carl").await;
    let group = app
        .create_group(&owner, "Projet Aurore", Visibility::Secret)
        .await;
    let invited = app
        .graphql(Some(&owner), "mutation($g: ID!, $u: [ID!]!) { inviteToGroup(input: { groupId: $g, userIds: $u }) { invitations { id user { username } } } }", json!({ "g": group.id, "u": [bob.id, carl.id, owner.id] }))
        .await;
    let invitations = invited["data"]["inviteToGroup"]["invitations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        invitations.len(),
        2,
        "the owner is a member already: {invited}"
    );
    let mine = app
        .graphql(
            Some(&bob),
            "{ groupInvitations { edges { node { id group { name viewerIsInvited } } } } }",
            json!({}),
        )
        .await;
    let invitation = &mine["data"]["groupInvitations"]["edges"][0]["node"];
    assert_eq!(
        invitation["group"],
        json!({ "name": "Projet Aurore", "viewerIsInvited": true })
    );
    let accepted = app
        .graphql(Some(&bob), "mutation($id: ID!) { acceptGroupInvitation(input: { invitationId: $id }) { group { viewerRole memberCount } } }", json!({ "id": invitation["id"] }))
        .await;
    assert_eq!(
        accepted["data"]["acceptGroupInvitation"]["group"],
        json!({ "viewerRole": "MEMBER", "memberCount": 2 })
    );
    let carls = invitations
        .iter()
        .find(|i| i["user"]["username"] == "carl")
        .unwrap()["id"]
        .clone();
    let declined = app
        .graphql(Some(&carl), "mutation($id: ID!) { declineGroupInvitation(input: { invitationId: $id }) { invitation { status } } }", json!({ "id": carls }))
        .await;
    assert_eq!(
        declined["data"]["declineGroupInvitation"]["invitation"]["status"],
        "DECLINED"
    );
    let hidden_again = app
        .graphql(
            Some(&carl),
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&hidden_again), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_owner_cannot_leave_or_be_demoted() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &bob, GroupRole::Member).await;
    let leave = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { leaveGroup(input: { groupId: $id }) { group { id } } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&leave), "CONFLICT");
    assert!(
        leave["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("transfer ownership")
    );
    let demote = app
        .graphql(Some(&owner), "mutation($g: ID!, $u: ID!) { setGroupMemberRole(input: { groupId: $g, userId: $u, role: MEMBER }) { member { role } } }", json!({ "g": group.id, "u": owner.id }))
        .await;
    assert_eq!(error_code(&demote), "CONFLICT");
    let left = app
        .graphql(Some(&bob), "mutation($id: ID!) { leaveGroup(input: { groupId: $id }) { group { memberCount viewerRole } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(
        left["data"]["leaveGroup"]["group"],
        json!({ "memberCount": 1, "viewerRole": null })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ownership_is_transferred_to_a_member() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &bob, GroupRole::Member).await;
    let transferred = app
        .graphql(Some(&owner), "mutation($g: ID!, $u: ID!) { transferGroupOwnership(input: { groupId: $g, userId: $u }) { group { viewerRole } } }", json!({ "g": group.id, "u": bob.id }))
        .await;
    assert_eq!(
        transferred["data"]["transferGroupOwnership"]["group"]["viewerRole"],
        "MANAGER"
    );
    let roles = app
        .graphql(Some(&bob), "query($id: ID!) { group(id: $id) { viewerRole members(role: OWNER) { edges { node { user { username } } } } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(roles["data"]["group"]["viewerRole"], "OWNER");
    assert_eq!(
        roles["data"]["group"]["members"]["edges"],
        json!([{ "node": { "user": { "username": "bob" } } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn managers_run_members_but_not_owners() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let manager = app.member("manager").await;
    let bob = app.member("bob").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &manager, GroupRole::Manager).await;
    app.add_member(&group, &bob, GroupRole::Member).await;
    let set_role = |user, target: &str, role: &str| {
        let app = &app;
        let query = format!(
            "mutation($g: ID!, $u: ID!) {{ setGroupMemberRole(input: {{ groupId: $g, userId: $u, role: {role} }}) {{ member {{ role }} }} }}"
        );
        let variables = json!({ "g": group.id, "u": target });
        async move { app.graphql(Some(user), &query, variables).await }
    };
    let promoted = set_role(&manager, &bob.id, "MANAGER").await;
    assert_eq!(
        promoted["data"]["setGroupMemberRole"]["member"]["role"],
        "MANAGER"
    );
    assert_eq!(
        error_code(&set_role(&manager, &bob.id, "OWNER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&set_role(&manager, &owner.id, "MEMBER").await),
        "FORBIDDEN"
    );
    let remove_owner = app
        .graphql(Some(&manager), "mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) { group { id } } }", json!({ "g": group.id, "u": owner.id }))
        .await;
    assert_eq!(error_code(&remove_owner), "FORBIDDEN");
    let removed = app
        .graphql(Some(&manager), "mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) { group { memberCount } } }", json!({ "g": group.id, "u": bob.id }))
        .await;
    assert_eq!(
        removed["data"]["removeGroupMember"]["group"]["memberCount"],
        2
    );
    let not_member = app
        .graphql(Some(&manager), "mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) { group { id } } }", json!({ "g": group.id, "u": bob.id }))
        .await;
    assert_eq!(error_code(&not_member), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn archived_groups_take_no_members_and_no_posts() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let bob = app.member("bob").await;
    let group = app
        .create_group(&owner, "Old club", Visibility::Public)
        .await;
    let archived = app
        .graphql(Some(&owner), "mutation($id: ID!) { archiveGroup(input: { groupId: $id }) { group { archived viewerCanPost } } }", json!({ "id": group.id }))
        .await;
    assert_eq!(
        archived["data"]["archiveGroup"]["group"],
        json!({ "archived": true, "viewerCanPost": false })
    );
    let join = app
        .graphql(
            Some(&bob),
            "mutation($id: ID!) { joinGroup(input: { groupId: $id }) { group { id } } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&join), "FORBIDDEN");
    let unarchived = app
        .graphql(
            Some(&owner),
            "mutation($id: ID!) { unarchiveGroup(input: { groupId: $id }) { group { archived } } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(
        unarchived["data"]["unarchiveGroup"]["group"]["archived"],
        false
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn archived_groups_take_no_new_members_by_any_path() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let asker = app.member("asker").await;
    let invited = app.member("invited").await;
    let later = app.member("later").await;
    let group = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    let request = app
        .graphql(Some(&asker), "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id }) { joinRequest { id } } }", json!({ "id": group.id }))
        .await["data"]["requestToJoinGroup"]["joinRequest"]["id"]
        .clone();
    let invitation = app
        .graphql(Some(&owner), "mutation($g: ID!, $u: [ID!]!) { inviteToGroup(input: { groupId: $g, userIds: $u }) { invitations { id } } }", json!({ "g": group.id, "u": [invited.id] }))
        .await["data"]["inviteToGroup"]["invitations"][0]["id"]
        .clone();
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { archiveGroup(input: { groupId: $id }) { group { id } } }",
        json!({ "id": group.id }),
    )
    .await;
    let attempts = [
        (
            &owner,
            "mutation($id: ID!) { approveJoinRequest(input: { joinRequestId: $id }) { group { id } } }",
            json!({ "id": request }),
        ),
        (
            &invited,
            "mutation($id: ID!) { acceptGroupInvitation(input: { invitationId: $id }) { group { id } } }",
            json!({ "id": invitation }),
        ),
        (
            &owner,
            "mutation($g: ID!, $u: [ID!]!) { inviteToGroup(input: { groupId: $g, userIds: $u }) { invitations { id } } }",
            json!({ "g": group.id, "u": [later.id] }),
        ),
    ];
    for (user, query, variables) in attempts {
        let response = app.graphql(Some(user), query, variables).await;
        assert_eq!(error_code(&response), "CONFLICT", "{query}");
    }
    let count = app
        .graphql(
            Some(&owner),
            "query($id: ID!) { group(id: $id) { memberCount } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(count["data"]["group"]["memberCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_a_group_to_requests_cancels_the_pending_ones() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let asker = app.member("asker").await;
    let group = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    app.graphql(
        Some(&asker),
        "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id }) { joinRequest { id } } }",
        json!({ "id": group.id }),
    )
    .await;
    let update = "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { joinRequests { totalCount } } } }";
    let closed = app
        .graphql(Some(&owner), update, json!({ "input": { "groupId": group.id, "visibility": "SECRET", "joinPolicy": "INVITE_ONLY" } }))
        .await;
    assert_eq!(
        closed["data"]["updateGroup"]["group"]["joinRequests"]["totalCount"], 0,
        "{closed}"
    );
    let unchanged = app
        .graphql(
            Some(&owner),
            update,
            json!({ "input": { "groupId": group.id } }),
        )
        .await;
    assert!(
        unchanged["errors"].is_null(),
        "an update without changes is a no-op: {unchanged}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_change_and_keep_slugs_unique() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.create_group(&owner, "Taken", Visibility::Public).await;
    let update = "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { name slug visibility joinPolicy postingPolicy } } }";
    let updated = app
        .graphql(Some(&owner), update, json!({ "input": { "groupId": group.id, "name": "Annonces", "slug": "annonces", "visibility": "PRIVATE", "joinPolicy": "INVITE_ONLY", "postingPolicy": "MANAGERS" } }))
        .await;
    assert_eq!(
        updated["data"]["updateGroup"]["group"],
        json!({ "name": "Annonces", "slug": "annonces", "visibility": "PRIVATE", "joinPolicy": "INVITE_ONLY", "postingPolicy": "MANAGERS" })
    );
    let clash = app
        .graphql(
            Some(&owner),
            update,
            json!({ "input": { "groupId": group.id, "slug": "taken" } }),
        )
        .await;
    assert_eq!(error_code(&clash), "CONFLICT");
    let open_private = app
        .graphql(
            Some(&owner),
            update,
            json!({ "input": { "groupId": group.id, "joinPolicy": "OPEN" } }),
        )
        .await;
    assert_eq!(error_code(&open_private), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_add_members_by_directory_attribute() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    for (name, department) in [("anna", "Sales"), ("bert", "SALES"), ("cleo", "Salés")] {
        app.create_user_with(name, OrgRole::Member, |u| {
            u.department = Some(department.into())
        })
        .await;
    }
    app.create_user_with("dave", OrgRole::Member, |u| {
        u.department = Some("Finance".into())
    })
    .await;
    let group = app
        .create_group(&admin, "Sales team", Visibility::Private)
        .await;
    let mutation = "mutation($id: ID!) { addGroupMembersByAttribute(input: { groupId: $id, department: \"sales\" }) { addedCount group { memberCount } } }";
    let added = app
        .graphql(Some(&admin), mutation, json!({ "id": group.id }))
        .await;
    assert_eq!(
        added["data"]["addGroupMembersByAttribute"],
        json!({ "addedCount": 3, "group": { "memberCount": 4 } })
    );
    let again = app
        .graphql(Some(&admin), mutation, json!({ "id": group.id }))
        .await;
    assert_eq!(again["data"]["addGroupMembersByAttribute"]["addedCount"], 0);
    let member = app.member("member").await;
    app.add_member(&group, &member, GroupRole::Owner).await;
    assert_eq!(
        error_code(
            &app.graphql(Some(&member), mutation, json!({ "id": group.id }))
                .await
        ),
        "FORBIDDEN"
    );
}

const ADD_RULE: &str = "mutation($g: ID!, $d: String, $s: String) {
  addGroupMembershipRule(input: { groupId: $g, department: $d, site: $s }) {
    rule { id department site } addedCount group { memberCount membershipRules { department site } } } }";

const REMOVE_RULE: &str = "mutation($r: ID!) {
  removeGroupMembershipRule(input: { ruleId: $r }) { removedRuleId group { membershipRules { id } } } }";

/// Adds a membership rule as `admin` and returns its ID.
async fn add_rule(
    app: &TestApp,
    admin: &common::TestUser,
    group: &common::groups::TestGroup,
    department: Option<&str>,
    site: Option<&str>,
) -> String {
    let response = app
        .graphql(
            Some(admin),
            ADD_RULE,
            json!({ "g": group.id, "d": department, "s": site }),
        )
        .await;
    response["data"]["addGroupMembershipRule"]["rule"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a rule: {response}"))
        .to_owned()
}

async fn role_in(
    app: &TestApp,
    group: &common::groups::TestGroup,
    user: &common::TestUser,
) -> Option<GroupRole> {
    let mut conn = app.db().connect().await.expect("connect");
    parvis::groups::model::member_role(&mut conn, group.uuid, user.uuid)
        .await
        .expect("role")
}

/// `person` changes their own department and/or site.
async fn move_to(app: &TestApp, person: &common::TestUser, department: &str, site: &str) {
    let response = app
        .graphql(
            Some(person),
            "mutation($d: String, $s: String) { updateProfile(input: { department: $d, site: $s }) { user { id } } }",
            json!({ "d": department, "s": site }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_membership_rule_brings_in_everyone_who_matches_it_now() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    for (name, department, site) in [
        ("anna", "Ventes", "Lyon"),
        ("bert", "ventes", "LYON"),
        ("cleo", "Ventes", "Paris"),
        ("dave", "Finance", "Lyon"),
    ] {
        app.create_user_with(name, OrgRole::Member, |u| {
            u.department = Some(department.into());
            u.site = Some(site.into());
        })
        .await;
    }
    app.create_user_with("gwen", OrgRole::Guest, |u| {
        u.department = Some("Ventes".into());
        u.site = Some("Lyon".into());
    })
    .await;
    let group = app
        .create_group(&admin, "Ventes Lyon", Visibility::Private)
        .await;

    let added = app
        .graphql(
            Some(&admin),
            ADD_RULE,
            json!({ "g": group.id, "d": " Ventes ", "s": "Lyon" }),
        )
        .await;

    let payload = &added["data"]["addGroupMembershipRule"];
    assert_eq!(payload["rule"]["department"], "Ventes", "{added}");
    assert_eq!(payload["rule"]["site"], "Lyon");
    assert_eq!(payload["addedCount"], 2, "anna and bert, not the guest");
    assert_eq!(
        payload["group"],
        json!({ "memberCount": 3, "membershipRules": [{ "department": "Ventes", "site": "Lyon" }] })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_org_admins_make_membership_rules_and_each_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let owner = app.member("owner").await;
    let group = app
        .create_group(&owner, "Équipe Lyon", Visibility::Private)
        .await;
    let can_manage = "query($g: ID!) { group(id: $g) { viewerCanManageMembershipRules } }";
    let sees =
        |response: Value| response["data"]["group"]["viewerCanManageMembershipRules"].clone();
    assert_eq!(
        sees(
            app.graphql(Some(&owner), can_manage, json!({ "g": group.id }))
                .await
        ),
        false
    );
    assert_eq!(
        sees(
            app.graphql(Some(&admin), can_manage, json!({ "g": group.id }))
                .await
        ),
        true
    );

    let by_owner = app
        .graphql(
            Some(&owner),
            ADD_RULE,
            json!({ "g": group.id, "s": "Lyon" }),
        )
        .await;
    assert_eq!(error_code(&by_owner), "FORBIDDEN");
    let empty = app
        .graphql(Some(&admin), ADD_RULE, json!({ "g": group.id, "d": "  " }))
        .await;
    assert_eq!(error_code(&empty), "BAD_USER_INPUT");
    assert_eq!(empty["errors"][0]["extensions"]["field"], "department");
    add_rule(&app, &admin, &group, None, Some("Lyon")).await;
    let twice = app
        .graphql(
            Some(&admin),
            ADD_RULE,
            json!({ "g": group.id, "s": "LYON" }),
        )
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_who_moves_into_the_department_joins_the_groups_with_its_rule() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let sales = app
        .create_group(&admin, "Ventes", Visibility::Private)
        .await;
    let lyon = app
        .create_group(&admin, "Site de Lyon", Visibility::Public)
        .await;
    add_rule(&app, &admin, &sales, Some("Ventes"), None).await;
    add_rule(&app, &admin, &lyon, None, Some("Lyon")).await;
    let anna = app.member("anna").await;
    let bert = app.member("bert").await;

    move_to(&app, &anna, "ventes", "Paris").await;
    let by_admin = app
        .graphql(
            Some(&admin),
            "mutation($u: ID!) { updateProfile(input: { userId: $u, site: \"Lyon\" }) { user { id } } }",
            json!({ "u": bert.id }),
        )
        .await;
    assert!(by_admin["errors"].is_null(), "{by_admin}");

    assert_eq!(role_in(&app, &sales, &anna).await, Some(GroupRole::Member));
    assert_eq!(role_in(&app, &lyon, &anna).await, None);
    assert_eq!(role_in(&app, &lyon, &bert).await, Some(GroupRole::Member));
    assert_eq!(role_in(&app, &sales, &bert).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_activated_with_its_code_joins_the_groups_whose_rules_it_matches() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let lyon = app
        .create_group(&admin, "Site de Lyon", Visibility::Public)
        .await;
    add_rule(&app, &admin, &lyon, None, Some("Lyon")).await;
    let created = app
        .graphql(
            Some(&admin),
            "mutation { createAccount(input: { username: \"marc.atelier\", displayName: \"Marc\", site: \"Lyon\" }) { activationCode } }",
            json!({}),
        )
        .await;
    let code = &created["data"]["createAccount"]["activationCode"];
    let marc = app.existing_user("marc.atelier").await;
    assert_eq!(role_in(&app, &lyon, &marc).await, None, "not while pending");

    let activated = app
        .graphql(
            None,
            "mutation($code: String!) { activateAccount(input: { username: \"marc.atelier\", activationCode: $code, password: \"ten or more chars\" }) { user { status } } }",
            json!({ "code": code }),
        )
        .await;

    assert_eq!(
        activated["data"]["activateAccount"]["user"]["status"], "ACTIVE",
        "{activated}"
    );
    assert_eq!(role_in(&app, &lyon, &marc).await, Some(GroupRole::Member));
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_the_department_takes_people_out_only_of_what_its_rule_gave_them() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let sales = app
        .create_group(&admin, "Ventes", Visibility::Private)
        .await;
    let in_sales = |u: &mut parvis::users::NewUser| u.department = Some("Ventes".into());
    let by_rule = app
        .create_user_with("anna", OrgRole::Member, in_sales)
        .await;
    let joined_before = app
        .create_user_with("bert", OrgRole::Member, in_sales)
        .await;
    let promoted = app
        .create_user_with("cleo", OrgRole::Member, in_sales)
        .await;
    app.add_member(&sales, &joined_before, GroupRole::Member)
        .await;
    add_rule(&app, &admin, &sales, Some("Ventes"), None).await;
    app.graphql(
        Some(&admin),
        "mutation($g: ID!, $u: ID!) { setGroupMemberRole(input: { groupId: $g, userId: $u, role: MANAGER }) { member { role } } }",
        json!({ "g": sales.id, "u": promoted.id }),
    )
    .await;

    for person in [&by_rule, &joined_before, &promoted] {
        move_to(&app, person, "Finance", "Lyon").await;
    }

    assert_eq!(role_in(&app, &sales, &by_rule).await, None);
    assert_eq!(
        role_in(&app, &sales, &joined_before).await,
        Some(GroupRole::Member)
    );
    assert_eq!(
        role_in(&app, &sales, &promoted).await,
        Some(GroupRole::Manager)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_who_left_a_rules_group_is_not_brought_back_by_other_profile_edits() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let sales = app
        .create_group(&admin, "Ventes", Visibility::Private)
        .await;
    let anna = app
        .create_user_with("anna", OrgRole::Member, |u| {
            u.department = Some("Ventes".into())
        })
        .await;
    add_rule(&app, &admin, &sales, Some("Ventes"), None).await;
    app.graphql(
        Some(&anna),
        "mutation($g: ID!) { leaveGroup(input: { groupId: $g }) { group { id } } }",
        json!({ "g": sales.id }),
    )
    .await;

    let edit = app
        .graphql(
            Some(&anna),
            "mutation { updateProfile(input: { title: \"Cheffe de projet\", department: \"Ventes\" }) { user { id } } }",
            json!({}),
        )
        .await;

    assert!(edit["errors"].is_null(), "{edit}");
    assert_eq!(role_in(&app, &sales, &anna).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_rule_keeps_the_people_it_brought_in_for_good() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let sales = app
        .create_group(&admin, "Ventes", Visibility::Private)
        .await;
    let anna = app
        .create_user_with("anna", OrgRole::Member, |u| {
            u.department = Some("Ventes".into())
        })
        .await;
    let rule = add_rule(&app, &admin, &sales, Some("Ventes"), None).await;

    let removed = app
        .graphql(Some(&admin), REMOVE_RULE, json!({ "r": rule }))
        .await;
    move_to(&app, &anna, "Finance", "Lyon").await;

    assert_eq!(
        removed["data"]["removeGroupMembershipRule"],
        json!({ "removedRuleId": rule, "group": { "membershipRules": [] } })
    );
    assert_eq!(role_in(&app, &sales, &anna).await, Some(GroupRole::Member));
    let again = app
        .graphql(Some(&admin), REMOVE_RULE, json!({ "r": rule }))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_matching_thousands_of_people_brings_them_all_in_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let group = app
        .create_group(&admin, "Tout Lyon", Visibility::Public)
        .await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.db().connect().await.expect("connect");
        conn.batch_execute(
            "INSERT INTO users (id, username, display_name, site, locale, time_zone, org_role, status)
             SELECT gen_random_uuid(), 'lyon' || n, 'Lyon ' || n, 'Lyon', 'fr', 'Europe/Paris', 'member', 'active'
             FROM generate_series(1, 3000) AS n",
        )
        .await
        .expect("people");
    }
    let started = std::time::Instant::now();

    let added = app
        .graphql(
            Some(&admin),
            ADD_RULE,
            json!({ "g": group.id, "s": "lyon" }),
        )
        .await;

    assert_eq!(
        added["data"]["addGroupMembershipRule"]["addedCount"], 3000,
        "{added}"
    );
    assert_eq!(
        added["data"]["addGroupMembershipRule"]["group"]["memberCount"],
        3001
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_are_listed_by_name_with_filters() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    let joined = app
        .create_group(&owner, "Écologie au bureau", Visibility::Public)
        .await;
    app.create_group(&owner, "Football", Visibility::Public)
        .await;
    app.create_group(&owner, "Direction", Visibility::Private)
        .await;
    app.create_group(&owner, "Acquisition X", Visibility::Secret)
        .await;
    app.add_member(&joined, &viewer, GroupRole::Member).await;
    let list = |filter: Value| {
        let app = &app;
        let viewer = &viewer;
        async move {
            let response = app
                .graphql(Some(viewer), "query($f: GroupsFilter) { groups(filter: $f) { totalCount edges { node { name } } } }", json!({ "f": filter }))
                .await;
            let names: Vec<String> = response["data"]["groups"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{response}"))
                .iter()
                .map(|edge| edge["node"]["name"].as_str().unwrap().to_owned())
                .collect();
            (
                response["data"]["groups"]["totalCount"].as_i64().unwrap(),
                names,
            )
        }
    };
    assert_eq!(
        list(json!({})).await,
        (
            3,
            vec![
                "Direction".into(),
                "Écologie au bureau".into(),
                "Football".into()
            ]
        )
    );
    assert_eq!(
        list(json!({ "query": "ecologie" })).await.1,
        vec!["Écologie au bureau".to_owned()]
    );
    assert_eq!(
        list(json!({ "membership": "JOINED" })).await.1,
        vec!["Écologie au bureau".to_owned()]
    );
    assert_eq!(
        list(json!({ "visibility": "PRIVATE" })).await.1,
        vec!["Direction".to_owned()]
    );
    let all = app
        .graphql(
            Some(&viewer),
            "{ groups(filter: { scope: ALL }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&all), "FORBIDDEN");
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let everything = app
        .graphql(
            Some(&admin),
            "{ groups(filter: { scope: ALL }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(everything["data"]["groups"]["totalCount"], 4);
    let by_slug = app
        .graphql(
            Some(&viewer),
            "{ groupBySlug(slug: \"FOOTBALL\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(by_slug["data"]["groupBySlug"]["name"], "Football");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_takes_an_owner() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let manager = app.member("manager").await;
    let group = app
        .create_group(&owner, "Short-lived", Visibility::Public)
        .await;
    app.add_member(&group, &manager, GroupRole::Manager).await;
    let delete = "mutation($id: ID!) { deleteGroup(input: { groupId: $id }) { deletedGroupId } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&manager), delete, json!({ "id": group.id }))
                .await
        ),
        "FORBIDDEN"
    );
    let deleted = app
        .graphql(Some(&owner), delete, json!({ "id": group.id }))
        .await;
    assert_eq!(deleted["data"]["deleteGroup"]["deletedGroupId"], group.id);
    let gone = app
        .graphql(
            Some(&owner),
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(error_code(&gone), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_groups_never_leak_to_non_members() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let outsider = app.member("outsider").await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let secret = app
        .create_group(&owner, "Projet Zèbre", Visibility::Secret)
        .await;
    let missing = parvis::graphql::ids::encode("Group", uuid::Uuid::now_v7()).0;

    for filter in [
        json!({}),
        json!({ "query": "zebre" }),
        json!({ "visibility": "SECRET" }),
    ] {
        let listed = app
            .graphql(Some(&outsider), "query($f: GroupsFilter) { groups(filter: $f) { totalCount edges { node { id } } } }", json!({ "f": filter }))
            .await;
        assert_eq!(
            listed["data"]["groups"]["totalCount"], 0,
            "{filter}: {listed}"
        );
    }
    let admin_default = app
        .graphql(Some(&admin), "{ groups { totalCount } }", json!({}))
        .await;
    assert_eq!(
        admin_default["data"]["groups"]["totalCount"], 0,
        "admins see secret groups only with scope ALL"
    );

    let lookups = [
        ("query($id: ID!) { group(id: $id) { id } }", "group"),
        ("query($id: ID!) { node(id: $id) { id } }", "node"),
        (
            "mutation($id: ID!) { joinGroup(input: { groupId: $id }) { group { id } } }",
            "join",
        ),
        (
            "mutation($id: ID!) { requestToJoinGroup(input: { groupId: $id }) { joinRequest { id } } }",
            "request",
        ),
    ];
    for (query, what) in lookups {
        let secret_answer = app
            .graphql(Some(&outsider), query, json!({ "id": secret.id }))
            .await;
        let missing_answer = app
            .graphql(Some(&outsider), query, json!({ "id": missing }))
            .await;
        assert_eq!(error_code(&secret_answer), "NOT_FOUND", "{what}");
        assert_eq!(
            secret_answer["errors"][0]["message"], missing_answer["errors"][0]["message"],
            "{what}"
        );
    }
    let by_slug = app
        .graphql(
            Some(&outsider),
            "query($s: String!) { groupBySlug(slug: $s) { id } }",
            json!({ "s": secret.slug }),
        )
        .await;
    let no_slug = app
        .graphql(
            Some(&outsider),
            "{ groupBySlug(slug: \"no-such-group\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_slug["errors"][0]["message"],
        no_slug["errors"][0]["message"]
    );
    let nodes = app
        .graphql(
            Some(&outsider),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [secret.id] }),
        )
        .await;
    assert_eq!(nodes["data"]["nodes"], json!([null]));
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_see_only_their_groups_and_those_groups_members() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let colleague = app.member("colleague").await;
    let stranger = app.member("stranger").await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let shared = app
        .create_group(&owner, "Partner project", Visibility::Private)
        .await;
    let other = app
        .create_group(&owner, "Company picnic", Visibility::Public)
        .await;
    app.add_member(&shared, &guest, GroupRole::Member).await;
    app.add_member(&shared, &colleague, GroupRole::Member).await;

    let groups = app
        .graphql(
            Some(&guest),
            "{ groups { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        groups["data"]["groups"]["edges"],
        json!([{ "node": { "name": "Partner project" } }])
    );
    let hidden = app
        .graphql(
            Some(&guest),
            "query($id: ID!) { group(id: $id) { id } }",
            json!({ "id": other.id }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");

    let user = "query($id: ID!) { user(id: $id) { username email } }";
    let seen = app
        .graphql(Some(&guest), user, json!({ "id": colleague.id }))
        .await;
    assert_eq!(
        seen["data"]["user"],
        json!({ "username": "colleague", "email": null })
    );
    let unseen = app
        .graphql(Some(&guest), user, json!({ "id": stranger.id }))
        .await;
    assert_eq!(error_code(&unseen), "NOT_FOUND");
    let directory = app
        .graphql(
            Some(&guest),
            "{ users { edges { node { username } } } }",
            json!({}),
        )
        .await;
    let mut names: Vec<&str> = directory["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["username"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["colleague", "guest", "owner"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_joins_and_leaves_keep_the_member_count_exact() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app
        .create_group(&owner, "Popular", Visibility::Public)
        .await;
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(app.member(&format!("person{i}")).await);
    }
    let join = "mutation($id: ID!) { joinGroup(input: { groupId: $id }) { group { id } } }";
    let leave = "mutation($id: ID!) { leaveGroup(input: { groupId: $id }) { group { id } } }";
    let (first, rest) = people.split_at(16);
    futures::future::join_all(
        first
            .iter()
            .map(|p| app.graphql(Some(p), join, json!({ "id": group.id }))),
    )
    .await;
    // Half of those leave while the others join, and everyone tries twice.
    let leavers = first
        .iter()
        .take(8)
        .flat_map(|p| [p, p])
        .map(|p| app.graphql(Some(p), leave, json!({ "id": group.id })));
    let joiners = rest
        .iter()
        .flat_map(|p| [p, p])
        .map(|p| app.graphql(Some(p), join, json!({ "id": group.id })));
    let mut calls: Vec<_> = leavers.map(futures::future::Either::Left).collect();
    calls.extend(joiners.map(futures::future::Either::Right));
    futures::future::join_all(calls).await;

    let counts = app
        .graphql(
            Some(&owner),
            "query($id: ID!) { group(id: $id) { memberCount members(first: 100) { totalCount } } }",
            json!({ "id": group.id }),
        )
        .await;
    let expected = 1 + 16 - 8 + 8;
    assert_eq!(
        counts["data"]["group"],
        json!({ "memberCount": expected, "members": { "totalCount": expected } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_owners_leaving_at_once_leave_one_owner() {
    let app = TestApp::spawn().await;
    let first = app.member("first").await;
    let second = app.member("second").await;
    let group = app.create_group(&first, "Pair", Visibility::Public).await;
    app.add_member(&group, &second, GroupRole::Owner).await;
    let leave = "mutation($id: ID!) { leaveGroup(input: { groupId: $id }) { group { id } } }";
    let (a, b) = tokio::join!(
        app.graphql(Some(&first), leave, json!({ "id": group.id })),
        app.graphql(Some(&second), leave, json!({ "id": group.id })),
    );
    let refused = [&a, &b].iter().filter(|r| r["errors"].is_array()).count();
    assert_eq!(refused, 1, "{a} {b}");
    let refusal = [&a, &b]
        .into_iter()
        .find(|r| r["errors"].is_array())
        .unwrap();
    assert_eq!(error_code(refusal), "CONFLICT");
}

/// Statements run by one request: listing groups with the viewer's permissions and member counts
/// costs the same whatever the page size.
#[tokio::test(flavor = "multi_thread")]
async fn listing_groups_runs_a_constant_number_of_statements() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    let list = "{ groups(first: 100) { totalCount edges { node { id name memberCount viewerRole viewerCanPost viewerCanManage viewerCanJoin viewerHasRequestedToJoin viewerIsInvited } } } }";
    let measure = || async {
        // What creating the groups queued (jobs, activity) runs first, not while counting.
        app.settle().await;
        let before = app.statements_so_far();
        let response = app.graphql(Some(&viewer), list, json!({})).await;
        assert!(response["errors"].is_null(), "{response}");
        (
            app.statements_so_far() - before,
            response["data"]["groups"]["totalCount"].as_i64().unwrap(),
        )
    };
    for i in 0..10 {
        app.create_group(&owner, &format!("Group {i:03}"), Visibility::Public)
            .await;
    }
    measure().await; // verifies the token (then remembered) and records its first use
    let (ten, count) = measure().await;
    assert_eq!(count, 10);
    for i in 10..100 {
        app.create_group(&owner, &format!("Group {i:03}"), Visibility::Public)
            .await;
    }
    let (hundred, count) = measure().await;
    assert_eq!(count, 100);
    assert_eq!(
        ten, hundred,
        "statements for 10 groups: {ten}, for 100: {hundred}"
    );
    // The page (groups with the viewer's role, request and invitation) and the total count; the
    // viewer's token was verified a moment ago, so authentication costs none.
    assert_eq!(hundred, 2, "{hundred} statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_are_bad_input_not_internal_errors() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let group = app.create_group(&ada, "Club", Visibility::Public).await;
    let cases = [
        (
            "mutation($d: String) { updateGroup(input: { groupId: \"GID\", description: $d }) { group { id } } }",
            "description",
        ),
        (
            "query($d: String) { groups(filter: { query: $d }) { totalCount } }",
            "filter.query",
        ),
        (
            "query($d: String) { users(filter: { department: $d }) { totalCount } }",
            "filter.department",
        ),
    ];
    for (query, field) in cases {
        let query = query.replace("GID", &group.id);
        let response = app
            .graphql(Some(&ada), &query, json!({ "d": "a\u{0}b" }))
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{field}: {response}"
        );
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn descriptions_render_to_sanitised_html() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let created = app
        .graphql(
            Some(&ada),
            CREATE,
            json!({ "input": { "name": "Safe", "visibility": "PUBLIC", "description": "**Bienvenue** <script>alert(1)</script> [lien](javascript:alert(1)) <img src=x onerror=alert(1)>" } }),
        )
        .await;
    let id = created["data"]["createGroup"]["group"]["id"].clone();
    let group = app
        .graphql(
            Some(&ada),
            "query($id: ID!) { group(id: $id) { description descriptionHtml } }",
            json!({ "id": id }),
        )
        .await;
    let html = group["data"]["group"]["descriptionHtml"].as_str().unwrap();
    assert!(html.contains("<strong>Bienvenue</strong>"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"),
        "{html}"
    );
    assert!(
        group["data"]["group"]["description"]
            .as_str()
            .unwrap()
            .contains("<script>"),
        "stored as written"
    );
}

/// Groups `Club {i}` for `numbers` owned by `owner`, each with `member`, a pending request from
/// `requester`, an invitation to `invitee`, a pinned post "Règlement {i}", a membership rule
/// for the site "Site {i}" (where no one works), a webhook "Robot {i}" and the group muted by
/// `owner`.
async fn busy_groups(
    app: &TestApp,
    people: [&common::TestUser; 4],
    numbers: std::ops::Range<usize>,
) {
    use parvis::groups::model;
    let [owner, member, requester, invitee] = people;
    let mut conn = app.db().connect().await.expect("connect");
    for i in numbers {
        let group = app
            .create_group(owner, &format!("Club {i}"), Visibility::Private)
            .await;
        app.add_member(&group, member, GroupRole::Member).await;
        model::create_join_request(
            &mut conn,
            group.uuid,
            requester.uuid,
            Some("Bonjour".into()),
        )
        .await
        .expect("request");
        model::invite(&mut conn, group.uuid, &[invitee.uuid], owner.uuid)
            .await
            .expect("invite");
        pin_a_post(app, owner, &group, &format!("Règlement {i}")).await;
        parvis::groups::rules::insert(
            &mut conn,
            group.uuid,
            None,
            Some(&format!("Site {i}")),
            owner.uuid,
        )
        .await
        .expect("rule");
        add_webhook_and_mute(app, owner, &group, &format!("Robot {i}")).await;
    }
}

/// `manager` adds a webhook called `name` to `group` and mutes the group for themselves.
async fn add_webhook_and_mute(
    app: &TestApp,
    manager: &common::TestUser,
    group: &common::groups::TestGroup,
    name: &str,
) {
    let response = app
        .graphql(
            Some(manager),
            "mutation($g: ID!, $n: String!) {
                createGroupWebhook(input: { groupId: $g, name: $n }) { webhook { id } }
                setGroupNotificationLevel(input: { groupId: $g, level: MUTED }) { __typename }
            }",
            json!({ "g": group.id, "n": name }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

/// `author` posts `body` in `group` and pins it there.
async fn pin_a_post(
    app: &TestApp,
    author: &common::TestUser,
    group: &common::groups::TestGroup,
    body: &str,
) {
    let created = app
        .graphql(
            Some(author),
            "mutation($g: ID!, $b: String!) { createPost(input: { groupIds: [$g], body: $b }) { post { id } } }",
            json!({ "g": group.id, "b": body }),
        )
        .await;
    let post = &created["data"]["createPost"]["post"]["id"];
    let pinned = app
        .graphql(
            Some(author),
            "mutation($p: ID!, $g: ID) { pinPost(input: { postId: $p, groupId: $g }) { post { id } } }",
            json!({ "p": post, "g": group.id }),
        )
        .await;
    assert!(pinned["errors"].is_null(), "{created} {pinned}");
}

/// The statements `selection` (fields of each group) costs in a list of one group, then of
/// eight, and what it gave each of the eight.
async fn statements_at_one_and_eight_groups(selection: &str) -> (u64, u64, Vec<Value>) {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let requester = app.member("requester").await;
    let invitee = app.member("invitee").await;
    let people = [&owner, &member, &requester, &invitee];
    let query = format!("{{ groups(first: 20) {{ edges {{ node {{ {selection} }} }} }} }}");
    busy_groups(&app, people, 0..1).await;
    let (one, _) = app.statements_of(&owner, &query, json!({})).await;
    busy_groups(&app, people, 1..8).await;
    let (eight, response) = app.statements_of(&owner, &query, json!({})).await;
    let nodes = response["data"]["groups"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    (one, eight, nodes)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_members_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) = statements_at_one_and_eight_groups(
        "members(first: 1) { totalCount pageInfo { hasNextPage } edges { node { role user { username } } } }",
    )
    .await;

    let members = json!({ "members": {
        "totalCount": 2,
        "pageInfo": { "hasNextPage": true },
        "edges": [{ "node": { "role": "MEMBER", "user": { "username": "member" } } }],
    } });
    assert_eq!(groups, vec![members; 8]);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_join_requests_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) = statements_at_one_and_eight_groups(
        "joinRequests(first: 5) { totalCount edges { node { message } } }",
    )
    .await;

    let requests = json!({ "joinRequests": {
        "totalCount": 1,
        "edges": [{ "node": { "message": "Bonjour" } }],
    } });
    assert_eq!(groups, vec![requests; 8]);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_invitations_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) = statements_at_one_and_eight_groups(
        "invitations(first: 5) { totalCount edges { node { status } } }",
    )
    .await;

    let invitations = json!({ "invitations": {
        "totalCount": 1,
        "edges": [{ "node": { "status": "PENDING" } }],
    } });
    assert_eq!(groups, vec![invitations; 8]);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_drives_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) =
        statements_at_one_and_eight_groups("drive { quotaBytes usedBytes root { name } }").await;

    let drive = json!({ "drive": {
        "quotaBytes": parvis::files::model::GROUP_QUOTA,
        "usedBytes": 0,
        "root": { "name": "" },
    } });
    assert_eq!(groups, vec![drive; 8]);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pinned_posts_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) =
        statements_at_one_and_eight_groups("name pinnedPosts { body }").await;

    let pinned: Vec<Value> = groups
        .iter()
        .map(|group| {
            let number = group["name"].as_str().unwrap().trim_start_matches("Club ");
            json!({ "name": group["name"], "pinnedPosts": [{ "body": format!("Règlement {number}") }] })
        })
        .collect();
    assert_eq!(groups, pinned);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_membership_rules_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) =
        statements_at_one_and_eight_groups("name membershipRules { site }").await;

    let ruled: Vec<Value> = groups
        .iter()
        .map(|group| {
            let number = group["name"].as_str().unwrap().trim_start_matches("Club ");
            json!({ "name": group["name"], "membershipRules": [{ "site": format!("Site {number}") }] })
        })
        .collect();
    assert_eq!(groups, ruled);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webhooks_of_a_groups_page_cost_the_same_statements_for_one_group_or_many() {
    let (one, eight, groups) =
        statements_at_one_and_eight_groups("name webhooks { name revokedAt }").await;

    let hooked: Vec<Value> = groups
        .iter()
        .map(|group| {
            let number = group["name"].as_str().unwrap().trim_start_matches("Club ");
            json!({ "name": group["name"], "webhooks": [{ "name": format!("Robot {number}"), "revokedAt": null }] })
        })
        .collect();
    assert_eq!(groups, hooked);
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_viewers_notification_levels_of_a_groups_page_cost_the_same_statements_for_one_group_or_many()
 {
    let (one, eight, groups) = statements_at_one_and_eight_groups("viewerNotificationLevel").await;

    assert_eq!(
        groups,
        vec![json!({ "viewerNotificationLevel": "MUTED" }); 8]
    );
    assert_eq!(one, eight, "1 group: {one} statements, 8 groups: {eight}");
}
