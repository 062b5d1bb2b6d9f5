//! Writing, deleting and sending newsletters. Each mutation does its work in one transaction;
//! sending only marks the newsletter sent and enqueues the job that emails it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::model::{self, Draft, Newsletter};
use super::{TYPE_NAME, can_edit, require_organizer};
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::renamed::{self, Flag};
use crate::jobs::{self, Job};
use crate::validation;

pub const SUBJECT_MAX_LENGTH: usize = 200;
pub const INTRO_MAX_LENGTH: usize = 20_000;
/// Posts, events, groups and departments, each.
pub const MAX_ITEMS: usize = 20;

/// Whom a newsletter goes to: everyone, and/or the members of groups, and/or the people of
/// departments (at least one of them). Only active people who still take newsletters get it.
#[derive(InputObject)]
pub struct NewsletterAudienceInput {
    /// Every member of the organization (guests excepted).
    #[graphql(default)]
    pub organization_wide: Flag,
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    pub deprecated_organization_wide: Option<bool>,
    /// The members of these groups; at most 20.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// The people of these departments, spelled exactly as in their profiles; at most 20.
    #[graphql(default)]
    pub departments: Vec<String>,
}

/// A new draft newsletter.
#[derive(InputObject)]
pub struct CreateNewsletterInput {
    /// At most 200 characters.
    pub subject: String,
    /// Markdown, at most 20,000 characters.
    #[graphql(default)]
    pub intro: String,
    /// Published posts the viewer may see, in order; at most 20.
    #[graphql(default)]
    pub post_ids: Vec<ID>,
    /// Events the viewer may see, in order; at most 20.
    #[graphql(default)]
    pub event_ids: Vec<ID>,
    /// Whom it goes to.
    pub audience: NewsletterAudienceInput,
}

/// The result of `createNewsletter`.
#[derive(SimpleObject)]
pub struct CreateNewsletterPayload {
    /// The new draft.
    pub newsletter: Newsletter,
}

/// Replaces the fields given; the others stay.
#[derive(InputObject)]
pub struct UpdateNewsletterInput {
    /// The draft to change (the viewer's own).
    pub newsletter_id: ID,
    /// The new subject, at most 200 characters.
    pub subject: Option<String>,
    /// The new intro: Markdown, at most 20,000 characters (empty removes it).
    pub intro: Option<String>,
    /// The new list of posts: published posts the viewer may see, in order; at most 20.
    pub post_ids: Option<Vec<ID>>,
    /// The new list of events the viewer may see, in order; at most 20.
    pub event_ids: Option<Vec<ID>>,
    /// The new audience, replacing the whole of the old one.
    pub audience: Option<NewsletterAudienceInput>,
}

/// The result of `updateNewsletter`.
#[derive(SimpleObject)]
pub struct UpdateNewsletterPayload {
    /// The draft as it is now.
    pub newsletter: Newsletter,
}

/// The draft newsletter to delete.
#[derive(InputObject)]
pub struct DeleteNewsletterInput {
    /// The draft to delete (the viewer's own).
    pub newsletter_id: ID,
}

/// The result of `deleteNewsletter`.
#[derive(SimpleObject)]
pub struct DeleteNewsletterPayload {
    /// The ID of the deleted newsletter.
    pub deleted_newsletter_id: ID,
}

/// The draft newsletter to send.
#[derive(InputObject)]
pub struct SendNewsletterInput {
    /// A draft with an intro, posts or events (anyone's: any communicator or admin may send it).
    pub newsletter_id: ID,
}

/// The result of `sendNewsletter`.
#[derive(SimpleObject)]
pub struct SendNewsletterPayload {
    /// The newsletter, now `SENT`; its emails go out from a background job.
    pub newsletter: Newsletter,
}

fn subject(text: &str) -> ApiResult<String> {
    validation::name("subject", text, SUBJECT_MAX_LENGTH)
}

fn intro(text: &str) -> ApiResult<String> {
    let intro = text.trim();
    validation::max_chars("intro", intro, INTRO_MAX_LENGTH)?;
    Ok(intro.to_owned())
}

