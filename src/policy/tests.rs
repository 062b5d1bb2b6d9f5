//! The policy as tables: each table's columns are viewers (each with the resource as they stand
//! towards it), its rows are actions, and each cell is the decision: `A` allow, `D` deny (visible,
//! FORBIDDEN), `H` hide (NOT_FOUND). A failing table lists every cell that differs.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{Action, Decision, Resource, can};
use crate::auth::access_tokens::AccessToken;
use crate::auth::sessions::Session;
use crate::auth::{Credential, Viewer};
use crate::events_calendar::model::Event;
use crate::files::model::Drive;
use crate::groups::{Group, GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::newsletters::model::Newsletter;
use crate::posts::Post;
use crate::surveys::model::Survey;
use crate::users::model::DigestFrequency;
use crate::users::{OrgRole, User, UserStatus};

use Action::*;

/// Every action, for rows that say "anything else".
const ALL_ACTIONS: [Action; 16] = [
    View,
    ViewContent,
    Edit,
    ViewContactDetails,
    Join,
    RequestToJoin,
    Post,
    Manage,
    Delete,
    TransferOwnership,
    Leave,
    Organise,
    Attend,
    Administer,
    ViewAnalytics,
    Answer,
];

fn decision(letter: char) -> Decision {
    match letter {
        'A' => Decision::Allow,
        'D' => Decision::Deny,
        'H' => Decision::Hide,
        other => panic!("a cell is A, D or H, not {other:?}"),
    }
}

fn action(name: &str) -> Action {
    ALL_ACTIONS
        .into_iter()
        .find(|action| format!("{action:?}") == name)
        .unwrap_or_else(|| panic!("no action {name}"))
}

/// Checks every cell of a table: each row is an action's name and one letter per column (spaces
/// and `|` between them are for the eye).
fn table<C>(
    title: &str,
    columns: &[(&str, C)],
    rows: &[&str],
    decide: impl Fn(&C, Action) -> Decision,
) {
    let mut wrong = Vec::new();
    for row in rows {
        let (name, cells) = row.split_once(' ').unwrap_or((row, ""));
        let action = action(name);
        let letters: Vec<char> = cells.chars().filter(char::is_ascii_alphabetic).collect();
        assert_eq!(
            letters.len(),
            columns.len(),
            "{title}: the row of {name} has {} cells for {} columns",
            letters.len(),
            columns.len()
        );
        for ((column, context), letter) in columns.iter().zip(letters) {
            let got = decide(context, action);
            if got != decision(letter) {
                wrong.push(format!(
                    "  {name} by {column}: expected {letter}, got {got:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{title}:\n{}", wrong.join("\n"));
}

fn person(role: OrgRole) -> User {
    let now = Utc::now();
    User {
        id: Uuid::new_v4(),
        email: None,
        username: "someone".into(),
        display_name: "Someone".into(),
        title: None,
        department: None,
        site: None,
        phone: None,
        bio: None,
        locale: "en".into(),
        time_zone: "UTC".into(),
        org_role: role,
        status: UserStatus::Active,
        password_hash: None,
        created_at: now,
        updated_at: now,
        avatar_url: None,
        avatar_attachment_id: None,
        communicator: false,
        activation_code_hash: None,
        activation_expires_at: None,
        created_by: None,
        activated_at: Some(now),
        quiet_hours_start: None,
        quiet_hours_end: None,
        digest_frequency: DigestFrequency::Never,
        credentials_revoked_at: None,
    }
}

fn viewer(role: OrgRole) -> Viewer {
    as_viewer(person(role))
}

fn as_viewer(user: User) -> Viewer {
    Viewer {
        credential: Credential::Session(Uuid::new_v4()),
        user,
    }
}

fn communicator(role: OrgRole) -> Viewer {
    let mut user = person(role);
    user.communicator = true;
    as_viewer(user)
}

/// A public group anyone may join, where members post, organise events and write in the drive.
fn open_group() -> Group {
    let now = Utc::now();
    Group {
        id: Uuid::new_v4(),
        name: "Group".into(),
        slug: "group".into(),
        description: String::new(),
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        event_policy: PostingPolicy::Members,
        drive_policy: PostingPolicy::Members,
        avatar_attachment_id: None,
        cover_attachment_id: None,
        archived_at: None,
        member_count: 3,
        created_at: now,
        updated_at: now,
    }
}

/// How a viewer stands towards a group.
#[derive(Clone, Copy)]
enum Relation {
    None,
    Role(GroupRole),
    Requested,
    Invited,
}

fn access(group: &Group, relation: Relation) -> GroupAccess {
    GroupAccess {
        group: group.clone(),
        viewer_role: match relation {
            Relation::Role(role) => Some(role),
            _ => None,
        },
        viewer_requested: matches!(relation, Relation::Requested),
        viewer_invited: matches!(relation, Relation::Invited),
    }
}

/// The viewers that matter to a group: org roles without relation, each group role, a pending
/// request and a pending invitation (of a member and of a guest).
fn group_viewers(group: &Group) -> Vec<(&'static str, (Viewer, GroupAccess))> {
    use OrgRole::{Admin, Guest, Member};
    use Relation::Role;
    [
        ("org admin", Admin, Relation::None),
        ("org member", Member, Relation::None),
        ("guest", Guest, Relation::None),
        ("owner", Member, Role(GroupRole::Owner)),
        ("manager", Member, Role(GroupRole::Manager)),
        ("group member", Member, Role(GroupRole::Member)),
        ("guest member", Guest, Role(GroupRole::Member)),
        ("requester", Member, Relation::Requested),
        ("invitee", Member, Relation::Invited),
        ("guest invitee", Guest, Relation::Invited),
    ]
    .into_iter()
    .map(|(name, role, relation)| (name, (viewer(role), access(group, relation))))
    .collect()
}

fn group_table(title: &str, group: Group, rows: &[&str]) {
    table(
        title,
        &group_viewers(&group),
        rows,
        |(viewer, access), action| can(viewer, action, Resource::Group(access)),
    );
}

#[test]
fn public_open_group() {
    group_table(
        "public open group",
        open_group(),
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "View                A   A   H |  A   A   A   A  |  A   A   A",
            "ViewContent         A   A   H |  A   A   A   A  |  A   A   D",
            "Join                A   A   H |  D   D   D   D  |  A   A   D",
            "RequestToJoin       D   D   H |  D   D   D   D  |  D   D   D",
            "Post                A   D   H |  A   A   A   A  |  D   D   D",
            "Organise            A   D   H |  A   A   A   A  |  D   D   D",
            "Manage              A   D   H |  A   A   D   D  |  D   D   D",
            "ViewAnalytics       A   D   H |  A   A   D   D  |  D   D   D",
            "Delete              A   D   H |  A   D   D   D  |  D   D   D",
            "TransferOwnership   A   D   H |  A   D   D   D  |  D   D   D",
            "Leave               D   D   H |  A   A   A   A  |  D   D   D",
            "Administer          A   D   H |  D   D   D   D  |  D   D   D",
            "Edit                D   D   H |  D   D   D   D  |  D   D   D",
            "ViewContactDetails  D   D   H |  D   D   D   D  |  D   D   D",
            "Attend              D   D   H |  D   D   D   D  |  D   D   D",
            "Answer              D   D   H |  D   D   D   D  |  D   D   D",
        ],
    );
}

#[test]
fn public_group_joined_on_request() {
    let mut group = open_group();
    group.join_policy = JoinPolicy::Request;
    group_table(
        "public group, join on request",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "View                A   A   H |  A   A   A   A  |  A   A   A",
            "ViewContent         A   A   H |  A   A   A   A  |  A   A   D",
            "Join                A   D   H |  D   D   D   D  |  D   D   D",
            "RequestToJoin       A   A   H |  D   D   D   D  |  D   A   D",
        ],
    );
}

#[test]
fn private_group() {
    let mut group = open_group();
    group.visibility = Visibility::Private;
    group.join_policy = JoinPolicy::Request;
    group_table(
        "private group, join on request",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "View                A   A   H |  A   A   A   A  |  A   A   A",
            "ViewContent         A   D   H |  A   A   A   A  |  D   D   D",
            "Join                A   D   H |  D   D   D   D  |  D   D   D",
            "RequestToJoin       A   A   H |  D   D   D   D  |  D   A   D",
            "Post                A   D   H |  A   A   A   A  |  D   D   D",
            "Manage              A   D   H |  A   A   D   D  |  D   D   D",
            "Leave               D   D   H |  A   A   A   A  |  D   D   D",
        ],
    );
}

#[test]
fn secret_group() {
    let mut group = open_group();
    group.visibility = Visibility::Secret;
    group.join_policy = JoinPolicy::InviteOnly;
    group_table(
        "secret invite-only group",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "View                A   H   H |  A   A   A   A  |  H   A   A",
            "ViewContent         A   H   H |  A   A   A   A  |  H   D   D",
            "Join                A   H   H |  D   D   D   D  |  H   D   D",
            "RequestToJoin       D   H   H |  D   D   D   D  |  H   D   D",
            "Post                A   H   H |  A   A   A   A  |  H   D   D",
            "Organise            A   H   H |  A   A   A   A  |  H   D   D",
            "Manage              A   H   H |  A   A   D   D  |  H   D   D",
            "Delete              A   H   H |  A   D   D   D  |  H   D   D",
            "Leave               D   H   H |  A   A   A   A  |  H   D   D",
            "Administer          A   H   H |  D   D   D   D  |  H   D   D",
        ],
    );
}

#[test]
fn announcement_group_keeps_posts_events_and_drive_to_managers() {
    let mut group = open_group();
    group.posting_policy = PostingPolicy::Managers;
    group.event_policy = PostingPolicy::Managers;
    group.drive_policy = PostingPolicy::Managers;
    group_table(
        "public group, managers post and organise",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "Post                A   D   H |  A   A   D   D  |  D   D   D",
            "Organise            A   D   H |  A   A   D   D  |  D   D   D",
        ],
    );
}

