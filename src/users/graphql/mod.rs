//! GraphQL types, queries, mutations and subscriptions of the directory.
//!
//! Over 600 lines: `User` is one object, and async-graphql takes an object's fields from one
//! `impl` block (the person's own lists, notifications and conversations among them).

mod subscriptions;

pub use subscriptions::*;

use crate::analytics::Activity;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures::Stream;

use super::TYPE_NAME;
use super::loading::load_visible;
use super::model::{self, DirectoryFilter, ProfileChanges};
use super::visibility::visible_to;
use super::visibility::{self, PersonRow};
use super::{OrgRole, User, UserStatus};
use crate::attachments::service as attachments;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::auth::sessions::Session;
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, reauthorized};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::pagination::PageRequest;
use crate::policy::{self, Action, Resource};
use crate::validation::{self, Limit};

/// A person's role in the organization.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "OrgRole", remote = "OrgRole")]
pub enum OrgRoleGql {
    /// Runs the organization: people, invitations, roles, settings, the audit log; may do
    /// everything in every group.
    Admin,
    /// An employee: sees the directory and the public and private groups, creates groups.
    Member,
    /// An external person who sees only what they are given.
    Guest,
}

/// Whether a person's account works.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "UserStatus", remote = "UserStatus")]
pub enum UserStatusGql {
    /// Can sign in.
    Active,
    /// Cannot sign in; their content stays.
    Deactivated,
    /// Made by an admin, waiting for its activation code.
    Pending,
}

/// A person in the organization.
#[Object(name = "User")]
impl User {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// Unique; null for people without a company email (and hidden from guests).
    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        Ok(shown(ctx, self).and_then(|row| row.email))
    }
    /// Unique sign-in name, also used for @mentions.
    async fn username(&self) -> &str {
        &self.username
    }
    /// The name shown for the person (1 to 100 characters).
    async fn display_name(&self) -> &str {
        &self.display_name
    }
    /// Job title.
    async fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Department; null when not given.
    async fn department(&self) -> Option<&str> {
        self.department.as_deref()
    }
    /// Site or location.
    async fn site(&self) -> Option<&str> {
        self.site.as_deref()
    }
    /// Hidden from guests.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        shown(ctx, self).and_then(|row| row.phone)
    }
    /// Markdown written by the person.
    async fn bio(&self) -> Option<&str> {
        self.bio.as_deref()
    }
    /// The bio rendered to sanitized HTML (no scripts, event handlers or unsafe links).
    async fn bio_html(&self) -> Option<String> {
        self.bio.as_deref().map(crate::markdown::to_safe_html)
    }
    /// BCP 47 language tag, e.g. `fr` or `en-GB`.
    async fn locale(&self) -> &str {
        &self.locale
    }
    /// IANA time zone, e.g. `Europe/Paris`.
    async fn time_zone(&self) -> &str {
        &self.time_zone
    }
    /// The person's role in the organization.
    async fn org_role(&self) -> OrgRoleGql {
        self.org_role.into()
    }
    /// May publish to the whole organization (posts, events) without being an admin.
    async fn communicator(&self) -> bool {
        self.is_communicator()
    }
    /// When the person could first sign in; null while the account is pending.
    async fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.activated_at
    }
    /// Whether the account works.
    async fn status(&self) -> UserStatusGql {
        self.status.into()
    }
    /// When the account was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When the profile, account or settings last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
    /// The picture: the one uploaded with `updateProfile(avatarAttachmentId)` (its preview), else
    /// the identity provider's.
    async fn avatar_url(&self, ctx: &Context<'_>) -> Option<String> {
        match self.avatar_attachment_id {
            Some(id) => Some(crate::attachments::urls::image(ctx.services(), id)),
            None => self.avatar_url.clone(),
        }
    }
    /// The person's signed-in browsers and apps; only the person themselves sees them (null for
    /// anyone else).
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Session>>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        let mut conn = ctx.conn().await?;
        crate::auth::sessions::list_for_user(&mut conn, self.id)
            .await
            .map(Some)
    }
    /// The person's notifications, most recently active first; only the person themselves
    /// sees them (null for anyone else).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn notifications(
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
        #[graphql(
            desc = "Which notifications to list (e.g. only unread ones); all of them when omitted."
        )]
        filter: Option<crate::notifications::graphql::NotificationFilter>,
    ) -> ApiResult<Option<PageConnection<crate::notifications::Notification>>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        crate::notifications::loading::viewer_notifications(
            ctx,
            PageRequest::parse(first, after.as_deref(), last, before.as_deref())?,
            filter,
        )
        .await
        .map(Some)
    }
    /// The person's conversations, most recently active first (archived rooms left out); only
    /// the person themselves sees them (null for anyone else).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn conversations(
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
        #[graphql(desc = "Which conversations to list; all of them when omitted.")] filter: Option<
            crate::chat::graphql::ConversationFilter,
        >,
    ) -> ApiResult<Option<PageConnection<crate::chat::ConversationAccess>>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter.map(|filter| filter.to_list_filter()).transpose()?;
        let page =
            crate::chat::loading::viewer_conversations(ctx, page, filter.unwrap_or_default())
                .await?;
        Ok(Some(connection(
            page,
            |access| {
                (
                    access.conversation.last_activity_at(),
                    access.conversation.id,
                )
            },
            |access| access,
        )))
    }
    /// Conversations with messages the person has not read: the chat badge (the person
    /// themselves only).
    async fn unread_conversation_count(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        let mut conn = ctx.conn().await?;
        crate::chat::model::unread_conversations(&mut conn, self.id)
            .await
            .map(Some)
    }
    /// The person's chat settings (the person themselves only; null for anyone else).
    async fn chat_settings(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::chat::graphql::ChatSettings>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        let mut conn = ctx.conn().await?;
        let send_read_receipts =
            crate::chat::settings::sends_read_receipts(&mut conn, self.id).await?;
        Ok(Some(crate::chat::graphql::ChatSettings {
            send_read_receipts,
        }))
    }
    /// Whether the person is online, away or offline (live: `presenceChanged`).
    async fn presence(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<crate::chat::graphql::PresenceStatusGql> {
        Ok(crate::chat::loading::presence_of(ctx, self.id)
            .await?
            .into())
    }
    /// Unread notifications (the person themselves only).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        Ok(Some(
            crate::notifications::loading::viewer_counts(ctx).await?.0,
        ))
    }
    /// Unread notifications not yet seen in a list: the badge (the person themselves only).
    async fn unseen_notification_count(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        Ok(Some(
            crate::notifications::loading::viewer_counts(ctx).await?.1,
        ))
    }
    /// How the person hears of things (the person themselves only).
    async fn notification_settings(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::notifications::graphql::NotificationSettings>> {
        if ctx.viewer()?.id() != self.id {
            return Ok(None);
        }
        crate::notifications::loading::viewer_settings(ctx)
            .await
            .map(Some)
    }
    /// Whether the viewer may deactivate or reactivate this account.
    async fn viewer_can_deactivate(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(can_do(ctx.viewer()?, Action::Manage, self))
    }
    /// Whether the viewer may change this profile with `updateProfile`.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(can_do(ctx.viewer()?, Action::Edit, self))
    }
}

