//! The group permission matrix: every action × org role × group role × visibility, run against
//! the real API. This table is the policy's specification (the README says the same in prose).
//!
//! Outcomes: `A` allowed, `D` denied (FORBIDDEN), `N` not found (the group stays invisible).
//! Each cell runs on a fresh group owned by someone else, the viewer holding the column's role.
//! Groups use the default join policy of their visibility: PUBLIC open, PRIVATE by request,
//! SECRET by invitation.

mod common;

use common::groups::TestGroup;
use common::{TestApp, TestUser};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str)] = &[
    //                                   org ADMIN     org MEMBER    org GUEST
    // action          visibility        -  M  Mg O    -  M  Mg O    -  M  Mg O
    ("view",           "PUBLIC",        "A  A  A  A    A  A  A  A    N  A  A  A"),
    ("view",           "PRIVATE",       "A  A  A  A    A  A  A  A    N  A  A  A"),
    ("view",           "SECRET",        "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("view members",   "PUBLIC",        "A  A  A  A    A  A  A  A    N  A  A  A"),
    ("view members",   "PRIVATE",       "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("view members",   "SECRET",        "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("join",           "PUBLIC",        "A  D  D  D    A  D  D  D    N  D  D  D"),
    ("join",           "PRIVATE",       "A  D  D  D    D  D  D  D    N  D  D  D"),
    ("join",           "SECRET",        "A  D  D  D    N  D  D  D    N  D  D  D"),
    ("request to join","PUBLIC",        "D  D  D  D    D  D  D  D    N  D  D  D"),
    ("request to join","PRIVATE",       "A  D  D  D    A  D  D  D    N  D  D  D"),
    ("request to join","SECRET",        "D  D  D  D    N  D  D  D    N  D  D  D"),
    ("post",           "PUBLIC",        "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("post",           "PRIVATE",       "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("post",           "SECRET",        "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("manage",         "PUBLIC",        "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("manage",         "PRIVATE",       "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("manage",         "SECRET",        "A  A  A  A    N  D  A  A    N  D  A  A"),
    ("invite",         "PUBLIC",        "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("invite",         "PRIVATE",       "A  A  A  A    D  D  A  A    N  D  A  A"),
    ("invite",         "SECRET",        "A  A  A  A    N  D  A  A    N  D  A  A"),
    ("leave",          "PUBLIC",        "D  A  A  A    D  A  A  A    N  A  A  A"),
    ("leave",          "PRIVATE",       "D  A  A  A    D  A  A  A    N  A  A  A"),
    ("leave",          "SECRET",        "D  A  A  A    N  A  A  A    N  A  A  A"),
    ("transfer",       "PUBLIC",        "A  A  A  A    D  D  D  A    N  D  D  A"),
    ("transfer",       "PRIVATE",       "A  A  A  A    D  D  D  A    N  D  D  A"),
    ("transfer",       "SECRET",        "A  A  A  A    N  D  D  A    N  D  D  A"),
    ("delete",         "PUBLIC",        "A  A  A  A    D  D  D  A    N  D  D  A"),
    ("delete",         "PRIVATE",       "A  A  A  A    D  D  D  A    N  D  D  A"),
    ("delete",         "SECRET",        "A  A  A  A    N  D  D  A    N  D  D  A"),
    ("write files",    "PUBLIC",        "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("write files",    "PRIVATE",       "A  A  A  A    D  A  A  A    N  A  A  A"),
    ("write files",    "SECRET",        "A  A  A  A    N  A  A  A    N  A  A  A"),
    ("make rules",     "PUBLIC",        "A  A  A  A    D  D  D  D    N  D  D  D"),
    ("make rules",     "PRIVATE",       "A  A  A  A    D  D  D  D    N  D  D  D"),
    ("make rules",     "SECRET",        "A  A  A  A    N  D  D  D    N  D  D  D"),
];

const GROUP_ROLES: [Option<GroupRole>; 4] = [
    None,
    Some(GroupRole::Member),
    Some(GroupRole::Manager),
    Some(GroupRole::Owner),
];

struct Cast {
    owner: TestUser,
    viewers: [(OrgRole, TestUser); 3],
    /// Someone every viewer can see (they share a group), to invite.
    invitee: TestUser,
}

async fn cast(app: &TestApp) -> Cast {
    let owner = app.member("owner").await;
    let invitee = app.member("invitee").await;
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
    let lobby = app
        .create_group(&invitee, "Lobby", Visibility::Private)
        .await;
    for (_, viewer) in &viewers {
        app.add_member(&lobby, viewer, GroupRole::Member).await;
    }
    Cast {
        owner,
        viewers,
        invitee,
    }
}

fn visibility(name: &str) -> Visibility {
    match name {
        "PUBLIC" => Visibility::Public,
        "PRIVATE" => Visibility::Private,
        _ => Visibility::Secret,
    }
}

/// Runs `action` on `group` as `viewer` and names the outcome.
async fn outcome(
    app: &TestApp,
    cast: &Cast,
    viewer: &TestUser,
    action: &str,
    group: &TestGroup,
) -> char {
    let (query, variables) = match action {
        "view" => (
            "query($g: ID!) { group(id: $g) { id } }",
            json!({ "g": group.id }),
        ),
        "view members" => (
            "query($g: ID!) { group(id: $g) { members { totalCount } } }",
            json!({ "g": group.id }),
        ),
        "join" => (
            "mutation($g: ID!) { joinGroup(input: { groupId: $g }) { group { id } } }",
            json!({ "g": group.id }),
        ),
        "request to join" => (
            "mutation($g: ID!) { requestToJoinGroup(input: { groupId: $g }) { joinRequest { id } } }",
            json!({ "g": group.id }),
        ),
        "post" => (
            "query($g: ID!) { group(id: $g) { viewerCanPost } }",
            json!({ "g": group.id }),
        ),
        "write files" => (
            "query($g: ID!) { group(id: $g) { drive { viewerCanEdit } } }",
            json!({ "g": group.id }),
        ),
        "make rules" => (
            "query($g: ID!) { group(id: $g) { viewerCanManageMembershipRules } }",
            json!({ "g": group.id }),
        ),
        "manage" => (
            "mutation($g: ID!) { updateGroup(input: { groupId: $g, description: \"New\" }) { group { id } } }",
            json!({ "g": group.id }),
        ),
        "invite" => (
            "mutation($g: ID!, $u: [ID!]!) { inviteToGroup(input: { groupId: $g, userIds: $u }) { invitations { id } } }",
            json!({ "g": group.id, "u": [cast.invitee.id] }),
        ),
        "leave" => (
            "mutation($g: ID!) { leaveGroup(input: { groupId: $g }) { group { id } } }",
            json!({ "g": group.id }),
        ),
        "transfer" => (
            "mutation($g: ID!, $u: ID!) { transferGroupOwnership(input: { groupId: $g, userId: $u }) { group { id } } }",
            json!({ "g": group.id, "u": cast.owner.id }),
        ),
        "delete" => (
            "mutation($g: ID!) { deleteGroup(input: { groupId: $g }) { deletedGroupId } }",
            json!({ "g": group.id }),
        ),
        other => panic!("no such action {other}"),
    };
    let response = app.graphql(Some(viewer), query, variables).await;
    // Questions answered with a boolean (or a drive the viewer does not get) rather than by doing.
    let group = &response["data"]["group"];
    let refused = group["viewerCanPost"] == Value::Bool(false)
        || group["viewerCanManageMembershipRules"] == Value::Bool(false)
        || group.get("drive") == Some(&Value::Null)
        || group["drive"]["viewerCanEdit"] == Value::Bool(false);
    match response["errors"][0]["extensions"]["code"].as_str() {
        None if refused => 'D',
        None => 'A',
        Some("FORBIDDEN") => 'D',
        Some("NOT_FOUND") => 'N',
        Some(other) => panic!(
            "{action} as {viewer:?}: unexpected {other}: {response}",
            viewer = viewer.id
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_group_permission_matrix_holds() {
    let app = TestApp::spawn().await;
    let cast = cast(&app).await;
    let mut mismatches = Vec::new();
    for (row, (action, visibility_name, expected)) in MATRIX.iter().enumerate() {
        let expected: Vec<char> = expected.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(expected.len(), 12, "row {row} needs 12 outcomes");
        let cells = cast.viewers.iter().flat_map(|(org_role, viewer)| {
            GROUP_ROLES
                .into_iter()
                .map(move |role| (org_role, viewer, role))
        });
        let actual: Vec<char> = futures::future::join_all(cells.map(|(org_role, viewer, role)| {
            let (app, cast) = (&app, &cast);
            async move {
                let name = format!("{action} {visibility_name} {org_role:?} {role:?} {row}");
                let group = app
                    .create_group(&cast.owner, &name, visibility(visibility_name))
                    .await;
                if let Some(role) = role {
                    app.add_member(&group, viewer, role).await;
                }
                outcome(app, cast, viewer, action, &group).await
            }
        }))
        .await;
        if actual != expected {
            mismatches.push(format!(
                "{action:>16} {visibility_name:<8} expected {} got {}",
                expected.iter().collect::<String>(),
                actual.iter().collect::<String>()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "policy differs from the matrix:\n{}",
        mismatches.join("\n")
    );
}