#[test]
fn posting_and_event_policies_are_independent() {
    let mut group = open_group();
    group.posting_policy = PostingPolicy::Managers;
    group_table(
        "public group, managers post, members organise",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "Post                A   D   H |  A   A   D   D  |  D   D   D",
            "Organise            A   D   H |  A   A   A   A  |  D   D   D",
        ],
    );
}

#[test]
fn archived_group_is_read_only_but_still_run_and_left() {
    let mut group = open_group();
    group.join_policy = JoinPolicy::Request;
    group.archived_at = Some(Utc::now());
    group_table(
        "archived public group",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "View                A   A   H |  A   A   A   A  |  A   A   A",
            "ViewContent         A   A   H |  A   A   A   A  |  A   A   D",
            "Join                D   D   H |  D   D   D   D  |  D   D   D",
            "RequestToJoin       D   D   H |  D   D   D   D  |  D   D   D",
            "Post                D   D   H |  D   D   D   D  |  D   D   D",
            "Organise            D   D   H |  D   D   D   D  |  D   D   D",
            "Manage              A   D   H |  A   A   D   D  |  D   D   D",
            "Delete              A   D   H |  A   D   D   D  |  D   D   D",
            "Leave               D   D   H |  A   A   A   A  |  D   D   D",
        ],
    );
}

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
        ("admin, self", (&admin, admin.user.clone(), false)),
        ("admin, other", (&admin, other.clone(), false)),
        ("admin, deactivated", (&admin, deactivated.clone(), false)),
        ("member, self", (&member, member.user.clone(), false)),
        ("member, other", (&member, other.clone(), false)),
        ("member, deactivated", (&member, deactivated.clone(), false)),
        ("member, pending", (&member, pending.clone(), false)),
        ("guest, self", (&guest, guest.user.clone(), false)),
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
fn organisation() {
    let columns = [
        ("admin", viewer(OrgRole::Admin)),
        ("communicator", communicator(OrgRole::Member)),
        ("member", viewer(OrgRole::Member)),
        ("guest", viewer(OrgRole::Guest)),
        ("guest marked communicator", communicator(OrgRole::Guest)),
    ];
    table(
        "the organisation",
        &columns,
        &[
            //                  adm com mem gst gcom
            "View                A   A   A   D   D",
            "ViewContent         A   A   A   D   D",
            "Post                A   A   A   D   D",
            "Organise            A   A   D   D   D",
            "Manage              A   D   D   D   D",
            "Administer          A   D   D   D   D",
            "ViewAnalytics       A   D   D   D   D",
            "Edit                D   D   D   D   D",
            "Delete              D   D   D   D   D",
            "Join                D   D   D   D   D",
        ],
        |viewer, action| can(viewer, action, Resource::Organisation),
    );
}