/// The person's row for the viewer, as every export shows it (a person reaching the viewer has
/// been found visible to them). A sign-in's payload shows the person to themselves.
fn shown<'a>(ctx: &Context<'_>, user: &'a User) -> Option<PersonRow<'a>> {
    let viewer = ctx
        .viewer()
        .ok()
        .or_else(|| ctx.request().signed_in.get())?;
    Some(PersonRow::of(viewer, user, true))
}

/// For a user already shown to the viewer (so visibility, including a shared group for guests,
/// has been established), whether the viewer may do `action`.
fn can_do(viewer: &Viewer, action: Action, user: &User) -> bool {
    policy::can(
        viewer,
        action,
        Resource::User {
            user,
            shares_group: true,
        },
    )
    .allowed()
}

/// Which people `users` lists; the conditions given must all hold.
#[derive(InputObject, Default)]
pub struct UsersFilter {
    /// Words matched against name, username, email, title, department and site; accents and
    /// case are ignored ("helene" finds "Hélène"), and every word must match (up to 200
    /// characters).
    pub query: Option<String>,
    /// Exact department, case and accents aside ("Montreal" is "Montréal").
    pub department: Option<String>,
    /// Exact site, case and accents aside.
    pub site: Option<String>,
    /// ACTIVE when omitted; deactivated and pending accounts are listed for org admins only
    /// (FORBIDDEN for anyone else).
    pub status: Option<UserStatusGql>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in person.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<User> {
        Ok(User::clone(&ctx.viewer()?.user))
    }

