//! The mutations' inputs and their validation.

use super::*;

/// A new post: where it goes, its text and what comes with it.
#[derive(InputObject)]
pub struct CreatePostInput {
    /// The groups to publish in, where the viewer may post; at most 20 (more than one: admins and
    /// communicators).
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// Publish to the whole organization, guests excepted (admins and communicators).
    #[graphql(default)]
    pub organization_wide: Flag,
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    pub deprecated_organization_wide: Option<bool>,
    /// An announcement readers confirm they have read (`acknowledgePost`).
    #[graphql(default)]
    pub requires_acknowledgement: bool,
    /// Keep it as a draft, seen only by the author until `publishPost`.
    #[graphql(default)]
    pub draft: bool,
    /// Publish later (a future time, not with `draft`): invisible until then, then announced to
    /// subscribers.
    pub publish_at: Option<DateTime<Utc>>,
    /// Attach a poll (the post's body is its question).
    pub poll: Option<PollInput>,
    /// One line, up to 200 characters; blank or omitted means no title.
    pub title: Option<String>,
    /// Markdown source, up to 64 KiB; must not be blank.
    pub body: String,
    /// Files from `uploadAttachment` (at most 10, in this order); readers of the post see them.
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

/// Changes to one of the viewer's posts; fields left out stay as they are. The text it replaces is
/// kept in `previousVersions`.
#[derive(InputObject)]
pub struct UpdatePostInput {
    /// The post to change (the viewer's own).
    pub post_id: ID,
    /// The new title, up to 200 characters; an empty title removes it.
    pub title: Option<String>,
    /// The new Markdown source, up to 64 KiB; people it newly mentions are notified.
    pub body: Option<String>,
    /// Replaces the attachments (those left out are deleted; new ones come from `uploadAttachment`).
    pub attachment_ids: Option<Vec<ID>>,
}

/// When a new post appears: now, later (`publishAt`), or not yet (a draft).
pub(super) fn publication_time(
    draft: bool,
    publish_at: Option<DateTime<Utc>>,
) -> ApiResult<Option<DateTime<Utc>>> {
    match (draft, publish_at) {
        (true, Some(_)) => Err(ApiError::bad_input(
            "publishAt",
            "a draft has no publication time",
        )),
        (true, None) => Ok(None),
        (false, Some(at)) if at <= Utc::now() => {
            Err(ApiError::bad_input("publishAt", "must be in the future"))
        }
        (false, Some(at)) => Ok(Some(at)),
        (false, None) => Ok(Some(Utc::now())),
    }
}

/// When a poll's voters see its counts and who voted.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "ResultsVisibility")]
pub enum PollResultsVisibility {
    /// From the start, before voting.
    #[default]
    Always,
    /// Once the viewer has voted (or the poll closed).
    AfterVoting,
    /// Only once the poll has closed (`closesAt` has passed): never for a poll without `closesAt`.
    AfterClosing,
}

/// A poll to attach to a new post; the post's body is its question.
#[derive(InputObject)]
pub struct PollInput {
    /// 2 to 20 distinct options, up to 200 characters each, in the order shown.
    pub options: Vec<String>,
    /// Voters may choose several options (default: exactly one).
    #[graphql(default)]
    pub multiple_choice: bool,
    /// Nobody sees who voted for what.
    #[graphql(default)]
    pub anonymous: bool,
    /// When it stops taking votes (a future time); it stays open when omitted.
    pub closes_at: Option<DateTime<Utc>>,
    /// When voters see the counts (default `ALWAYS`).
    #[graphql(default)]
    pub results_visibility: PollResultsVisibility,
}

pub(super) fn new_poll(input: Option<PollInput>) -> ApiResult<Option<polls::NewPoll>> {
    input
        .map(|poll| {
            if poll.closes_at.is_some_and(|at| at <= Utc::now()) {
                return Err(ApiError::bad_input(
                    "poll.closesAt",
                    "must be in the future",
                ));
            }
            Ok(polls::NewPoll {
                options: polls::check_options(&poll.options)?,
                multiple_choice: poll.multiple_choice,
                anonymous: poll.anonymous,
                closes_at: poll.closes_at,
                results_visibility: poll.results_visibility.into(),
            })
        })
        .transpose()
}

/// A vote in a post's poll.
#[derive(InputObject)]
pub struct CastVoteInput {
    /// The post whose poll to vote in.
    pub post_id: ID,
    /// One option (several for multiple-choice polls); replaces the viewer's earlier vote.
    pub option_ids: Vec<ID>,
}

/// A draft or scheduled post to publish, and when.
#[derive(InputObject)]
pub struct PublishPostInput {
    /// The viewer's draft or scheduled post.
    pub post_id: ID,
    /// When it appears (a future time); now when omitted.
    pub publish_at: Option<DateTime<Utc>>,
}

/// A post to pin, and where.
#[derive(InputObject)]
pub struct PinPostInput {
    /// The post to pin: one of the group's posts, or an organization-wide post for the home.
    pub post_id: ID,
    /// The group to pin it in; the organization's home when omitted.
    pub group_id: Option<ID>,
    /// Its place among the pinned posts there: lower first, the earlier pinned first on a tie
    /// (default 0).
    #[graphql(default)]
    pub position: i32,
}

/// A pinned post to unpin, and where.
#[derive(InputObject)]
pub struct UnpinPostInput {
    /// The pinned post.
    pub post_id: ID,
    /// The group it is pinned in; the organization's home when omitted.
    pub group_id: Option<ID>,
}

/// An announcement the viewer confirms they have read.
#[derive(InputObject)]
pub struct AcknowledgePostInput {
    /// The announcement: a post with `requiresAcknowledgement`.
    pub post_id: ID,
}

/// The post to delete.
#[derive(InputObject)]
pub struct DeletePostInput {
    /// The post to delete.
    pub post_id: ID,
}

/// A new comment on a post, or a reply to a comment.
#[derive(InputObject)]
pub struct AddCommentInput {
    /// The post to comment on (one the viewer may read).
    pub post_id: ID,
    /// Answer this top-level comment (one level of replies).
    pub reply_to_id: Option<ID>,
    /// Markdown source, up to 64 KiB; must not be blank.
    pub body: String,
    /// Files from `uploadAttachment` (at most 10).
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

/// New text for one of the viewer's comments.
#[derive(InputObject)]
pub struct UpdateCommentInput {
    /// The comment to change (the viewer's own).
    pub comment_id: ID,
    /// The new Markdown source, up to 64 KiB; must not be blank.
    pub body: String,
    /// Replaces the attachments (those left out are deleted).
    pub attachment_ids: Option<Vec<ID>>,
}

/// The comment to delete.
#[derive(InputObject)]
pub struct DeleteCommentInput {
    /// The comment to delete.
    pub comment_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// A post, a comment or a chat message.
    pub subject_id: ID,
    /// One emoji, e.g. "👍" or "🎉".
    pub emoji: String,
}
    /// The post, comment or message to react to, and the emoji.
    AddReactionInput;
    /// The post, comment or message, and the emoji of the viewer's reaction to take back.
    RemoveReactionInput;
}

pub(super) fn body(field: &str, text: &str) -> ApiResult<String> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    if text.len() > BODY_MAX_BYTES {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {BODY_MAX_BYTES} bytes (64 KiB)"),
        ));
    }
    validation::max_chars(field, text, BODY_MAX_BYTES)?;
    Ok(text.to_owned())
}

/// A blank title is no title.
pub(super) fn title(text: Option<String>) -> ApiResult<Option<String>> {
    text.filter(|title| !title.trim().is_empty())
        .map(|title| validation::name("title", &title, TITLE_MAX_LENGTH))
        .transpose()
}

/// A single emoji (with its modifiers), not text.
pub(super) fn emoji(text: &str) -> ApiResult<String> {
    let text = text.trim();
    let symbolic =
        |c: char| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii_punctuation();
    let pictographic = text.chars().any(|c| c as u32 >= 0x2000);
    if text.is_empty() || text.chars().count() > 8 || !pictographic || !text.chars().all(symbolic) {
        return Err(ApiError::bad_input("emoji", "must be a single emoji"));
    }
    Ok(text.to_owned())
}