fn post_by(author: Option<Uuid>, organisation_wide: bool) -> Post {
    let now = Utc::now();
    Post {
        id: Uuid::new_v4(),
        author_id: author,
        webhook_id: None,
        integration_name: None,
        title: None,
        body: "Hello".into(),
        body_html: "<p>Hello</p>".into(),
        organisation_wide,
        requires_acknowledgement: false,
        published_at: Some(now - Duration::minutes(1)),
        edited_at: None,
        deleted_at: None,
        created_at: now,
    }
}

/// The viewers of a post in one group: org roles, the group's roles and the post's author.
fn post_viewers(group: &Group, author: &Viewer) -> Vec<(&'static str, (Viewer, Vec<GroupAccess>))> {
    use Relation::Role;
    let mut columns: Vec<_> = [
        ("org admin", OrgRole::Admin, Relation::None),
        ("org member", OrgRole::Member, Relation::None),
        ("guest", OrgRole::Guest, Relation::None),
        ("manager", OrgRole::Member, Role(GroupRole::Manager)),
        ("group member", OrgRole::Member, Role(GroupRole::Member)),
        ("guest member", OrgRole::Guest, Role(GroupRole::Member)),
    ]
    .into_iter()
    .map(|(name, role, relation)| (name, (viewer(role), vec![access(group, relation)])))
    .collect();
    columns.push((
        "author",
        (
            author.clone(),
            vec![access(group, Relation::Role(GroupRole::Member))],
        ),
    ));
    columns
}

