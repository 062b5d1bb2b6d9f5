//! The mutations' inputs and their validation.

use super::*;

#[derive(InputObject)]
pub struct CreatePostInput {
    /// The groups to publish in (several at once: org admins).
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// Publish to the whole organization (org admins).
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
    /// Publish later: invisible until then, then announced to subscribers.
    pub publish_at: Option<DateTime<Utc>>,
    /// Attach a poll (the post's body is its question).
    pub poll: Option<PollInput>,
    pub title: Option<String>,
    /// Markdown, up to 64 KiB.
    pub body: String,
    /// Files from `uploadAttachment` (at most 10, in this order); readers of the post see them.
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdatePostInput {
    pub post_id: ID,
    /// An empty title removes it.
    pub title: Option<String>,
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

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "ResultsVisibility")]
pub enum PollResultsVisibility {
    #[default]
    Always,
    /// Once the viewer has voted (or the poll closed).
    AfterVoting,
    AfterClosing,
}

#[derive(InputObject)]
pub struct PollInput {
    /// 2 to 20 distinct options, up to 200 characters each.
    pub options: Vec<String>,
    #[graphql(default)]
    pub multiple_choice: bool,
    /// Nobody sees who voted for what.
    #[graphql(default)]
    pub anonymous: bool,
    pub closes_at: Option<DateTime<Utc>>,
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

#[derive(InputObject)]
pub struct VoteInput {
    pub post_id: ID,
    /// One option (several for multiple-choice polls); replaces the viewer's earlier vote.
    pub option_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct PublishPostInput {
    pub post_id: ID,
    /// Later; now when omitted.
    pub publish_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct PinPostInput {
    pub post_id: ID,
    /// The group to pin it in; the organization's home when omitted.
    pub group_id: Option<ID>,
    /// Lower first.
    #[graphql(default)]
    pub position: i32,
}

#[derive(InputObject)]
pub struct UnpinPostInput {
    pub post_id: ID,
    pub group_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AcknowledgePostInput {
    pub post_id: ID,
}

#[derive(InputObject)]
pub struct DeletePostInput {
    pub post_id: ID,
}

#[derive(InputObject)]
pub struct AddCommentInput {
    pub post_id: ID,
    /// Answer this top-level comment (one level of replies).
    pub reply_to_id: Option<ID>,
    pub body: String,
    /// Files from `uploadAttachment` (at most 10).
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdateCommentInput {
    pub comment_id: ID,
    pub body: String,
    /// Replaces the attachments (those left out are deleted).
    pub attachment_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct DeleteCommentInput {
    pub comment_id: ID,
}

#[derive(InputObject)]
pub struct ReactionInput {
    /// A post or a comment.
    pub subject_id: ID,
    /// One emoji, e.g. "👍" or "🎉".
    pub emoji: String,
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
