//! Groups: each visibility, join, posting, event and drive policy, and archived groups.

use super::*;

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
            "Organize            A   D   H |  A   A   A   A  |  D   D   D",
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
            "Organize            A   H   H |  A   A   A   A  |  H   D   D",
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
        "public group, managers post and organize",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "Post                A   D   H |  A   A   D   D  |  D   D   D",
            "Organize            A   D   H |  A   A   D   D  |  D   D   D",
        ],
    );
}

#[test]
fn posting_and_event_policies_are_independent() {
    let mut group = open_group();
    group.posting_policy = PostingPolicy::Managers;
    group_table(
        "public group, managers post, members organize",
        group,
        &[
            //                  adm mem gst  own mgr gmb gstm  req inv ginv
            "Post                A   D   H |  A   A   D   D  |  D   D   D",
            "Organize            A   D   H |  A   A   A   A  |  D   D   D",
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
            "Organize            D   D   H |  D   D   D   D  |  D   D   D",
            "Manage              A   D   H |  A   A   D   D  |  D   D   D",
            "Delete              A   D   H |  A   D   D   D  |  D   D   D",
            "Leave               D   D   H |  A   A   A   A  |  D   D   D",
        ],
    );
}