fn post_table(title: &str, post: &Post, group: &Group, author: &Viewer, rows: &[&str]) {
    table(
        title,
        &post_viewers(group, author),
        rows,
        |(viewer, audiences), action| {
            let audiences: &[GroupAccess] = if post.organisation_wide {
                &[]
            } else {
                audiences
            };
            can(viewer, action, Resource::Post { post, audiences })
        },
    );
}

#[test]
fn posts_in_groups_of_each_visibility() {
    let author = viewer(OrgRole::Member);
    let post = post_by(Some(author.id()), false);
    let rows_by_visibility = [
        (
            Visibility::Public,
            [
                //          adm mem gst mgr gmb gstm auth
                "View        A   A   H   A   A   A    A",
                "Post        A   A   H   A   A   A    A",
                "Edit        D   D   H   D   D   D    A",
                "Manage      A   D   H   D   D   D    A",
                "Delete      A   D   H   A   D   D    A",
                "Join        D   D   H   D   D   D    D",
            ],
        ),
        (
            Visibility::Private,
            [
                "View        A   H   H   A   A   A    A",
                "Post        A   H   H   A   A   A    A",
                "Edit        D   H   H   D   D   D    A",
                "Manage      A   H   H   D   D   D    A",
                "Delete      A   H   H   A   D   D    A",
                "Join        D   H   H   D   D   D    D",
            ],
        ),
        (
            Visibility::Secret,
            [
                "View        A   H   H   A   A   A    A",
                "Post        A   H   H   A   A   A    A",
                "Edit        D   H   H   D   D   D    A",
                "Manage      A   H   H   D   D   D    A",
                "Delete      A   H   H   A   D   D    A",
                "Join        D   H   H   D   D   D    D",
            ],
        ),
    ];
    for (visibility, rows) in rows_by_visibility {
        let mut group = open_group();
        group.visibility = visibility;
        post_table(
            &format!("a post in a {visibility:?} group"),
            &post,
            &group,
            &author,
            &rows,
        );
    }
}

#[test]
fn organisation_wide_posts_reach_everyone_but_guests() {
    let author = communicator(OrgRole::Member);
    let post = post_by(Some(author.id()), true);
    post_table(
        "an organisation-wide post",
        &post,
        &open_group(),
        &author,
        &[
            //          adm mem gst mgr gmb gstm auth
            "View        A   A   H   A   A   H    A",
            "Edit        D   D   H   D   D   H    A",
            "Manage      A   D   H   D   D   H    A",
            "Delete      A   D   H   D   D   H    A",
        ],
    );
}

#[test]
fn drafts_scheduled_and_deleted_posts() {
    let author = viewer(OrgRole::Member);
    let group = open_group();
    let mut draft = post_by(Some(author.id()), false);
    draft.published_at = None;
    let mut scheduled = post_by(Some(author.id()), false);
    scheduled.published_at = Some(Utc::now() + Duration::hours(1));
    let mut deleted = post_by(Some(author.id()), false);
    deleted.deleted_at = Some(Utc::now());
    let unpublished = [
        //          adm mem gst mgr gmb gstm auth
        "View        H   H   H   H   H   H    A",
        "Edit        H   H   H   H   H   H    A",
        "Delete      H   H   H   H   H   H    A",
    ];
    post_table("a draft", &draft, &group, &author, &unpublished);
    post_table(
        "a scheduled post",
        &scheduled,
        &group,
        &author,
        &unpublished,
    );
    post_table(
        "a deleted post",
        &deleted,
        &group,
        &author,
        &[
            "View        H   H   H   H   H   H    H",
            "Delete      H   H   H   H   H   H    H",
        ],
    );
}

