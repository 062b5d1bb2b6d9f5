//! The one authorization policy: every path (queries, `node`, subscriptions, downloads, exports)
//! asks `can(viewer, action, resource)` who may see and do what. A resource the viewer may not see
//! is NOT_FOUND, never a hint that it exists. Lists apply the same rules in SQL (see each model's
//! list query), so they never load what they then hide.

use crate::auth::Viewer;
use crate::auth::access_tokens::AccessToken;
use crate::auth::sessions::Session;
use crate::chat::ConversationAccess;
use crate::chat::model::Message;
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::model::Event;
use crate::files::model::Drive;
use crate::groups::{Group, GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::newsletters::model::Newsletter;
use crate::posts::Post;
use crate::surveys::model::{Survey, SurveyState};
use crate::users::{OrgRole, User};

/// What the viewer wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See that the resource exists and its public face (a group's name and description).
    View,
    /// See what is inside (a group's members, posts, files; a survey's results).
    ViewContent,
    /// Change a profile.
    Edit,
    /// See a person's email and phone.
    ViewContactDetails,
    /// Become a member of an open group at once.
    Join,
    /// Ask the managers to join.
    RequestToJoin,
    Post,
    /// Edit settings, invite, remove members, decide requests, change roles, webhooks, archive.
    Manage,
    Delete,
    TransferOwnership,
    Leave,
    /// Create events (in a group, or organization-wide).
    Organize,
    /// Answer an event's invitation (RSVP).
    Attend,
    /// Run the organization: people, invitations, roles, settings, branding, the audit log; and
    /// what reaches from a group into the directory (its membership rules).
    Administer,
    /// Read usage analytics (of the organization, or of a group).
    ViewAnalytics,
    /// Answer a survey.
    Answer,
}