/// The row ids of global IDs of one type, each once, in order.
fn decode_list(list: &[ID], type_name: &str, field: &str) -> ApiResult<Vec<Uuid>> {
    if list.len() > MAX_ITEMS {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    let mut decoded = Vec::with_capacity(list.len());
    for (index, id) in list.iter().enumerate() {
        let field = format!("{field}[{index}]");
        let uuid = match ids::decode(id, &field)? {
            (found, uuid) if found == type_name => uuid,
            _ => {
                return Err(ApiError::bad_input(
                    field,
                    format!("is not a {type_name} ID"),
                ));
            }
        };
        if !decoded.contains(&uuid) {
            decoded.push(uuid);
        }
    }
    Ok(decoded)
}

fn departments(list: &[String]) -> ApiResult<Vec<String>> {
    if list.len() > MAX_ITEMS {
        return Err(ApiError::bad_input(
            "audience.departments",
            format!("at most {MAX_ITEMS} departments"),
        ));
    }
    let mut departments: Vec<String> = Vec::with_capacity(list.len());
    for (index, department) in list.iter().enumerate() {
        let department =
            validation::display_name(&format!("audience.departments[{index}]"), department)?;
        if !departments.contains(&department) {
            departments.push(department);
        }
    }
    Ok(departments)
}

/// Applies an audience input to `draft`.
fn set_audience(draft: &mut Draft, input: &NewsletterAudienceInput) -> ApiResult<()> {
    draft.organization_wide = renamed::organization_wide(
        "audience.",
        input.organization_wide,
        input.deprecated_organization_wide,
    )?;
    draft.group_ids = decode_list(
        &input.group_ids,
        crate::groups::TYPE_NAME,
        "audience.groupIds",
    )?;
    draft.departments = departments(&input.departments)?;
    Ok(())
}

/// What the viewer may not see is bad input naming the field (the same answer whether it
/// exists or not).
fn unseen<T>(result: ApiResult<T>, field: String, what: &str) -> ApiResult<T> {
    result.map_err(|error| match error {
        ApiError::NotFound(_) => ApiError::bad_input(field, format!("is not {what} you can see")),
        other => other,
    })
}

/// Checks what a draft names against what the viewer may see, and that it has an audience.
async fn check(ctx: &Context<'_>, draft: &Draft) -> ApiResult<()> {
    if !draft.organization_wide && draft.group_ids.is_empty() && draft.departments.is_empty() {
        return Err(ApiError::bad_input(
            "audience",
            "send it to the organization, some groups or some departments",
        ));
    }
    for (index, id) in draft.post_ids.iter().enumerate() {
        let field = format!("postIds[{index}]");
        let post = unseen(
            crate::posts::service::visible(&mut *ctx.conn().await?, ctx.viewer()?, *id).await,
            field.clone(),
            "a post",
        )?;
        if !post.is_live() {
            return Err(ApiError::bad_input(field, "is not published"));
        }
    }
    for (index, id) in draft.event_ids.iter().enumerate() {
        unseen(
            crate::events_calendar::access::find_visible(
                &mut *ctx.conn().await?,
                ctx.viewer()?,
                *id,
            )
            .await,
            format!("eventIds[{index}]"),
            "an event",
        )?;
    }
    for (index, id) in draft.group_ids.iter().enumerate() {
        unseen(
            crate::groups::loading::load_visible(ctx, *id).await,
            format!("audience.groupIds[{index}]"),
            "a group",
        )?;
    }
    Ok(())
}

fn sent_conflict() -> ApiError {
    ApiError::Conflict("This newsletter was sent; it no longer changes.".into())
}

/// The viewer's own draft, for a change; CONFLICT once sent, FORBIDDEN for someone else's.
async fn own_draft(ctx: &Context<'_>, id: &ID) -> ApiResult<Newsletter> {
    let id = ids::decode_as(id, TYPE_NAME, "newsletterId")?;
    let newsletter = super::graphql::load_visible(ctx, id).await?;
    if newsletter.is_sent() {
        return Err(sent_conflict());
    }
    if !can_edit(ctx.viewer()?, &newsletter) {
        return Err(ApiError::Forbidden(
            "Only its author changes or deletes a draft newsletter.".into(),
        ));
    }
    Ok(newsletter)
}

/// Locks the newsletter and checks it is still a draft.
async fn lock_draft(conn: &mut diesel_async::AsyncPgConnection, id: Uuid) -> ApiResult<Newsletter> {
    let newsletter = model::lock(conn, id).await?;
    if newsletter.is_sent() {
        return Err(sent_conflict());
    }
    Ok(newsletter)
}

#[derive(Default)]
pub struct NewsletterMutation;

#[Object]
impl NewsletterMutation {
    /// Communicators and admins write a draft newsletter.
    async fn create_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subject, intro, posts, events and audience of the new draft.")]
        input: CreateNewsletterInput,
    ) -> ApiResult<CreateNewsletterPayload> {
        let viewer = ctx.viewer()?;
        require_organizer(viewer)?;
        let mut draft = Draft {
            subject: subject(&input.subject)?,
            intro: intro(&input.intro)?,
            post_ids: decode_list(&input.post_ids, crate::posts::TYPE_NAME, "postIds")?,
            event_ids: decode_list(
                &input.event_ids,
                crate::events_calendar::access::TYPE_NAME,
                "eventIds",
            )?,
            organization_wide: false,
            group_ids: Vec::new(),
            departments: Vec::new(),
        };
        set_audience(&mut draft, &input.audience)?;
        check(ctx, &draft).await?;
        let mut conn = ctx.conn().await?;
        let newsletter = model::insert(&mut conn, Uuid::now_v7(), viewer.id(), &draft).await?;
        Ok(CreateNewsletterPayload { newsletter })
    }

    /// Changes the viewer's own draft; CONFLICT once it is sent.
    async fn update_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to change and its new content or audience.")]
        input: UpdateNewsletterInput,
    ) -> ApiResult<UpdateNewsletterPayload> {
        let current = own_draft(ctx, &input.newsletter_id).await?;
        let mut draft = current.draft();
        if let Some(text) = &input.subject {
            draft.subject = subject(text)?;
        }
        if let Some(text) = &input.intro {
            draft.intro = intro(text)?;
        }
        if let Some(list) = &input.post_ids {
            draft.post_ids = decode_list(list, crate::posts::TYPE_NAME, "postIds")?;
        }
        if let Some(list) = &input.event_ids {
            draft.event_ids =
                decode_list(list, crate::events_calendar::access::TYPE_NAME, "eventIds")?;
        }
        if let Some(audience) = &input.audience {
            set_audience(&mut draft, audience)?;
        }
        check(ctx, &draft).await?;
        let mut conn = ctx.conn().await?;
        let newsletter = conn
            .transaction::<_, ApiError, _>(async |conn| {
                lock_draft(conn, current.id).await?;
                model::update(conn, current.id, &draft).await
            })
            .await?;
        Ok(UpdateNewsletterPayload { newsletter })
    }

    /// Deletes the viewer's own draft; a sent newsletter stays (CONFLICT).
    async fn delete_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to delete.")] input: DeleteNewsletterInput,
    ) -> ApiResult<DeleteNewsletterPayload> {
        let newsletter = own_draft(ctx, &input.newsletter_id).await?;
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            lock_draft(conn, newsletter.id).await?;
            model::delete(conn, newsletter.id).await
        })
        .await?;
        Ok(DeleteNewsletterPayload {
            deleted_newsletter_id: ids::encode(TYPE_NAME, newsletter.id),
        })
    }

    /// Sends a draft to its audience, once: the emails go out from a job (each person's copy
    /// holds what they may see); CONFLICT if it was sent already.
    async fn send_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to send.")] input: SendNewsletterInput,
    ) -> ApiResult<SendNewsletterPayload> {
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.newsletter_id, TYPE_NAME, "newsletterId")?;
        let current = super::graphql::load_visible(ctx, id).await?;
        if current.is_sent() {
            return Err(sent_conflict());
        }
        if !current.has_content() {
            return Err(ApiError::Conflict(
                "This newsletter is empty: add an intro, posts or events first.".into(),
            ));
        }
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let newsletter = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let draft = lock_draft(conn, id).await?;
                let sent = model::mark_sent(conn, id, viewer.id()).await?;
                jobs::enqueue(conn, &Job::SendNewsletter { newsletter_id: id }, Utc::now()).await?;
                let change = Change::of(TYPE_NAME, id).before(&draft)?.after(&sent)?;
                audit.record(conn, change).await?;
                Ok(sent)
            })
            .await?;
        Ok(SendNewsletterPayload { newsletter })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_decoded_once_each_and_other_types_name_the_field() {
        let group = ids::encode("Group", Uuid::now_v7());
        let post = ids::encode("Post", Uuid::now_v7());
        let decoded = decode_list(
            &[group.clone(), group.clone()],
            "Group",
            "audience.groupIds",
        );
        assert_eq!(decoded.map(|list| list.len()).ok(), Some(1));
        match decode_list(&[group, post], "Group", "audience.groupIds") {
            Err(ApiError::BadUserInput { field, .. }) => assert_eq!(field, "audience.groupIds[1]"),
            other => panic!("expected bad input, got {other:?}"),
        }
        assert!(subject(&"x".repeat(SUBJECT_MAX_LENGTH + 1)).is_err());
        assert!(departments(&[" ".into()]).is_err());
    }
}