#[test]
fn a_post_in_several_groups_is_read_through_any_of_them() {
    let member = viewer(OrgRole::Member);
    let mut secret = open_group();
    secret.visibility = Visibility::Secret;
    let mut private = open_group();
    private.visibility = Visibility::Private;
    let post = post_by(None, false);
    let columns = [
        (
            "member of the secret one",
            vec![
                access(&secret, Relation::Role(GroupRole::Member)),
                access(&private, Relation::None),
            ],
        ),
        (
            "manager of the private one",
            vec![
                access(&secret, Relation::None),
                access(&private, Relation::Role(GroupRole::Manager)),
            ],
        ),
        (
            "in neither",
            vec![
                access(&secret, Relation::None),
                access(&private, Relation::None),
            ],
        ),
    ];
    table(
        "a webhook post in a secret and a private group",
        &columns,
        &["View     A A H", "Edit     D D H", "Delete   D A H"],
        |audiences, action| {
            can(
                &member,
                action,
                Resource::Post {
                    post: &post,
                    audiences,
                },
            )
        },
    );
}

fn event_by(creator: Option<Uuid>, group: Option<&Group>) -> Event {
    let now = Utc::now();
    Event {
        id: Uuid::new_v4(),
        group_id: group.map(|group| group.id),
        created_by: creator,
        title: "Meeting".into(),
        description: String::new(),
        starts_at: now + Duration::days(1),
        ends_at: now + Duration::days(1) + Duration::hours(1),
        time_zone: "UTC".into(),
        all_day: false,
        location: None,
        online_url: None,
        online_provider: None,
        cover_attachment_id: None,
        capacity: None,
        recurrence: None,
        last_starts_at: None,
        reminder_minutes: Vec::new(),
        cancelled_at: None,
        cancellation_reason: None,
        sequence: 0,
        created_at: now,
        updated_at: now,
    }
}

/// The viewers of an event: org roles, the group's roles, an organiser and the creator.
fn event_table(title: &str, group: Option<&Group>, cancelled: bool, rows: &[&str]) {
    use Relation::Role;
    let creator = viewer(OrgRole::Member);
    let mut event = event_by(Some(creator.id()), group);
    if cancelled {
        event.cancelled_at = Some(Utc::now());
    }
    let columns: Vec<(&str, (Viewer, Relation, bool))> = vec![
        ("org admin", (viewer(OrgRole::Admin), Relation::None, false)),
        (
            "org member",
            (viewer(OrgRole::Member), Relation::None, false),
        ),
        ("guest", (viewer(OrgRole::Guest), Relation::None, false)),
        (
            "manager",
            (viewer(OrgRole::Member), Role(GroupRole::Manager), false),
        ),
        (
            "group member",
            (viewer(OrgRole::Member), Role(GroupRole::Member), false),
        ),
        (
            "guest member",
            (viewer(OrgRole::Guest), Role(GroupRole::Member), false),
        ),
        (
            "organiser",
            (viewer(OrgRole::Member), Role(GroupRole::Member), true),
        ),
        ("creator", (creator, Role(GroupRole::Member), false)),
    ];
    table(
        title,
        &columns,
        rows,
        |(viewer, relation, organiser), action| {
            let group = group.map(|group| access(group, *relation));
            can(
                viewer,
                action,
                Resource::Event {
                    event: &event,
                    group: group.as_ref(),
                    organiser: *organiser,
                },
            )
        },
    );
}

#[test]
fn events_in_groups_and_organisation_wide() {
    let public = open_group();
    let mut private = open_group();
    private.visibility = Visibility::Private;
    let mut secret = open_group();
    secret.visibility = Visibility::Secret;
    let live = [
        //            adm mem gst mgr gmb gstm org cre
        "View          A   A   H   A   A   A    A   A",
        "Attend        A   A   H   A   A   A    A   A",
        "Edit          A   D   H   A   D   D    A   A",
        "Manage        A   D   H   A   D   D    A   A",
        "Delete        A   D   H   A   D   D    A   A",
        "Organise      D   D   H   D   D   D    D   D",
    ];
    event_table("an event in a public group", Some(&public), false, &live);
    let members_only = [
        //            adm mem gst mgr gmb gstm org cre
        "View          A   H   H   A   A   A    A   A",
        "Attend        A   H   H   A   A   A    A   A",
        "Manage        A   H   H   A   D   D    A   A",
        "Delete        A   H   H   A   D   D    A   A",
    ];
    event_table(
        "an event in a private group",
        Some(&private),
        false,
        &members_only,
    );
    event_table(
        "an event in a secret group",
        Some(&secret),
        false,
        &members_only,
    );
    event_table(
        "an organisation-wide event (the group columns are no one's group)",
        None,
        false,
        &[
            //            adm mem gst mgr gmb gstm org cre
            "View          A   A   H   A   A   H    A   A",
            "Attend        A   A   H   A   A   H    A   A",
            "Manage        A   D   H   D   D   H    A   A",
            "Delete        A   D   H   D   D   H    A   A",
        ],
    );
    event_table(
        "a cancelled event in a public group",
        Some(&public),
        true,
        &[
            //            adm mem gst mgr gmb gstm org cre
            "View          A   A   H   A   A   A    A   A",
            "Attend        D   D   H   D   D   D    D   D",
            "Edit          D   D   H   D   D   D    D   D",
            "Manage        D   D   H   D   D   D    D   D",
            "Delete        A   D   H   A   D   D    A   A",
        ],
    );
}