    /// The person with this ID; null with a NOT_FOUND error when no such account exists or the
    /// viewer may not see them (guests see only the people they share a group with).
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's global ID.")] id: ID,
    ) -> ApiResult<Option<User>> {
        load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }

    /// The company directory: active people by name (org admins also list deactivated and
    /// pending accounts with `filter: { status: ... }`).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn users(
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
        #[graphql(
            desc = "Which people to list; every active person the viewer may see when omitted."
        )]
        filter: Option<UsersFilter>,
    ) -> ApiResult<PageConnection<User>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter.unwrap_or_default();
        for (field, value) in [
            ("filter.query", &filter.query),
            ("filter.department", &filter.department),
            ("filter.site", &filter.site),
        ] {
            if let Some(value) = value {
                validation::max_chars(field, value, Limit::SEARCH)?;
            }
        }
        let status = filter.status.map_or(UserStatus::Active, Into::into);
        if status != UserStatus::Active {
            policy::require(
                viewer,
                Action::Administer,
                Resource::Organization,
                "Organization",
                "Only admins list accounts that are not active.",
            )?;
        }
        // A search is its first page; the pages after it are the same search.
        let search = filter.query.clone().filter(|_| after.is_none());
        let filter = DirectoryFilter {
            status,
            query: filter.query,
            department: filter.department,
            site: filter.site,
            limited_to_groups_of: visibility::directory_limit(viewer),
        };
        let mut conn = ctx.conn().await?;
        let page = model::directory_page(&mut conn, &filter, &page).await?;
        if let Some(query) = search {
            ctx.record_activity(Activity::search(viewer.id(), &query, page.items.len()));
        }
        Ok(connection(page, directory_key, |user| user))
    }
}

fn directory_key(user: &User) -> model::DirectoryCursor {
    (user.display_name.clone(), user.id)
}

