//! Posts in groups of each visibility, organization-wide, unpublished, in several groups.

use super::*;

pub(super) fn post_by(author: Option<Uuid>, organization_wide: bool) -> Post {
    let now = Utc::now();
    Post {
        id: Uuid::new_v4(),
        author_id: author,
        webhook_id: None,
        integration_name: None,
        title: None,
        body: "Hello".into(),
        body_html: "<p>Hello</p>".into(),
        organization_wide,
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
            let audiences: &[GroupAccess] = if post.organization_wide {
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
fn organization_wide_posts_reach_everyone_but_guests() {
    let author = communicator(OrgRole::Member);
    let post = post_by(Some(author.id()), true);
    post_table(
        "an organization-wide post",
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