fn drive(group: Option<&Group>, owner: Option<Uuid>) -> Drive {
    Drive {
        id: Uuid::new_v4(),
        group_id: group.map(|group| group.id),
        owner_id: owner,
        quota_bytes: 1 << 30,
        used_bytes: 0,
        created_at: Utc::now(),
    }
}

fn drive_table(title: &str, group: &Group, rows: &[&str]) {
    let drive = drive(Some(group), None);
    table(
        title,
        &group_viewers(group),
        rows,
        |(viewer, access), action| {
            can(
                viewer,
                action,
                Resource::Drive {
                    drive: &drive,
                    group: Some(access),
                },
            )
        },
    );
}

#[test]
fn group_drives() {
    let public = open_group();
    //                  adm mem gst  own mgr gmb gstm  req inv ginv
    drive_table(
        "the drive of a public group",
        &public,
        &[
            "View          A   A   H |  A   A   A   A  |  A   A   H",
            "ViewContent   A   A   H |  A   A   A   A  |  A   A   H",
            "Post          A   D   H |  A   A   A   A  |  D   D   H",
            "Edit          A   D   H |  A   A   A   A  |  D   D   H",
            "Delete        A   D   H |  A   A   A   A  |  D   D   H",
            "Manage        D   D   H |  D   D   D   D  |  D   D   H",
        ],
    );
    let mut private = open_group();
    private.visibility = Visibility::Private;
    private.drive_policy = PostingPolicy::Managers;
    drive_table(
        "the drive of a private group kept to managers",
        &private,
        &[
            "View          A   H   H |  A   A   A   A  |  H   H   H",
            "Post          A   H   H |  A   A   D   D  |  H   H   H",
            "Delete        A   H   H |  A   A   D   D  |  H   H   H",
        ],
    );
    let mut archived = open_group();
    archived.archived_at = Some(Utc::now());
    drive_table(
        "the drive of an archived group",
        &archived,
        &[
            "View          A   A   H |  A   A   A   A  |  A   A   H",
            "Post          D   D   H |  D   D   D   D  |  D   D   H",
            "Edit          D   D   H |  D   D   D   D  |  D   D   H",
        ],
    );
}

#[test]
fn personal_drives_are_their_owners_alone() {
    let owner = viewer(OrgRole::Guest);
    let drive = drive(None, Some(owner.id()));
    let columns = [
        ("owner", owner),
        ("org admin", viewer(OrgRole::Admin)),
        ("org member", viewer(OrgRole::Member)),
    ];
    table(
        "a personal drive",
        &columns,
        &[
            "View          A H H",
            "ViewContent   A H H",
            "Post          A H H",
            "Edit          A H H",
            "Delete        A H H",
            "Manage        D H H",
        ],
        |viewer, action| {
            can(
                viewer,
                action,
                Resource::Drive {
                    drive: &drive,
                    group: None,
                },
            )
        },
    );
}

