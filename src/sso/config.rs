//! OpenID providers as the configuration file describes them (`[[oidc.providers]]`).

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::groups::GroupRole;
use crate::users::OrgRole;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoConfig {
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Appears in URLs: `/auth/{id}/login`. Lowercase letters, digits and `-`.
    pub id: String,
    /// The label of the sign-in button.
    pub name: String,
    /// The issuer identifier; discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Also read from `PARVIS_OIDC_<ID>_CLIENT_SECRET` (which wins), so the file can stay free
    /// of secrets.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Email domains whose people may enter; empty lets everyone the provider vouches for in.
    #[serde(default)]
    pub allowed_email_domains: Vec<String>,
    /// The audience (`aud`) of the provider's JWT access tokens meant for this API. Without it,
    /// the provider's access tokens are not accepted as bearer tokens.
    #[serde(default)]
    pub api_audience: Option<String>,
    /// Create the account on first sign-in (just in time).
    #[serde(default = "enabled")]
    pub jit_provisioning: bool,
    /// Link a first sign-in to an existing account with the same email, when the provider says
    /// the email is verified. Off unless an admin turns it on: with it, whoever controls the
    /// provider's account controls the local one.
    #[serde(default)]
    pub link_existing_accounts: bool,
    #[serde(default)]
    pub claims: ClaimNames,
    /// Groups governed by the provider: membership (and its role) follows the groups claim at each
    /// sign-in.
    #[serde(default)]
    pub group_sync: Vec<GroupSyncRule>,
    /// Organization roles given by the groups claim at each sign-in; the first matching rule wins,
    /// and with rules but no match the person is a member.
    #[serde(default)]
    pub role_sync: Vec<RoleSyncRule>,
}

/// Which claims hold which profile fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimNames {
    pub email: String,
    pub name: String,
    pub picture: String,
    pub locale: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    /// A list of strings (or one string) naming the person's groups or roles.
    pub groups: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            email: "email".into(),
            name: "name".into(),
            picture: "picture".into(),
            locale: "locale".into(),
            title: None,
            department: None,
            site: None,
            groups: "groups".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSyncRule {
    /// A value of the groups claim.
    pub claim_value: String,
    /// The slug of the Parvis group.
    pub group: String,
    #[serde(default = "member_role")]
    pub role: GroupRole,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSyncRule {
    pub claim_value: String,
    pub org_role: OrgRole,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

fn enabled() -> bool {
    true
}

fn member_role() -> GroupRole {
    GroupRole::Member
}

impl SsoConfig {
    /// Checks the providers and fills client secrets from the environment.
    pub fn resolve(mut self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut ids = BTreeSet::new();
        for provider in &mut self.providers {
            provider.check()?;
            anyhow::ensure!(
                ids.insert(provider.id.clone()),
                "oidc provider id {:?} is used twice",
                provider.id
            );
            if let Some(secret) = env(&provider.secret_variable()) {
                provider.client_secret = Some(secret);
            }
        }
        Ok(self)
    }
}

impl ProviderConfig {
    /// `PARVIS_OIDC_<ID>_CLIENT_SECRET`, the id upper-cased with `-` as `_`.
    pub fn secret_variable(&self) -> String {
        format!(
            "PARVIS_OIDC_{}_CLIENT_SECRET",
            self.id.to_uppercase().replace('-', "_")
        )
    }

    fn check(&mut self) -> anyhow::Result<()> {
        let valid_id = !self.id.is_empty()
            && self.id.len() <= 40
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        anyhow::ensure!(
            valid_id,
            "oidc provider id {:?} must be 1 to 40 lowercase letters, digits or '-'",
            self.id
        );
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|error| anyhow::anyhow!("oidc provider {}: issuer: {error}", self.id))?;
        anyhow::ensure!(
            matches!(issuer.scheme(), "https" | "http"),
            "oidc provider {}: the issuer must be an https URL",
            self.id
        );
        if !self.scopes.iter().any(|scope| scope == "openid") {
            self.scopes.insert(0, "openid".into());
        }
        for domain in &mut self.allowed_email_domains {
            *domain = domain.trim().trim_start_matches('@').to_lowercase();
        }
        Ok(())
    }

    /// Whether `email` is in one of the allowed domains (any email when none are configured).
    pub fn allows_email(&self, email: Option<&str>) -> bool {
        if self.allowed_email_domains.is_empty() {
            return true;
        }
        let Some((_, domain)) = email.and_then(|email| email.rsplit_once('@')) else {
            return false;
        };
        let domain = domain.to_lowercase();
        self.allowed_email_domains.contains(&domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<SsoConfig> {
        let config: SsoConfig = toml::from_str(text)?;
        config.resolve(|name| {
            (name == "PARVIS_OIDC_CORP_SSO_CLIENT_SECRET").then(|| "from-env".to_owned())
        })
    }

    #[test]
    fn a_provider_reads_its_secret_from_the_environment() {
        let config = parse(
            r#"[[providers]]
               id = "corp-sso"
               name = "Corp"
               issuer = "https://login.example.com"
               client_id = "parvis"
               client_secret = "from-file"
               scopes = ["email"]
               allowed_email_domains = ["@Example.com"]"#,
        )
        .unwrap();
        let provider = &config.providers[0];
        assert_eq!(provider.client_secret.as_deref(), Some("from-env"));
        assert_eq!(provider.scopes, ["openid", "email"]);
        assert!(provider.allows_email(Some("anna@EXAMPLE.com")));
        assert!(!provider.allows_email(Some("anna@example.com.evil.test")));
        assert!(!provider.allows_email(None));
    }

    #[test]
    fn ids_must_be_url_safe_and_unique() {
        let provider = |id: &str| {
            format!(
                "[[providers]]\nid = \"{id}\"\nname = \"X\"\nissuer = \"https://x.test\"\nclient_id = \"c\"\n"
            )
        };
        assert!(parse(&provider("Corp/1")).is_err());
        assert!(parse(&format!("{}{}", provider("a"), provider("a"))).is_err());
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(parse("[[providers]]\nid = \"a\"\nname = \"A\"\nissuer = \"https://a.test\"\nclient_id = \"c\"\nclient_secert = \"typo\"").is_err());
    }
}
