//! Who may read, write and run conversations and their messages.
//!
//! A group's rooms follow the group: whoever sees its content reads them; its members (and
//! whoever joined a room of a public group) write in them, in read-only rooms only its
//! managers; managers and org admins run them and delete any message. Direct and group
//! conversations are their members' alone: nobody else, org admins included, learns they exist,
//! save through an audited export for a legal hold (`Administer`, org admins only).

use super::{Action, Decision, allow_if, group_decision, is_guest, manages};
use crate::auth::Viewer;
use crate::chat::ConversationAccess;
use crate::chat::model::{ConversationKind, Message};
use crate::groups::GroupAccess;

pub(super) fn conversation_decision(
    viewer: &Viewer,
    action: Action,
    access: &ConversationAccess,
) -> Decision {
    // A legal hold: org admins export any conversation, direct ones included (audited).
    if action == Action::Administer && viewer.user.is_admin() {
        return Decision::Allow;
    }
    match &access.group {
        Some(group) => room_decision(viewer, action, access, group),
        None => private_decision(action, access),
    }
}

fn room_decision(
    viewer: &Viewer,
    action: Action,
    access: &ConversationAccess,
    group: &GroupAccess,
) -> Decision {
    if !group_decision(viewer, Action::ViewContent, group).allowed() {
        return Decision::Hide;
    }
    let room = &access.conversation;
    let manager = manages(viewer, group);
    let open = room.archived_at.is_none() && group.group.archived_at.is_none();
    let group_member = group.viewer_role.is_some();
    let in_room = access.member || group_member;
    match action {
        Action::View => Decision::Allow,
        Action::Post => allow_if(open && (manager || (in_room && !room.read_only))),
        Action::Join => allow_if(open && !in_room && !is_guest(viewer)),
        // A group's members leave its rooms by leaving the group.
        Action::Leave => allow_if(access.member && !group_member),
        Action::Manage | Action::Delete => allow_if(manager),
        _ => Decision::Deny,
    }
}

fn private_decision(action: Action, access: &ConversationAccess) -> Decision {
    if !access.member {
        return Decision::Hide;
    }
    let group_conversation = access.conversation.kind == ConversationKind::GroupDirect;
    match action {
        Action::View => Decision::Allow,
        Action::Post => allow_if(!access.closed && access.conversation.archived_at.is_none()),
        // Rename it, add people.
        Action::Manage | Action::Leave => allow_if(group_conversation),
        _ => Decision::Deny,
    }
}

/// Messages are read with their conversation. Their author edits them while they may write
/// there, and deletes them; in rooms, the group's managers and org admins delete any message.
/// Replies go to messages outside threads.
pub(super) fn message_decision(
    viewer: &Viewer,
    action: Action,
    message: &Message,
    conversation: &ConversationAccess,
) -> Decision {
    let in_conversation = |action| conversation_decision(viewer, action, conversation);
    if in_conversation(Action::View) != Decision::Allow {
        return Decision::Hide;
    }
    let author = message.author_id == Some(viewer.id());
    let live = message.deleted_at.is_none();
    let moderator = conversation.conversation.kind == ConversationKind::GroupRoom
        && in_conversation(Action::Manage).allowed();
    match action {
        Action::View => Decision::Allow,
        Action::Edit => allow_if(live && author && in_conversation(Action::Post).allowed()),
        Action::Delete => allow_if(live && (author || moderator)),
        Action::Post => allow_if(
            live && message.reply_to_id.is_none() && in_conversation(Action::Post).allowed(),
        ),
        _ => Decision::Deny,
    }
}