/// What the viewer acts on, with what the policy needs to know about it.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// `shares_group` matters only for guests (they see the members of their groups).
    User {
        user: &'a User,
        shares_group: bool,
    },
    AccessToken(&'a AccessToken),
    Session(&'a Session),
    Group(&'a GroupAccess),
    /// A post with the groups it was published in (as the viewer stands towards each).
    Post {
        post: &'a Post,
        audiences: &'a [GroupAccess],
    },
    /// The organization itself: creating groups, browsing the directory.
    Organization,
    /// An event with its group (as the viewer stands towards it; `None` for organization-wide
    /// events) and whether the viewer is one of its organizers.
    Event {
        event: &'a Event,
        group: Option<&'a GroupAccess>,
        organizer: bool,
    },
    /// A drive (and the folders and files in it), with its group as the viewer stands towards
    /// it; personal drives have none.
    Drive {
        drive: &'a Drive,
        group: Option<&'a GroupAccess>,
    },
    /// An uploaded attachment with the things that use it (a post, a comment's post, an event,
    /// a person's avatar, a group's avatar or cover), each as the viewer stands towards it.
    Attachment {
        uploaded_by: Option<uuid::Uuid>,
        used_by: &'a [Resource<'a>],
    },
    /// A survey with its audience groups as the viewer stands towards each (none for
    /// organization-wide ones) and whether the viewer has answered it. `survey: None` is one
    /// about to be created for these groups (organization-wide without any): `Organize` asks
    /// whether the viewer may create it.
    Survey {
        survey: Option<&'a Survey>,
        groups: &'a [GroupAccess],
        answered: bool,
    },
    /// An internal newsletter (`Post` is sending it).
    Newsletter(&'a Newsletter),
    /// A conversation as the viewer stands towards it (`Post` is writing in it).
    Conversation(&'a ConversationAccess),
    /// A message with its conversation (`Post` is replying to it in a thread).
    Message {
        message: &'a Message,
        conversation: &'a ConversationAccess,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Visible, but not this action (FORBIDDEN).
    Deny,
    /// Not visible at all (NOT_FOUND).
    Hide,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Self::Allow
    }
}

/// The decision as a result: `what` names the resource in NOT_FOUND, `why` explains FORBIDDEN.
pub fn require(
    viewer: &Viewer,
    action: Action,
    resource: Resource<'_>,
    what: &'static str,
    why: &str,
) -> ApiResult<()> {
    match can(viewer, action, resource) {
        Decision::Allow => Ok(()),
        Decision::Deny => Err(ApiError::Forbidden(why.to_owned())),
        Decision::Hide => Err(ApiError::NotFound(what)),
    }
}

/// A resource loaded with what the policy needs to judge it for one viewer (an event with its
/// group, a survey with its audience), asked the same way by every entry point.
pub trait Judged {
    /// Names the resource in NOT_FOUND.
    const TYPE_NAME: &'static str;

    fn resource(&self) -> Resource<'_>;

    fn decide(&self, viewer: &Viewer, action: Action) -> Decision {
        can(viewer, action, self.resource())
    }

    /// `why` explains FORBIDDEN.
    fn require(&self, viewer: &Viewer, action: Action, why: &str) -> ApiResult<()> {
        require(viewer, action, self.resource(), Self::TYPE_NAME, why)
    }
}

/// What of `items` the viewer may see: a list leaves out what the policy hides.
pub fn seen_by<T: Judged>(viewer: &Viewer, items: impl IntoIterator<Item = T>) -> Vec<T> {
    items
        .into_iter()
        .filter(|item| item.decide(viewer, Action::View) != Decision::Hide)
        .collect()
}

/// Only admins may do this (FORBIDDEN for anyone else: the organization is no secret).
pub fn require_admin(viewer: &Viewer) -> ApiResult<()> {
    require(
        viewer,
        Action::Administer,
        Resource::Organization,
        "Organization",
        "Only admins may do this.",
    )
}

pub fn can(viewer: &Viewer, action: Action, resource: Resource<'_>) -> Decision {
    match resource {
        Resource::User { user, shares_group } => user_decision(viewer, action, user, shares_group),
        // Credentials are their owner's alone: no one else learns they exist.
        Resource::AccessToken(token) => own_credential(viewer, token.user_id),
        Resource::Session(session) => own_credential(viewer, session.user_id),
        Resource::Group(access) => group_decision(viewer, action, access),
        Resource::Post { post, audiences } => post_decision(viewer, action, post, audiences),
        Resource::Organization => organization_decision(viewer, action),
        Resource::Event {
            event,
            group,
            organizer,
        } => event_decision(viewer, action, event, group, organizer),
        Resource::Drive { drive, group } => drive_decision(viewer, action, drive, group),
        Resource::Attachment {
            uploaded_by,
            used_by,
        } => attachment_decision(viewer, action, uploaded_by, used_by),
        Resource::Survey {
            survey,
            groups,
            answered,
        } => survey_decision(viewer, action, survey, groups, answered),
        Resource::Newsletter(newsletter) => newsletter_decision(viewer, action, newsletter),
        Resource::Conversation(access) => chat::conversation_decision(viewer, action, access),
        Resource::Message {
            message,
            conversation,
        } => chat::message_decision(viewer, action, message, conversation),
    }
}

fn own_credential(viewer: &Viewer, owner: uuid::Uuid) -> Decision {
    if owner == viewer.id() {
        Decision::Allow
    } else {
        Decision::Hide
    }
}

fn is_guest(viewer: &Viewer) -> bool {
    viewer.user.org_role == OrgRole::Guest
}

fn allow_if(condition: bool) -> Decision {
    if condition {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Members see the whole directory; guests see themselves and the members of their groups.
fn user_decision(viewer: &Viewer, action: Action, user: &User, shares_group: bool) -> Decision {
    let own = viewer.id() == user.id;
    if !own && is_guest(viewer) && !shares_group {
        return Decision::Hide;
    }
    match action {
        Action::View => Decision::Allow,
        Action::ViewContactDetails => allow_if(own || !is_guest(viewer)),
        Action::Edit => allow_if(own || viewer.user.is_admin()),
        // Deactivate or reactivate: admins, never themselves (someone must stay in charge).
        Action::Manage => allow_if(!own && viewer.user.is_admin()),
        _ => Decision::Deny,
    }
}

fn organization_decision(viewer: &Viewer, action: Action) -> Decision {
    match action {
        // The directory, and creating groups: members and admins, not guests.
        Action::View | Action::ViewContent | Action::Post => allow_if(!is_guest(viewer)),
        // Organization-wide posts and events reach everyone: admins and communicators.
        Action::Organize => allow_if(viewer.user.is_communicator()),
        Action::Manage | Action::Administer | Action::ViewAnalytics => {
            allow_if(viewer.user.is_admin())
        }
        _ => Decision::Deny,
    }
}

/// Whether the viewer runs the group: its owners and managers, and org admins, who may do
/// everything in every group. Every group capability a manager has goes through here.
fn manages(viewer: &Viewer, access: &GroupAccess) -> bool {
    access.viewer_role.is_some_and(GroupRole::manages) || viewer.user.is_admin()
}

fn group_decision(viewer: &Viewer, action: Action, access: &GroupAccess) -> Decision {
    let group = &access.group;
    let role = access.viewer_role;
    let admin = viewer.user.is_admin();
    let member = role.is_some();
    let manager = manages(viewer, access);
    let archived = group.archived_at.is_some();
    let visible = admin
        || member
        || access.viewer_invited
        || (!is_guest(viewer) && group.visibility != Visibility::Secret);
    if !visible {
        return Decision::Hide;
    }
    match action {
        Action::View => Decision::Allow,
        Action::ViewContent => allow_if(
            member || admin || (group.visibility == Visibility::Public && !is_guest(viewer)),
        ),
        Action::Join => allow_if(!member && !archived && (admin || open_to_join(viewer, group))),
        Action::RequestToJoin => allow_if(
            !member
                && !archived
                && !is_guest(viewer)
                && group.join_policy == JoinPolicy::Request
                && !access.viewer_requested,
        ),
        Action::Post => allow_if(
            !archived && (manager || (member && group.posting_policy == PostingPolicy::Members)),
        ),
        Action::Manage => allow_if(manager),
        Action::Delete | Action::TransferOwnership => {
            allow_if(admin || role == Some(GroupRole::Owner))
        }
        Action::Leave => allow_if(member),
        Action::Organize => allow_if(
            !archived && (manager || (member && group.event_policy == PostingPolicy::Members)),
        ),
        Action::ViewAnalytics => allow_if(manager),
        // Membership rules draw on the whole directory: org admins only.
        Action::Administer => allow_if(admin),
        Action::Edit | Action::ViewContactDetails | Action::Attend | Action::Answer => {
            Decision::Deny
        }
    }
}

/// Whether the viewer may join the group as anyone may (an open public group, and not a guest);
/// org admins also join any other group, and that is an admin action.
pub fn open_to_join(viewer: &Viewer, group: &Group) -> bool {
    !is_guest(viewer)
        && group.visibility == Visibility::Public
        && group.join_policy == JoinPolicy::Open
}

/// Posts are read where their audiences' content is read: organization-wide posts by every member
/// (not guests), group posts by whoever may see inside one of the groups. Drafts and scheduled
/// posts are their author's alone. Comments and reactions go with reading.
fn post_decision(
    viewer: &Viewer,
    action: Action,
    post: &Post,
    audiences: &[GroupAccess],
) -> Decision {
    let author = post.author_id == Some(viewer.id());
    let readable = post.deleted_at.is_none()
        && if post.is_live() {
            (post.organization_wide && !is_guest(viewer))
                || audiences
                    .iter()
                    .any(|group| group_decision(viewer, Action::ViewContent, group).allowed())
        } else {
            author
        };
    if !readable {
        return Decision::Hide;
    }
    match action {
        Action::View | Action::Post => Decision::Allow,
        Action::Edit => allow_if(author),
        // Who has and has not acknowledged an announcement.
        Action::Manage => allow_if(author || viewer.user.is_admin()),
        Action::Delete => allow_if(
            author
                || viewer.user.is_admin()
                || audiences
                    .iter()
                    .any(|group| group_decision(viewer, Action::Manage, group).allowed()),
        ),
        _ => Decision::Deny,
    }
}

/// Events are seen where their group's content is (organization-wide ones by every member, not
/// guests), cancelled ones included. Organizers, the creator, the group's managers and admins run
/// them; anyone who sees an event that is not cancelled may answer it.
fn event_decision(
    viewer: &Viewer,
    action: Action,
    event: &Event,
    group: Option<&GroupAccess>,
    organizer: bool,
) -> Decision {
    let readable = match group {
        Some(group) => group_decision(viewer, Action::ViewContent, group).allowed(),
        None => !is_guest(viewer),
    };
    if !readable {
        return Decision::Hide;
    }
    let runs = organizes(viewer, event, organizer)
        || viewer.user.is_admin()
        || group.is_some_and(|group| group_decision(viewer, Action::Manage, group).allowed());
    match action {
        Action::View => Decision::Allow,
        Action::Attend => allow_if(!event.is_cancelled()),
        Action::Manage | Action::Edit => allow_if(runs && !event.is_cancelled()),
        Action::Delete => allow_if(runs),
        _ => Decision::Deny,
    }
}

/// Whether the viewer runs the event as one of its organizers or its creator (rather than as an
/// org admin or a manager of its group, which are admin and manager actions).
pub fn organizes(viewer: &Viewer, event: &Event, organizer: bool) -> bool {
    organizer || event.created_by == Some(viewer.id())
}

/// A personal drive is its owner's alone; a group's drive is read where the group's content is
/// and written by its managers (org admins included), and by its members unless the group keeps
/// the drive to managers.
fn drive_decision(
    viewer: &Viewer,
    action: Action,
    drive: &Drive,
    group: Option<&GroupAccess>,
) -> Decision {
    let (readable, writable) = match group {
        None => {
            let own = drive.owner_id == Some(viewer.id());
            (own, own)
        }
        Some(access) => {
            let readable = group_decision(viewer, Action::ViewContent, access).allowed();
            let writable = access.group.archived_at.is_none()
                && (manages(viewer, access) || writes_as_member(access));
            (readable, writable)
        }
    };
    if !readable {
        return Decision::Hide;
    }
    match action {
        Action::View | Action::ViewContent => Decision::Allow,
        Action::Edit | Action::Post | Action::Delete => allow_if(writable),
        _ => Decision::Deny,
    }
}

/// Whether the viewer writes in a group's drive as any member may.
fn writes_as_member(access: &GroupAccess) -> bool {
    access.viewer_role.is_some() && access.group.drive_policy == PostingPolicy::Members
}

/// Whether the viewer writes in the drive only because they manage its group (the group keeps
/// its drive to managers) or are an org admin (not a member who may write there): changing what
/// others put there is then a manager or admin action.
pub fn writes_as_manager(viewer: &Viewer, group: Option<&GroupAccess>) -> bool {
    group.is_some_and(|access| manages(viewer, access) && !writes_as_member(access))
}

/// An attachment is seen by whoever sees one of the things using it (a post's audience, an
/// event's, everyone who sees a person or a group for avatars and covers); one nothing uses yet
/// is its uploader's alone. Only its uploader attaches it.
fn attachment_decision(
    viewer: &Viewer,
    action: Action,
    uploaded_by: Option<uuid::Uuid>,
    used_by: &[Resource<'_>],
) -> Decision {
    let own = uploaded_by == Some(viewer.id());
    let visible = if used_by.is_empty() {
        own
    } else {
        used_by
            .iter()
            .any(|resource| can(viewer, Action::View, *resource).allowed())
    };
    if !visible {
        return Decision::Hide;
    }
    match action {
        Action::View => Decision::Allow,
        Action::Edit => allow_if(own && used_by.is_empty()),
        _ => Decision::Deny,
    }
}

/// Surveys are seen by their audience (every member of the organization but guests, or the
/// members of its groups), their creator and org admins. The audience answers while the survey is
/// open, once. Results are for the creator, org admins and the managers of its groups; closing
/// for the creator, org admins and whoever manages all of its groups. Org admins create surveys
/// for anyone; group managers for groups they manage.
fn survey_decision(
    viewer: &Viewer,
    action: Action,
    survey: Option<&Survey>,
    groups: &[GroupAccess],
    answered: bool,
) -> Decision {
    let admin = viewer.user.is_admin();
    let manages = |group: &GroupAccess| manages(viewer, group);
    let manages_all = !groups.is_empty() && groups.iter().all(manages);
    let Some(survey) = survey else {
        return match action {
            Action::Organize => allow_if(admin || manages_all),
            _ => Decision::Deny,
        };
    };
    let in_audience = if survey.organization_wide {
        !is_guest(viewer)
    } else {
        groups.iter().any(|group| group.viewer_role.is_some())
    };
    let creator = survey.created_by == Some(viewer.id());
    if !(admin || creator || in_audience) {
        return Decision::Hide;
    }
    let runs = admin || creator || (!survey.organization_wide && manages_all);
    match action {
        Action::View => Decision::Allow,
        Action::Answer => allow_if(in_audience && !answered && survey.state() == SurveyState::Open),
        Action::ViewContent => {
            allow_if(runs || (!survey.organization_wide && groups.iter().any(manages)))
        }
        Action::Manage => allow_if(runs && survey.state() != SurveyState::Closed),
        _ => Decision::Deny,
    }
}

/// Newsletters are for communicators and admins alone (anyone else does not learn they exist).
/// A draft is its author's to change or delete; any of them may send a draft with something in
/// it (a colleague's too, once reviewed), once.
fn newsletter_decision(viewer: &Viewer, action: Action, newsletter: &Newsletter) -> Decision {
    if !viewer.user.is_communicator() {
        return Decision::Hide;
    }
    let draft = !newsletter.is_sent();
    match action {
        Action::View => Decision::Allow,
        Action::Edit | Action::Delete => {
            allow_if(draft && newsletter.author_id == Some(viewer.id()))
        }
        Action::Post => allow_if(draft && newsletter.has_content()),
        _ => Decision::Deny,
    }
}

mod chat;
pub mod search;
#[cfg(test)]
mod tests;
