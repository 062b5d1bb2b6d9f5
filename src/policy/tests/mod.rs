//! The policy as tables: each table's columns are viewers (each with the resource as they stand
//! towards it), its rows are actions, and each cell is the decision: `A` allow, `D` deny (visible,
//! FORBIDDEN), `H` hide (NOT_FOUND). A failing table lists every cell that differs.

mod drives;
mod events;
mod groups;
mod people;
mod posts;
mod surveys;

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
    Organize,
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
    Viewer::new(user, Credential::Recipient)
}

fn communicator(role: OrgRole) -> Viewer {
    let mut user = person(role);
    user.communicator = true;
    as_viewer(user)
}

/// A public group anyone may join, where members post, organize events and write in the drive.
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
