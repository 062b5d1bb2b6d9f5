//! Group and personal drives, and attachments, which follow what uses them.

use super::posts::post_by;
use super::*;

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