/// The profile to change and its new values; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// Whose profile; the viewer's own when omitted (admins may edit anyone's).
    pub user_id: Option<ID>,
    /// 1 to 100 characters, trimmed; it cannot be cleared.
    pub display_name: Option<String>,
    /// Job title, up to 100 characters. An empty string clears it (likewise for the
    /// department, site, phone and bio).
    pub title: Option<String>,
    /// Up to 100 characters. Groups with membership rules follow a change of department.
    pub department: Option<String>,
    /// Site or location, up to 100 characters. Groups with membership rules follow a change of
    /// site.
    pub site: Option<String>,
    /// Up to 40 characters, free form.
    pub phone: Option<String>,
    /// Markdown source, up to 2,000 characters.
    pub bio: Option<String>,
    /// A BCP 47 language tag such as `fr` or `en-GB`.
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Paris`.
    pub time_zone: Option<String>,
    /// An image from `uploadAttachment` as the avatar; null goes back to the identity
    /// provider's picture.
    pub avatar_attachment_id: async_graphql::MaybeUndefined<ID>,
}

/// The person after `updateProfile`.
#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    /// The person, with the new profile.
    pub user: User,
}

const AVATAR_FIELD: &str = "avatarAttachmentId";

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Changes a profile: the viewer's own, or anyone's for admins (audited). Subscribers of
    /// `userUpdated` get the new profile.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile to change and its new values.")] input: UpdateProfileInput,
    ) -> ApiResult<UpdateProfilePayload> {
        let viewer = ctx.viewer()?;
        let target_id = match &input.user_id {
            Some(id) => ids::decode_as(id, TYPE_NAME, "userId")?,
            None => viewer.id(),
        };
        let target = load_visible(ctx, target_id).await?;
        policy::require(
            viewer,
            Action::Edit,
            Resource::User {
                user: &target,
                shares_group: true,
            },
            TYPE_NAME,
            "Only the person themselves or an admin may edit this profile.",
        )?;
        let avatar = attachments::parse_image_id(&input.avatar_attachment_id, AVATAR_FIELD)?;
        let changes = profile_changes(input)?;
        let audit = (target_id != viewer.id())
            .then(|| Audit::of(ctx))
            .transpose()?;
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let user = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let current = target.avatar_attachment_id;
                let avatar =
                    attachments::claim_new_image(conn, current, avatar, viewer.id(), AVATAR_FIELD)
                        .await?;
                let changes = ProfileChanges {
                    avatar_attachment_id: avatar,
                    ..changes.clone()
                };
                let user = model::update_profile(conn, target_id, &changes).await?;
                // Groups with membership rules follow the person's department and site.
                if crate::groups::rules::moved(&target, &user) {
                    crate::groups::rules::follow_directory(conn, user.id).await?;
                }
                if avatar.is_some() {
                    attachments::drop_if_unused(conn, current).await?;
                }
                // An admin editing someone else's profile is an admin action.
                if let Some(audit) = &audit {
                    let change = Change::of(TYPE_NAME, user.id)
                        .before(&target)?
                        .after(&user)?;
                    audit.record(conn, change).await?;
                }
                services
                    .events
                    .publish(conn, &Event::UserUpdated { id: user.id })
                    .await?;
                Ok(user)
            })
            .await?;
        Ok(UpdateProfilePayload { user })
    }

    /// Admins: signs the person out everywhere at once (sessions end, open subscriptions close,
    /// tokens and calendar feed URLs are revoked for good); their content stays.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person to deactivate.")] input: DeactivateUserInput,
    ) -> ApiResult<DeactivateUserPayload> {
        let user = set_status(ctx, &input.user_id, UserStatus::Deactivated).await?;
        Ok(DeactivateUserPayload { user })
    }

    /// Admins: lets a deactivated person sign in again.
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deactivated person to reactivate.")] input: ReactivateUserInput,
    ) -> ApiResult<ReactivateUserPayload> {
        let user = set_status(ctx, &input.user_id, UserStatus::Active).await?;
        Ok(ReactivateUserPayload { user })
    }
}

/// The person to deactivate.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// The person's global ID (not the viewer's own).
    pub user_id: ID,
}

/// The person after `deactivateUser`.
#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    /// The person, now DEACTIVATED.
    pub user: User,
}

/// The person to reactivate.
#[derive(InputObject)]
pub struct ReactivateUserInput {
    /// The person's global ID (not the viewer's own).
    pub user_id: ID,
}

/// The person after `reactivateUser`.
#[derive(SimpleObject)]
pub struct ReactivateUserPayload {
    /// The person, now ACTIVE.
    pub user: User,
}

async fn set_status(ctx: &Context<'_>, user_id: &ID, status: UserStatus) -> ApiResult<User> {
    let viewer = ctx.viewer()?;
    let target_id = ids::decode_as(user_id, TYPE_NAME, "userId")?;
    let target = load_visible(ctx, target_id).await?;
    policy::require(
        viewer,
        Action::Manage,
        Resource::User {
            user: &target,
            shares_group: true,
        },
        TYPE_NAME,
        "Only admins may deactivate or reactivate accounts, and not their own.",
    )?;
    let audit = Audit::of(ctx)?;
    let services = ctx.services().clone();
    let mut conn = ctx.conn().await?;
    let updated = Event::UserUpdated { id: target_id };
    let user = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = model::lock(conn, target_id)
                .await?
                .ok_or(ApiError::NotFound(TYPE_NAME))?;
            if before.status == UserStatus::Pending {
                return Err(ApiError::Conflict(
                    "This account is not activated yet.".into(),
                ));
            }
            if status == UserStatus::Deactivated {
                crate::auth::revoke_credentials(conn, &services.events, target_id).await?;
            }
            let user = model::set_status(conn, target_id, status).await?;
            let change = Change::of(TYPE_NAME, target_id)
                .before(&before)?
                .after(&user)?;
            audit.record(conn, change).await?;
            services.events.publish(conn, &updated).await?;
            Ok(user)
        })
        .await?;
    // A deactivation is acknowledged once no instance accepts a request from the person.
    services.events.barrier(&mut conn).await;
    Ok(user)
}

fn profile_changes(input: UpdateProfileInput) -> ApiResult<ProfileChanges> {
    let optional =
        |field: &str, value: Option<String>, limit: usize| -> ApiResult<Option<Option<String>>> {
            value
                .map(|text| {
                    let text = text.trim().to_owned();
                    validation::max_chars(field, &text, limit)?;
                    Ok((!text.is_empty()).then_some(text))
                })
                .transpose()
        };
    let display_name = input
        .display_name
        .map(|name| validation::display_name("displayName", &name))
        .transpose()?;
    let locale = input
        .locale
        .map(|locale| validation::locale("locale", &locale))
        .transpose()?;
    let time_zone = input
        .time_zone
        .map(|zone| validation::time_zone("timeZone", &zone))
        .transpose()?;
    Ok(ProfileChanges {
        display_name,
        title: optional("title", input.title, Limit::SHORT_TEXT)?,
        department: optional("department", input.department, Limit::SHORT_TEXT)?,
        site: optional("site", input.site, Limit::SHORT_TEXT)?,
        phone: optional("phone", input.phone, Limit::PHONE)?,
        bio: optional("bio", input.bio, Limit::BIO)?,
        locale,
        time_zone,
        avatar_attachment_id: None,
    })
}
