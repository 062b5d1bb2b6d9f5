//! Events in groups and organization-wide, their organizers, cancelled ones.

use super::*;

fn event_by(creator: Option<Uuid>, group: Option<&Group>) -> Event {
    Event {
        group_id: group.map(|group| group.id),
        created_by: creator,
        ..Event::one_hour("Meeting", Utc::now() + Duration::days(1), "UTC")
    }
}

/// The viewers of an event: org roles, the group's roles, an organizer and the creator.
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
            "organizer",
            (viewer(OrgRole::Member), Role(GroupRole::Member), true),
        ),
        ("creator", (creator, Role(GroupRole::Member), false)),
    ];
    table(
        title,
        &columns,
        rows,
        |(viewer, relation, organizer), action| {
            let group = group.map(|group| access(group, *relation));
            can(
                viewer,
                action,
                Resource::Event {
                    event: &event,
                    group: group.as_ref(),
                    organizer: *organizer,
                },
            )
        },
    );
}

#[test]
fn events_in_groups_and_organization_wide() {
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
        "Organize      D   D   H   D   D   D    D   D",
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
        "an organization-wide event (the group columns are no one's group)",
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