#[test]
fn attachments_follow_what_uses_them() {
    let uploader = viewer(OrgRole::Member);
    let other = viewer(OrgRole::Member);
    let admin = viewer(OrgRole::Admin);
    let mut private = open_group();
    private.visibility = Visibility::Private;
    let post = post_by(Some(uploader.id()), false);
    let audiences = [access(&private, Relation::Role(GroupRole::Member))];
    let outside = [access(&private, Relation::None)];
    let in_post = [Resource::Post {
        post: &post,
        audiences: &audiences,
    }];
    let in_hidden_post = [Resource::Post {
        post: &post,
        audiences: &outside,
    }];
    let columns: [(&str, (&Viewer, &[Resource<'_>])); 7] = [
        ("uploader, unused", (&uploader, &[])),
        ("someone else, unused", (&other, &[])),
        ("org admin, unused", (&admin, &[])),
        ("uploader, in a post they read", (&uploader, &in_post)),
        ("someone else, in a post they read", (&other, &in_post)),
        (
            "someone else, in a post they cannot read",
            (&other, &in_hidden_post),
        ),
        (
            "org admin, in a private group's post",
            (&admin, &in_hidden_post),
        ),
    ];
    table(
        "an attachment",
        &columns,
        &[
            "View     A H H  A A H A",
            "Edit     A H H  D D H D",
            "Delete   D H H  D D H D",
        ],
        |(viewer, used_by), action| {
            can(
                viewer,
                action,
                Resource::Attachment {
                    uploaded_by: Some(uploader.id()),
                    used_by,
                },
            )
        },
    );
}

#[derive(Clone, Copy, Debug)]
enum SurveyAt {
    Scheduled,
    Open,
    ClosedEarly,
    PastClosingDate,
}

fn survey(creator: Uuid, organisation_wide: bool, at: SurveyAt) -> Survey {
    let now = Utc::now();
    let (opens_at, closes_at, closed_at) = match at {
        SurveyAt::Scheduled => (now + Duration::days(1), None, None),
        SurveyAt::Open => (now - Duration::days(1), Some(now + Duration::days(1)), None),
        SurveyAt::ClosedEarly => (now - Duration::days(1), None, Some(now)),
        SurveyAt::PastClosingDate => (now - Duration::days(2), Some(now - Duration::days(1)), None),
    };
    Survey {
        id: Uuid::new_v4(),
        title: "How are we doing?".into(),
        description: String::new(),
        anonymous: false,
        organisation_wide,
        opens_at,
        closes_at,
        closed_at,
        created_by: Some(creator),
        created_at: now,
        min_responses: 5,
    }
}

/// A viewer with a survey's groups as they stand towards each, and whether they answered it.
type SurveyViewer = (Viewer, Vec<GroupAccess>, bool);

/// The viewers of a survey for two groups: org roles, managers of one or both, a member, a guest
/// member, one who already answered, and its creator (who is in neither group).
fn survey_table(title: &str, organisation_wide: bool, at: SurveyAt, rows: &[&str]) {
    use Relation::Role;
    let creator = viewer(OrgRole::Member);
    let survey = survey(creator.id(), organisation_wide, at);
    let (first, second) = (open_group(), open_group());
    let both = |relation: Relation| vec![access(&first, relation), access(&second, relation)];
    let columns: Vec<(&str, SurveyViewer)> = vec![
        (
            "org admin",
            (viewer(OrgRole::Admin), both(Relation::None), false),
        ),
        (
            "org member",
            (viewer(OrgRole::Member), both(Relation::None), false),
        ),
        (
            "guest",
            (viewer(OrgRole::Guest), both(Relation::None), false),
        ),
        (
            "manager of one",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Relation::None),
                ],
                false,
            ),
        ),
        (
            "manager of both",
            (viewer(OrgRole::Member), both(Role(GroupRole::Owner)), false),
        ),
        (
            "group member",
            (
                viewer(OrgRole::Member),
                both(Role(GroupRole::Member)),
                false,
            ),
        ),
        (
            "guest member",
            (viewer(OrgRole::Guest), both(Role(GroupRole::Member)), false),
        ),
        (
            "answered",
            (viewer(OrgRole::Member), both(Role(GroupRole::Member)), true),
        ),
        ("creator", (creator, both(Relation::None), false)),
    ];
    table(
        title,
        &columns,
        rows,
        |(viewer, groups, answered), action| {
            let groups: &[GroupAccess] = if organisation_wide { &[] } else { groups };
            can(
                viewer,
                action,
                Resource::Survey {
                    survey: Some(&survey),
                    groups,
                    answered: *answered,
                },
            )
        },
    );
}

#[test]
fn group_surveys_in_each_state() {
    //                  adm mem gst  one both gmb gstm ans  cre
    survey_table(
        "an open survey for two groups",
        false,
        SurveyAt::Open,
        &[
            "View          A   H   H |  A   A    A   A    A |  A",
            "Answer        D   H   H |  A   A    A   A    D |  D",
            "ViewContent   A   H   H |  A   A    D   D    D |  A",
            "Manage        A   H   H |  D   A    D   D    D |  A",
            "Delete        D   H   H |  D   D    D   D    D |  D",
            "Edit          D   H   H |  D   D    D   D    D |  D",
        ],
    );
    survey_table(
        "a scheduled survey for two groups",
        false,
        SurveyAt::Scheduled,
        &[
            "View          A   H   H |  A   A    A   A    A |  A",
            "Answer        D   H   H |  D   D    D   D    D |  D",
            "ViewContent   A   H   H |  A   A    D   D    D |  A",
            "Manage        A   H   H |  D   A    D   D    D |  A",
        ],
    );
    let closed = [
        "View          A   H   H |  A   A    A   A    A |  A",
        "Answer        D   H   H |  D   D    D   D    D |  D",
        "ViewContent   A   H   H |  A   A    D   D    D |  A",
        "Manage        D   H   H |  D   D    D   D    D |  D",
    ];
    survey_table(
        "a survey closed early",
        false,
        SurveyAt::ClosedEarly,
        &closed,
    );
    survey_table(
        "a survey past its closing date",
        false,
        SurveyAt::PastClosingDate,
        &closed,
    );
}

