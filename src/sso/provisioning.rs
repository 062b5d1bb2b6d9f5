//! Accounts from a provider's claims: found by (issuer, subject), created just in time, refreshed
//! at each sign-in, and kept in the groups and roles the provider's groups claim maps to (and in
//! the groups whose membership rules match the department and site it sends).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::provider::Claims;
use super::{ProviderConfig, SsoError};
use crate::db::schema::{user_identities, users};
use crate::groups::model as groups;
use crate::groups::rules as group_rules;
use crate::users::{NewUser, OrgRole, User, model as user_model};
use crate::validation::{self, Limit};

/// The profile a provider vouches for, read through the provider's claim names.
#[derive(Debug, Default)]
struct Profile {
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    preferred_username: Option<String>,
    picture: Option<String>,
    locale: Option<String>,
    title: Option<String>,
    department: Option<String>,
    site: Option<String>,
    groups: Vec<String>,
}

impl Profile {
    fn read(claims: &Claims, provider: &ProviderConfig) -> Self {
        let names = &provider.claims;
        let text = |name: &str, limit: usize| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty() && validation::max_chars(name, text, limit).is_ok())
                .filter(|text| {
                    !text
                        .chars()
                        .any(|c| c.is_control() || validation::is_invisible_format(c))
                })
                .map(str::to_owned)
        };
        let optional = |name: &Option<String>| {
            name.as_deref()
                .and_then(|name| text(name, Limit::SHORT_TEXT))
        };
        Self {
            email: text(&names.email, Limit::EMAIL)
                .and_then(|email| validation::email("email", &email).ok()),
            email_verified: claims.get("email_verified").is_some_and(is_true),
            name: text(&names.name, Limit::NAME),
            preferred_username: text("preferred_username", Limit::EMAIL),
            picture: text(&names.picture, 2_000)
                .filter(|url| url.starts_with("https://") || url.starts_with("http://")),
            locale: text(&names.locale, 35)
                .and_then(|locale| validation::locale("locale", &locale.replace('_', "-")).ok()),
            title: optional(&names.title),
            department: optional(&names.department),
            site: optional(&names.site),
            groups: strings(claims.get(&names.groups)),
        }
    }
}

/// Some providers send booleans as strings.
fn is_true(value: &Value) -> bool {
    value.as_bool() == Some(true) || value.as_str() == Some("true")
}

/// A list claim, or one string.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// How the sign-in may treat a person the provider knows but we do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewcomerPolicy {
    /// Create the account (browser sign-in, or a bearer token with JIT allowed).
    Provision,
    /// Only people who signed in before are accepted.
    KnownOnly,
}

/// The active account for this identity, created or linked as the provider's settings allow, its
/// profile, groups and role refreshed from the claims. Runs in the caller's transaction.
pub async fn sign_in(
    conn: &mut AsyncPgConnection,
    provider: &ProviderConfig,
    issuer: &str,
    subject: &str,
    claims: &Claims,
    newcomers: NewcomerPolicy,
) -> Result<User, SsoError> {
    if subject.is_empty() {
        return Err(SsoError::InvalidIdToken(
            "the subject (sub) is empty".into(),
        ));
    }
    let profile = Profile::read(claims, provider);
    if !provider.allows_email(profile.email.as_deref()) {
        return Err(SsoError::EmailNotAllowed);
    }
    let user = match find_identity(conn, issuer, subject).await? {
        Some(user) => user,
        None if newcomers == NewcomerPolicy::KnownOnly => return Err(SsoError::NoAccount),
        None => {
            let user = match existing_account(conn, provider, &profile).await? {
                Some(user) => user,
                None if provider.jit_provisioning => {
                    // The organization's own list applies to every provider's newcomers.
                    let organization = crate::organization::model::get(conn).await?;
                    if !organization.allows_email(profile.email.as_deref()) {
                        return Err(SsoError::EmailNotAllowed);
                    }
                    create_account(conn, &profile, subject).await?
                }
                None => return Err(SsoError::NoAccount),
            };
            link_identity(conn, user.id, provider, issuer, subject).await?;
            user
        }
    };
    if !user.is_active() {
        return Err(SsoError::Deactivated);
    }
    record_sign_in(conn, issuer, subject, profile.email.as_deref()).await?;
    refresh_profile(conn, &user, &profile).await?;
    sync_groups(conn, provider, user.id, &profile.groups).await?;
    let role = synced_role(provider, &profile.groups);
    if let Some(role) = role.filter(|role| *role != user.org_role) {
        diesel::update(users::table.find(user.id))
            .set(users::org_role.eq(role))
            .execute(conn)
            .await?;
    }
    let refreshed = user_model::find(conn, user.id)
        .await?
        .ok_or(SsoError::NoAccount)?;
    // Groups with membership rules follow the department and site the provider sends.
    if group_rules::moved(&user, &refreshed) {
        group_rules::follow_directory(conn, user.id).await?;
    }
    Ok(refreshed)
}

