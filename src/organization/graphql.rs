//! `organization { name branding { ... } }` for everyone (signed in or not), its settings for
//! admins, and `updateOrganization`.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use diesel_async::AsyncConnection;

use super::model::{self, Organization, OrganizationChanges};
use crate::attachments::service as attachments;
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::policy::{self, Action, Resource};
use crate::validation::{self, Limit};

pub const TYPE_NAME: &str = "Organization";
const LOGO_FIELD: &str = "logoAttachmentId";
const FAVICON_FIELD: &str = "faviconAttachmentId";
const MAX_DOMAINS: usize = 50;
const LOGIN_MESSAGE_LIMIT: usize = 1_000;

/// The organization this server runs for.
#[Object(name = "Organization")]
impl Organization {
    /// The organization's name, as page titles and emails show it.
    async fn name(&self) -> &str {
        &self.name
    }
    /// What login pages, apps and emails theme themselves with; public.
    async fn branding(&self) -> Branding<'_> {
        Branding(self)
    }
    /// Admins only (FORBIDDEN for others).
    async fn settings(&self, ctx: &Context<'_>) -> ApiResult<OrganizationSettings> {
        ctx.require_admin()?;
        Ok(OrganizationSettings {
            allowed_email_domains: self.allowed_domains().map(str::to_owned).collect(),
            time_zone: self.time_zone.clone(),
            activity_retention_days: self.activity_retention_days,
            message_retention_days: self.message_retention_days,
        })
    }
    /// Whether the viewer is an org admin (false when signed out).
    async fn viewer_can_administer(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().is_ok_and(|viewer| {
            policy::can(viewer, Action::Administer, Resource::Organization).allowed()
        })
    }
}

pub struct Branding<'a>(&'a Organization);

/// How the organization's pages, apps and emails look; readable without signing in.
#[Object]
impl Branding<'_> {
    /// The logo (`GET`, no sign-in needed); null for none.
    async fn logo_url(&self, ctx: &Context<'_>) -> Option<String> {
        let id = self.0.logo_attachment_id?;
        Some(super::branding::url(ctx.services(), "logo", id))
    }
    /// The favicon (`GET`, no sign-in needed); null for none.
    async fn favicon_url(&self, ctx: &Context<'_>) -> Option<String> {
        let id = self.0.favicon_attachment_id?;
        Some(super::branding::url(ctx.services(), "favicon", id))
    }
    /// `#rrggbb`.
    async fn primary_color(&self) -> &str {
        &self.0.primary_color
    }
    /// `#rrggbb`.
    async fn accent_color(&self) -> &str {
        &self.0.accent_color
    }
    /// Markdown source shown on the sign-in page; null for none.
    async fn login_message(&self) -> Option<&str> {
        self.0.login_message.as_deref()
    }
    /// The sign-in message rendered to sanitized HTML (no scripts, event handlers or unsafe
    /// links); null for none.
    async fn login_message_html(&self) -> Option<String> {
        self.0
            .login_message
            .as_deref()
            .map(crate::markdown::to_safe_html)
    }
}

/// The organization's settings, for admins.
#[derive(SimpleObject)]
pub struct OrganizationSettings {
    /// Lower-case domains whose people may get an account through SSO; empty lets all in.
    pub allowed_email_domains: Vec<String>,
    /// The IANA zone analytics count days in.
    pub time_zone: String,
    /// Raw activity older than this is deleted; daily rollups stay.
    pub activity_retention_days: i32,
    /// Chat messages older than this many days are deleted (hourly, by the job queue); null
    /// keeps them.
    pub message_retention_days: Option<i32>,
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// The organization's name and branding; answered without sign-in.
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        let mut conn = ctx.conn().await?;
        model::get(&mut conn).await
    }
}

/// What to change in the organization; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// 1 to 100 characters, trimmed.
    pub name: Option<String>,
    /// An image from `uploadAttachment`; null removes it.
    pub logo_attachment_id: MaybeUndefined<ID>,
    /// An image from `uploadAttachment` as the favicon; null removes it.
    pub favicon_attachment_id: MaybeUndefined<ID>,
    /// `#rrggbb`.
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// Markdown, up to 1,000 characters; an empty string removes it.
    pub login_message: Option<String>,
    /// Replaces the list (at most 50 domain names such as `example.com`); an empty list lets
    /// everyone in.
    pub allowed_email_domains: Option<Vec<String>>,
    /// An IANA zone such as "Europe/Paris"; changing it recounts the analytics days still kept.
    pub time_zone: Option<String>,
    /// How many days of raw activity to keep, 30 to 3650.
    pub activity_retention_days: Option<i32>,
    /// How many days chat messages are kept, 1 to 36500; null keeps them for ever.
    pub message_retention_days: MaybeUndefined<i32>,
}