#[test]
fn organisation_wide_surveys() {
    //                  adm mem gst  one both gmb gstm ans  cre
    survey_table(
        "an open organisation-wide survey",
        true,
        SurveyAt::Open,
        &[
            "View          A   A   H |  A   A    A   H    A |  A",
            "Answer        A   A   H |  A   A    A   H    D |  A",
            "ViewContent   A   D   H |  D   D    D   H    D |  A",
            "Manage        A   D   H |  D   D    D   H    D |  A",
        ],
    );
    survey_table(
        "a closed organisation-wide survey",
        true,
        SurveyAt::ClosedEarly,
        &[
            "View          A   A   H |  A   A    A   H    A |  A",
            "Answer        D   D   H |  D   D    D   H    D |  D",
            "ViewContent   A   D   H |  D   D    D   H    D |  A",
            "Manage        D   D   H |  D   D    D   H    D |  D",
        ],
    );
}

#[test]
fn creating_surveys() {
    use Relation::Role;
    let (first, second) = (open_group(), open_group());
    let columns: Vec<(&str, (Viewer, Vec<GroupAccess>))> = vec![
        (
            "org admin, organisation-wide",
            (viewer(OrgRole::Admin), vec![]),
        ),
        (
            "communicator, organisation-wide",
            (communicator(OrgRole::Member), vec![]),
        ),
        (
            "org admin, any groups",
            (viewer(OrgRole::Admin), vec![access(&first, Relation::None)]),
        ),
        (
            "manager of both groups",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Role(GroupRole::Owner)),
                ],
            ),
        ),
        (
            "manager of one of two",
            (
                viewer(OrgRole::Member),
                vec![
                    access(&first, Role(GroupRole::Manager)),
                    access(&second, Role(GroupRole::Member)),
                ],
            ),
        ),
        (
            "group member",
            (
                viewer(OrgRole::Member),
                vec![access(&first, Role(GroupRole::Member))],
            ),
        ),
    ];
    table(
        "a survey about to be created",
        &columns,
        &[
            "Organise   A D A A D D",
            "View       D D D D D D",
            "Manage     D D D D D D",
        ],
        |(viewer, groups), action| {
            can(
                viewer,
                action,
                Resource::Survey {
                    survey: None,
                    groups,
                    answered: false,
                },
            )
        },
    );
}

#[test]
fn newsletters_are_for_communicators() {
    let author = communicator(OrgRole::Member);
    let now = Utc::now();
    let newsletter = |sent: bool, intro: &str| Newsletter {
        id: Uuid::new_v4(),
        subject: "News".into(),
        intro: intro.into(),
        post_ids: Vec::new(),
        event_ids: Vec::new(),
        organisation_wide: true,
        group_ids: Vec::new(),
        departments: Vec::new(),
        author_id: Some(author.id()),
        created_at: now,
        updated_at: now,
        sent_at: sent.then_some(now),
        sent_by: None,
    };
    let columns = [
        ("author", author.clone()),
        ("org admin", viewer(OrgRole::Admin)),
        ("another communicator", communicator(OrgRole::Member)),
        ("member", viewer(OrgRole::Member)),
        ("guest marked communicator", communicator(OrgRole::Guest)),
    ];
    let decide = |newsletter: Newsletter| {
        move |viewer: &Viewer, action| can(viewer, action, Resource::Newsletter(&newsletter))
    };
    //             auth adm com mem gcom
    table(
        "a draft newsletter",
        &columns,
        &[
            "View     A   A   A   H   H",
            "Edit     A   D   D   H   H",
            "Delete   A   D   D   H   H",
            "Post     A   A   A   H   H",
            "Manage   D   D   D   H   H",
        ],
        decide(newsletter(false, "Hello")),
    );
    table(
        "an empty draft newsletter",
        &columns,
        &["Post   D D D H H", "Edit   A D D H H"],
        decide(newsletter(false, "")),
    );
    table(
        "a sent newsletter",
        &columns,
        &[
            "View     A   A   A   H   H",
            "Edit     D   D   D   H   H",
            "Delete   D   D   D   H   H",
            "Post     D   D   D   H   H",
        ],
        decide(newsletter(true, "Hello")),
    );
}
