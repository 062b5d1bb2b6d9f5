//! Newsletters over GraphQL: the `Newsletter` type with its preview and statistics, and the
//! queries.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::copy::{self, Sources};
use super::loaders::NewsletterStatistics;
use super::model::{self, Newsletter, NewsletterCursor};
use super::{TYPE_NAME, can_edit, can_send, may_organize, require_organizer};
use crate::email::layout::Branding;
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::access::EventView;
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders;
use crate::groups::GroupAccess;
use crate::pagination::PageRequest;
use crate::posts::Post;
use crate::users::User;

/// Whether a newsletter is still being written or was sent.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NewsletterStatus")]
pub enum NewsletterStatus {
    /// Being written: its author changes it, any communicator may send it.
    Draft,
    /// Sent (or being sent): it no longer changes.
    Sent,
}

/// Whom a newsletter goes to: everyone, and/or the members of groups, and/or departments.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct NewsletterAudience {
    /// Every member of the organization (guests excepted).
    pub organization_wide: bool,
    /// The groups whose members it goes to (those the viewer may see).
    pub groups: Vec<GroupAccess>,
    /// The departments whose people it goes to.
    pub departments: Vec<String>,
}

#[ComplexObject]
impl NewsletterAudience {
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    async fn deprecated_organization_wide(&self) -> bool {
        self.organization_wide
    }
}

/// A newsletter as the viewer would receive it (links not tracked, no unsubscribe link).
#[derive(SimpleObject)]
pub struct NewsletterPreview {
    /// The email's subject line.
    pub subject: String,
    /// The whole HTML email, framed with the organization's branding.
    pub html: String,
    /// The plain-text version of the email.
    pub text: String,
}

/// One link of a sent newsletter, with its clicks.
#[derive(SimpleObject)]
pub struct NewsletterLinkStats {
    /// Where the link leads (as written, before click tracking).
    pub url: String,
    /// Clicks on it, every click counted.
    pub clicks: i64,
}

/// Delivery and clicks (all zero for drafts).
#[derive(SimpleObject)]
pub struct NewsletterStats {
    /// People it was sent to.
    pub recipient_count: i64,
    /// Emails the SMTP server accepted.
    pub sent_count: i64,
    /// Clicks on its links, every click counted.
    pub click_count: i64,
    /// Recipients who clicked at least one link.
    pub unique_clickers: i64,
    /// Each link target with its clicks, most clicked first.
    pub links: Vec<NewsletterLinkStats>,
}

async fn user(ctx: &Context<'_>, id: Option<Uuid>) -> ApiResult<Option<User>> {
    let Some(id) = id else {
        return Ok(None);
    };
    ctx.user_loader()?
        .load_one(id)
        .await
        .map_err(|error| (*error).clone())
}

/// `Ok(None)` for what the viewer may not see.
fn visible<T>(result: ApiResult<T>) -> ApiResult<Option<T>> {
    match result {
        Ok(item) => Ok(Some(item)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// An email newsletter made of an intro and chosen posts and events, for communicators.
#[Object(name = "Newsletter")]
impl Newsletter {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// The email's subject line, up to 200 characters.
    async fn subject(&self) -> &str {
        &self.subject
    }
    /// Markdown source, as written (empty when it has no intro).
    async fn intro(&self) -> &str {
        &self.intro
    }
    /// The intro as sanitized HTML: no scripts, event handlers or unsafe links.
    async fn intro_html(&self) -> String {
        crate::markdown::to_safe_html(&self.intro)
    }
    /// The chosen posts the viewer may see, in order.
    async fn posts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Post>> {
        // Through the DataLoaders: a page of newsletters reads its posts together.
        crate::posts::loading::load_visible_many(ctx, &self.post_list()).await
    }
    /// The chosen events the viewer may see, in order.
    async fn events(&self, ctx: &Context<'_>) -> ApiResult<Vec<EventView>> {
        // Through the DataLoader: a page of newsletters reads its events together.
        crate::events_calendar::loading::load_visible_many(ctx, &self.event_list()).await
    }
    /// Whom it goes to.
    async fn audience(&self, ctx: &Context<'_>) -> ApiResult<NewsletterAudience> {
        let mut groups = Vec::new();
        for id in self.group_list() {
            groups.extend(visible(
                crate::groups::loading::load_visible(ctx, id).await,
            )?);
        }
        Ok(NewsletterAudience {
            organization_wide: self.organization_wide,
            groups,
            departments: self.department_list(),
        })
    }
    /// Draft or sent.
    async fn status(&self) -> NewsletterStatus {
        if self.is_sent() {
            NewsletterStatus::Sent
        } else {
            NewsletterStatus::Draft
        }
    }
    /// When it was sent (`sendNewsletter`; the emails follow from a background job); null for a
    /// draft.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.sent_at
    }
    /// Who sent it; null for a draft, or when their account was deleted.
    async fn sent_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.sent_by).await
    }
    /// Who wrote it; null when their account was deleted.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.author_id).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When its draft last changed (sending it does not count).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
    /// The email as the viewer would get it: their language, the items they may see.
    async fn preview(&self, ctx: &Context<'_>) -> ApiResult<NewsletterPreview> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let organization = crate::organization::model::get(&mut conn).await?;
        let branding = Branding::of(&organization, ctx.services().config.web_app_url());
        let sources = Sources::load(&mut conn, self).await?;
        let untracked = |url: &str| url.to_owned();
        let copy = copy::for_reader(
            &mut conn, &branding, self, &sources, viewer, &untracked, None,
        )
        .await?;
        Ok(NewsletterPreview {
            subject: copy.subject,
            html: copy.html,
            text: copy.text,
        })
    }
    /// Its delivery and link clicks; all zero for a draft.
    async fn stats(&self, ctx: &Context<'_>) -> ApiResult<NewsletterStats> {
        let stats = loaders::value_of::<NewsletterStatistics>(ctx, self.id).await?;
        Ok(NewsletterStats {
            recipient_count: stats.recipients,
            sent_count: stats.sent,
            click_count: stats.clicks,
            unique_clickers: stats.unique_clickers,
            links: stats
                .links
                .into_iter()
                .map(|(url, clicks)| NewsletterLinkStats { url, clicks })
                .collect(),
        })
    }
    /// Whether the viewer may change or delete it: their own draft.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(can_edit(ctx.viewer()?, self))
    }
    /// Whether the viewer may send it (`sendNewsletter`): a draft with an intro or items, and a
    /// communicator or admin.
    async fn viewer_can_send(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(can_send(ctx.viewer()?, self))
    }
}

#[derive(Default)]
pub struct NewsletterQuery;

#[Object]
impl NewsletterQuery {
    /// The newsletter with this ID, draft or sent (communicators and admins); null with a
    /// NOT_FOUND error for anyone else or when it does not exist.
    async fn newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The newsletter's global ID.")] id: ID,
    ) -> ApiResult<Option<Newsletter>> {
        load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }

    /// Every newsletter, drafts and sent, newest first (communicators and admins; FORBIDDEN for
    /// anyone else).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn newsletters(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<Newsletter>> {
        require_organizer(ctx.viewer()?)?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let found = model::newest_first(&mut *ctx.conn().await?, &page).await?;
        Ok(connection(
            found,
            |newsletter| -> NewsletterCursor { (newsletter.created_at, newsletter.id) },
            |newsletter| newsletter,
        ))
    }
}

/// A newsletter, for communicators and admins; NOT_FOUND for anyone else.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<Newsletter> {
    if !may_organize(ctx.viewer()?) {
        return Err(ApiError::NotFound(TYPE_NAME));
    }
    model::find(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