/// The active person an identity belongs to (bearer tokens: no write per request).
pub async fn find_active_user(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    subject: &str,
) -> crate::error::ApiResult<Option<User>> {
    Ok(user_identities::table
        .inner_join(users::table)
        .filter(user_identities::issuer.eq(issuer))
        .filter(user_identities::subject.eq(subject))
        .filter(users::status.eq(crate::users::UserStatus::Active))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

async fn find_identity(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<User>, SsoError> {
    Ok(user_identities::table
        .inner_join(users::table)
        .filter(user_identities::issuer.eq(issuer))
        .filter(user_identities::subject.eq(subject))
        .select(User::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// A local account with the same email: linked only when an admin allowed it and the provider
/// verified the email; otherwise the person must ask (never taken over by email alone).
async fn existing_account(
    conn: &mut AsyncPgConnection,
    provider: &ProviderConfig,
    profile: &Profile,
) -> Result<Option<User>, SsoError> {
    let Some(email) = &profile.email else {
        return Ok(None);
    };
    let Some(user) = user_model::find_by_email(conn, email).await? else {
        return Ok(None);
    };
    if provider.link_existing_accounts && profile.email_verified {
        Ok(Some(user))
    } else {
        Err(SsoError::AccountExists)
    }
}

async fn create_account(
    conn: &mut AsyncPgConnection,
    profile: &Profile,
    subject: &str,
) -> Result<User, SsoError> {
    let base = username_base(profile, subject);
    let username = free_username(conn, &base).await?;
    let display_name = profile
        .name
        .clone()
        .or_else(|| profile.email.clone())
        .unwrap_or_else(|| username.clone());
    let mut new_user = NewUser::new(username, display_name);
    new_user.email = profile.email.clone();
    Ok(user_model::insert(conn, &new_user).await?)
}

/// A username from the email's local part (or the provider's preferred username, or the subject).
fn username_base(profile: &Profile, subject: &str) -> String {
    let source = profile
        .email
        .as_deref()
        .or(profile.preferred_username.as_deref())
        .map(|text| text.split('@').next().unwrap_or(text))
        .unwrap_or(subject);
    let folded: String = validation::ascii_fold(&source.to_lowercase())
        .chars()
        .take(Limit::USERNAME - 4)
        .collect();
    let trimmed = folded.trim_start_matches('.').to_owned();
    if trimmed.len() >= 2 {
        trimmed
    } else {
        format!("user{trimmed}")
    }
}

/// `base`, or `base2`, `base3`, ... whichever is free, among the first `MAX_USERNAME_TRIES`;
/// past them, a random suffix (a crowd of namesakes cannot make this search endless).
async fn free_username(conn: &mut AsyncPgConnection, base: &str) -> Result<String, SsoError> {
    const MAX_USERNAME_TRIES: usize = 1_000;
    let pattern = base
        .replace('\\', "\\\\")
        .replace('_', "\\_")
        .replace('%', "\\%");
    let taken: Vec<String> = users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(username) LIKE ")
                .bind::<diesel::sql_types::Text, _>(format!("{pattern}%")),
        )
        .select(users::username)
        .load(conn)
        .await?;
    let taken: std::collections::HashSet<String> =
        taken.into_iter().map(|name| name.to_lowercase()).collect();
    Ok((1..=MAX_USERNAME_TRIES)
        .map(|n| {
            if n == 1 {
                base.to_owned()
            } else {
                format!("{base}{n}")
            }
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| {
            let stem: String = base.chars().take(Limit::USERNAME - 9).collect();
            let random = uuid::Uuid::new_v4().simple().to_string();
            format!("{stem}-{}", &random[..8])
        }))
}

async fn link_identity(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    provider: &ProviderConfig,
    issuer: &str,
    subject: &str,
) -> Result<(), SsoError> {
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::id.eq(Uuid::now_v7()),
            user_identities::user_id.eq(user_id),
            user_identities::provider_id.eq(&provider.id),
            user_identities::issuer.eq(issuer),
            user_identities::subject.eq(subject),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn record_sign_in(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    subject: &str,
    email: Option<&str>,
) -> Result<(), SsoError> {
    diesel::update(
        user_identities::table
            .filter(user_identities::issuer.eq(issuer))
            .filter(user_identities::subject.eq(subject)),
    )
    .set((
        user_identities::last_sign_in_at.eq(Utc::now()),
        user_identities::email.eq(email),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// The provider is the source of truth for the fields it sends; fields it does not send stay as
/// the person set them.
async fn refresh_profile(
    conn: &mut AsyncPgConnection,
    user: &User,
    profile: &Profile,
) -> Result<(), SsoError> {
    let changes = SsoProfileChanges {
        email: profile.email.clone(),
        display_name: profile.name.clone(),
        avatar_url: profile.picture.clone(),
        locale: profile.locale.clone(),
        title: profile.title.clone(),
        department: profile.department.clone(),
        site: profile.site.clone(),
    };
    if changes.is_empty() {
        return Ok(());
    }
    diesel::update(users::table.find(user.id))
        .set(&changes)
        .execute(conn)
        .await
        .map_err(|error| match error {
            // The provider's email is another account's: keep ours rather than fail the sign-in.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => SsoError::AccountExists,
            other => crate::error::ApiError::from(other).into(),
        })?;
    Ok(())
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct SsoProfileChanges {
    email: Option<String>,
    display_name: Option<String>,
    avatar_url: Option<String>,
    locale: Option<String>,
    title: Option<String>,
    department: Option<String>,
    site: Option<String>,
}

impl SsoProfileChanges {
    fn is_empty(&self) -> bool {
        [
            &self.email,
            &self.display_name,
            &self.avatar_url,
            &self.locale,
            &self.title,
            &self.department,
            &self.site,
        ]
        .iter()
        .all(|field| field.is_none())
    }
}

/// Groups named in the provider's `group_sync` follow the groups claim: a listed value makes the
/// person a member with the rule's role, an absent one removes them.
async fn sync_groups(
    conn: &mut AsyncPgConnection,
    provider: &ProviderConfig,
    user_id: Uuid,
    claimed: &[String],
) -> Result<(), SsoError> {
    let mut slugs: Vec<&str> = provider
        .group_sync
        .iter()
        .map(|rule| rule.group.as_str())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    for slug in slugs {
        let Some(group) = groups::find_by_slug(conn, slug).await? else {
            tracing::warn!(group = %slug, provider = %provider.id, "group_sync names an unknown group");
            continue;
        };
        let wanted = provider
            .group_sync
            .iter()
            .filter(|rule| rule.group == slug && claimed.contains(&rule.claim_value))
            .map(|rule| rule.role)
            .max_by_key(|role| role.rank());
        let current = groups::member_role(conn, group.id, user_id).await?;
        match (current, wanted) {
            (None, Some(role)) => {
                groups::add_member(conn, group.id, user_id, role).await?;
            }
            (Some(current), Some(role)) if current != role => {
                groups::set_role(conn, group.id, user_id, role).await?;
            }
            (Some(_), None) => {
                groups::remove_member(conn, group.id, user_id).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The organization role the groups claim gives: the first matching rule's, a member when there
/// are rules but none matches, and no change when the provider has no rules.
fn synced_role(provider: &ProviderConfig, claimed: &[String]) -> Option<OrgRole> {
    if provider.role_sync.is_empty() {
        return None;
    }
    Some(
        provider
            .role_sync
            .iter()
            .find(|rule| claimed.contains(&rule.claim_value))
            .map_or(OrgRole::Member, |rule| rule.org_role),
    )
}
