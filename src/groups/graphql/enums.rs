//! The enums of groups as the API spells them.

use super::*;

/// Who sees a group and what is inside it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupVisibility", remote = "Visibility")]
pub enum VisibilityGql {
    /// Every member of the organization (not guests) sees the group and its content; how they
    /// join depends on the join policy.
    Public,
    /// Listed with name and description; content for members only.
    Private,
    /// Invisible to everyone but its members, invited people and org admins; invitation only.
    Secret,
}

/// How people become members of a group.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupJoinPolicy", remote = "JoinPolicy")]
pub enum JoinPolicyGql {
    /// Anyone who sees the group joins at once (public groups only).
    Open,
    /// People ask with `requestToJoinGroup`; managers approve or decline (not for secret
    /// groups).
    Request,
    /// Only people a manager invites join (the only policy of secret groups).
    InviteOnly,
}

/// Who may do something in a group: post, create events or change files in its drive.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupPostingPolicy", remote = "PostingPolicy")]
pub enum PostingPolicyGql {
    /// Every member, whatever their role.
    Members,
    /// Only managers and owners (for posts: an announcement group).
    Managers,
}

/// A member's role in a group.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupRole", remote = "GroupRole")]
pub enum GroupRoleGql {
    /// Runs the group as a manager does, and also deletes it, grants or takes the owner role and
    /// transfers ownership. A group always keeps at least one.
    Owner,
    /// Edits settings, archives, invites, decides join requests, removes members and managers,
    /// and adds webhooks.
    Manager,
    /// Takes part: posts (unless only managers may), and may leave.
    Member,
}

/// Where a request to join a group stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupRequestStatus", remote = "RequestStatus")]
pub enum RequestStatusGql {
    /// Waiting for a manager's decision.
    Pending,
    /// A manager let the person in.
    Approved,
    /// A manager turned the request down.
    Declined,
    /// Withdrawn by the person, or closed when the group stopped taking join requests.
    Cancelled,
}

/// Where an invitation to a group stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GroupInvitationStatus", remote = "InvitationStatus")]
pub enum InvitationStatusGql {
    /// Waiting for the invited person's answer.
    Pending,
    /// The person joined the group.
    Accepted,
    /// The person said no.
    Declined,
}

/// Which groups a list keeps, by the viewer's membership.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupMembershipFilter {
    /// Only groups the viewer belongs to.
    Joined,
    /// Groups the viewer belongs to and the others they may see.
    #[default]
    All,
}

/// How far a list of groups reaches.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupListScope {
    /// What the viewer may see (secret groups only when they belong or are invited).
    #[default]
    Visible,
    /// Every group, secret ones included: org admins only.
    All,
}