/// The organization after `updateOrganization`.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The organization, with its new name, branding and settings.
    pub organization: Organization,
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Changes the organization's name, branding and settings (admins).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change in the organization.")] input: UpdateOrganizationInput,
    ) -> ApiResult<UpdateOrganizationPayload> {
        ctx.require_admin()?;
        let audit = Audit::of(ctx)?;
        let viewer = ctx.viewer()?.id();
        let logo = attachments::parse_image_id(&input.logo_attachment_id, LOGO_FIELD)?;
        let favicon = attachments::parse_image_id(&input.favicon_attachment_id, FAVICON_FIELD)?;
        let changes = changes(input)?;
        let mut conn = ctx.conn().await?;
        let organization = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let before = model::lock(conn).await?;
                let current_logo = before.logo_attachment_id;
                let current_favicon = before.favicon_attachment_id;
                let changes = OrganizationChanges {
                    logo_attachment_id: attachments::claim_new_image(
                        conn,
                        current_logo,
                        logo,
                        viewer,
                        LOGO_FIELD,
                    )
                    .await?,
                    favicon_attachment_id: attachments::claim_new_image(
                        conn,
                        current_favicon,
                        favicon,
                        viewer,
                        FAVICON_FIELD,
                    )
                    .await?,
                    ..changes
                };
                if changes.is_empty() {
                    return Ok(before);
                }
                let after = model::update(conn, &changes).await?;
                if changes.logo_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, current_logo).await?;
                }
                if changes.favicon_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, current_favicon).await?;
                }
                let change = Change::of(TYPE_NAME, uuid::Uuid::nil())
                    .before(&before)?
                    .after(&after)?;
                audit.record(conn, change).await?;
                if after.time_zone != before.time_zone {
                    // The organization's days moved: count the activity still kept again.
                    crate::analytics::rollup::rebuild(conn).await?;
                }
                Ok(after)
            })
            .await?;
        Ok(UpdateOrganizationPayload { organization })
    }
}

fn changes(input: UpdateOrganizationInput) -> ApiResult<OrganizationChanges> {
    let login_message = input
        .login_message
        .map(|text| {
            let text = text.trim().to_owned();
            validation::max_chars("loginMessage", &text, LOGIN_MESSAGE_LIMIT)?;
            Ok::<_, ApiError>((!text.is_empty()).then_some(text))
        })
        .transpose()?;
    let name = input
        .name
        .map(|name| validation::display_name("name", &name))
        .transpose()?;
    if let Some(name) = &name {
        validation::max_chars("name", name, Limit::NAME)?;
    }
    let retention = input.activity_retention_days;
    if retention.is_some_and(|days| !(30..=3650).contains(&days)) {
        return Err(ApiError::bad_input(
            "activityRetentionDays",
            "must be between 30 and 3650",
        ));
    }
    Ok(OrganizationChanges {
        name,
        logo_attachment_id: None,
        favicon_attachment_id: None,
        primary_color: input
            .primary_color
            .map(|color| colour("primaryColor", &color))
            .transpose()?,
        accent_color: input
            .accent_color
            .map(|color| colour("accentColor", &color))
            .transpose()?,
        login_message,
        allowed_email_domains: input
            .allowed_email_domains
            .map(|domains| email_domains(&domains).map(|list| list.into_iter().map(Some).collect()))
            .transpose()?,
        time_zone: input
            .time_zone
            .map(|zone| validation::time_zone("timeZone", &zone))
            .transpose()?,
        activity_retention_days: retention,
        message_retention_days: message_retention(input.message_retention_days)?,
    })
}

/// The days chat messages are kept: null for ever, else 1 to 36500.
fn message_retention(days: MaybeUndefined<i32>) -> ApiResult<Option<Option<i32>>> {
    match days {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(days) if (1..=36500).contains(&days) => Ok(Some(Some(days))),
        MaybeUndefined::Value(_) => Err(ApiError::bad_input(
            "messageRetentionDays",
            "must be between 1 and 36500 (null keeps messages for ever)",
        )),
    }
}

/// `#rrggbb` (lower-cased).
fn colour(field: &str, value: &str) -> ApiResult<String> {
    let value = value.trim().to_lowercase();
    let valid = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if valid {
        Ok(value)
    } else {
        Err(ApiError::bad_input(field, "must be a colour like #1f4e8c"))
    }
}

/// Domain names, lower-cased, without a leading `@`, each listed once.
fn email_domains(domains: &[String]) -> ApiResult<Vec<String>> {
    const FIELD: &str = "allowedEmailDomains";
    if domains.len() > MAX_DOMAINS {
        return Err(ApiError::bad_input(
            FIELD,
            format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(domains.len());
    for domain in domains {
        let domain = domain.trim().trim_start_matches('@').to_lowercase();
        let labels_valid = domain.split('.').count() >= 2
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !labels_valid || domain.len() > 253 {
            return Err(ApiError::bad_input(
                FIELD,
                format!("{domain:?} is not a domain name such as example.com"),
            ));
        }
        if !cleaned.contains(&domain) {
            cleaned.push(domain);
        }
    }
    Ok(cleaned)
}
