//! People, their credentials (tokens, sessions) and the organization.

use super::*;

#[test]
fn people() {
    let admin = viewer(OrgRole::Admin);
    let member = viewer(OrgRole::Member);
    let guest = viewer(OrgRole::Guest);
    let other = person(OrgRole::Member);
    let mut deactivated = person(OrgRole::Member);
    deactivated.status = UserStatus::Deactivated;
    let mut pending = person(OrgRole::Guest);
    pending.status = UserStatus::Pending;
    let columns = [
        ("admin, self", (&admin, User::clone(&admin.user), false)),
        ("admin, other", (&admin, other.clone(), false)),
        ("admin, deactivated", (&admin, deactivated.clone(), false)),
        ("member, self", (&member, User::clone(&member.user), false)),
        ("member, other", (&member, other.clone(), false)),
        ("member, deactivated", (&member, deactivated.clone(), false)),
        ("member, pending", (&member, pending.clone(), false)),
        ("guest, self", (&guest, User::clone(&guest.user), false)),
        ("guest, stranger", (&guest, other.clone(), false)),
        ("guest, groupmate", (&guest, other.clone(), true)),
        ("guest, deactivated groupmate", (&guest, deactivated, true)),
    ];
    table(
        "people (admin, member, guest looking at themselves and others)",
        &columns,
        &[
            //                  |  admin   |    member     |     guest
            //                   self oth dea  self oth dea pen  self str mate deam
            "View                A   A   A  | A   A   A   A  |  A   H   A   A",
            "ViewContactDetails  A   A   A  | A   A   A   A  |  A   H   D   D",
            "Edit                A   A   A  | A   D   D   D  |  A   H   D   D",
            "Manage              D   A   A  | D   D   D   D  |  D   H   D   D",
            "Delete              D   D   D  | D   D   D   D  |  D   H   D   D",
            "Administer          D   D   D  | D   D   D   D  |  D   H   D   D",
        ],
        |(viewer, user, shares_group), action| {
            can(
                viewer,
                action,
                Resource::User {
                    user,
                    shares_group: *shares_group,
                },
            )
        },
    );
}

#[test]
fn credentials_are_their_owners_alone() {
    let admin = viewer(OrgRole::Admin);
    let member = viewer(OrgRole::Member);
    let guest = viewer(OrgRole::Guest);
    let now = Utc::now();
    let token = |owner: &Viewer| AccessToken {
        id: Uuid::new_v4(),
        user_id: owner.id(),
        name: "token".into(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
        created_at: now,
    };
    let session = |owner: &Viewer| Session {
        id: Uuid::new_v4(),
        user_id: owner.id(),
        expires_at: now + Duration::days(1),
        user_agent: None,
        created_at: now,
        last_seen_at: now,
        sso_provider_id: None,
    };
    let columns = [
        ("admin, own", (&admin, token(&admin), session(&admin))),
        (
            "admin, a member's",
            (&admin, token(&member), session(&member)),
        ),
        ("member, own", (&member, token(&member), session(&member))),
        (
            "member, another's",
            (&member, token(&guest), session(&guest)),
        ),
        ("guest, own", (&guest, token(&guest), session(&guest))),
        (
            "guest, another's",
            (&guest, token(&member), session(&member)),
        ),
    ];
    let every_action: Vec<String> = ALL_ACTIONS
        .iter()
        .map(|action| format!("{action:?} A H A H A H"))
        .collect();
    let every_action: Vec<&str> = every_action.iter().map(String::as_str).collect();
    table(
        "access tokens",
        &columns,
        &every_action,
        |(viewer, token, _), action| can(viewer, action, Resource::AccessToken(token)),
    );
    table(
        "sessions",
        &columns,
        &every_action,
        |(viewer, _, session), action| can(viewer, action, Resource::Session(session)),
    );
}

#[test]
fn organization() {
    let columns = [
        ("admin", viewer(OrgRole::Admin)),
        ("communicator", communicator(OrgRole::Member)),
        ("member", viewer(OrgRole::Member)),
        ("guest", viewer(OrgRole::Guest)),
        ("guest marked communicator", communicator(OrgRole::Guest)),
    ];
    table(
        "the organization",
        &columns,
        &[
            //                  adm com mem gst gcom
            "View                A   A   A   D   D",
            "ViewContent         A   A   A   D   D",
            "Post                A   A   A   D   D",
            "Organize            A   A   D   D   D",
            "Manage              A   D   D   D   D",
            "Administer          A   D   D   D   D",
            "ViewAnalytics       A   D   D   D   D",
            "Edit                D   D   D   D   D",
            "Delete              D   D   D   D   D",
            "Join                D   D   D   D   D",
        ],
        |viewer, action| can(viewer, action, Resource::Organization),
    );
}
