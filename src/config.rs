//! Command-line flags, each also readable from the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::email::{SmtpSettings, SmtpTls};
use crate::sso::SsoConfig;
use crate::telemetry::OtlpSettings;

#[derive(Debug, Parser)]
#[command(
    name = "parvis",
    version,
    about = "Parvis: the intranet people actually use"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once at start; boxing the serve flags buys nothing
pub enum Command {
    /// Run the server (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load the demo organization (people, departments, sites).
    SeedDemo,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a local account and print a new personal access token once.
    Create(CreateUserArgs),
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub name: String,
    /// Defaults to the part of the email before `@`.
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub admin: bool,
    /// Read a password for sign-in from standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL to use; without it an embedded cluster runs under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where Parvis keeps its files (and the embedded PostgreSQL cluster).
    #[arg(
        long,
        env = "PARVIS_DATA_DIR",
        default_value = "./parvis-data",
        global = true
    )]
    pub data_dir: PathBuf,
    #[arg(long, env = "PARVIS_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: usize,
    /// Per-statement timeout on every database connection, in milliseconds.
    #[arg(
        long,
        env = "PARVIS_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "PARVIS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The URL people use to reach this server (cookies are `Secure` when it is https).
    #[arg(long, env = "PARVIS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The company's front end, where links in emails lead: `{url}/posts/{postId}`,
    /// `{url}/events/{eventId}` (global IDs) and `{url}` itself; the public URL when unset.
    #[arg(long, env = "PARVIS_WEB_APP_URL")]
    pub web_app_url: Option<String>,
    /// Load the demo organization on first start when the database is empty.
    #[arg(long, env = "PARVIS_DEMO")]
    pub demo: bool,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "PARVIS_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// Other origins whose web apps may call the API with credentials (CORS), e.g.
    /// `https://intranet.example.com`; repeat the flag or separate with commas.
    #[arg(
        long = "cors-allowed-origin",
        env = "PARVIS_CORS_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_allowed_origins: Vec<String>,
    /// A TOML file with the settings too rich for flags (identity providers).
    #[arg(long = "config", env = "PARVIS_CONFIG")]
    pub config_file: Option<PathBuf>,
    /// Where file contents go: `file:///path` or an object store URL such as `s3://bucket/prefix`
    /// (credentials from the usual AWS_* variables); default `<data dir>/files`.
    #[arg(long, env = "PARVIS_STORAGE_URL")]
    pub storage_url: Option<String>,
    /// Largest file one upload may carry, in bytes.
    #[arg(long, env = "PARVIS_MAX_UPLOAD_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// How many seconds an instance trusts a session or token it verified before checking it
    /// in the database again; a revocation or any change to the account ends that at once on
    /// every instance. 0 checks every request.
    #[arg(long, env = "PARVIS_CREDENTIAL_CACHE_SECONDS", default_value_t = 30)]
    pub credential_cache_seconds: u64,
    /// Record what people do for analytics (`--activity-capture false` turns it off: the
    /// reports then only show what was recorded before).
    #[arg(
        long,
        env = "PARVIS_ACTIVITY_CAPTURE",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub activity_capture: bool,
    /// Production mode for a known front end: a JSON manifest of SHA-256 to document (GraphQL
    /// Code Generator's `persisted-documents.json`, Relay's `persisted_queries.json`); only those
    /// documents run, sent by hash (`extensions.persistedQuery`), except for org admins.
    #[arg(long, env = "PARVIS_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
}

/// Traces for an OpenTelemetry backend. Without `--otlp-endpoint` Parvis makes none.
#[derive(Debug, Clone, Args)]
pub struct TelemetryArgs {
    /// An OpenTelemetry collector's OTLP/HTTP address, e.g. `http://collector:4318`: spans of
    /// requests, GraphQL operations and SQL statements go to `/v1/traces` under it.
    #[arg(long, env = "PARVIS_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<url::Url>,
    /// GraphQL fields that take at least this many milliseconds get a span of their own.
    #[arg(long, env = "PARVIS_OTLP_SLOW_FIELD_MS", default_value_t = 100)]
    pub otlp_slow_field_ms: u64,
}

impl TelemetryArgs {
    pub fn settings(&self) -> Option<OtlpSettings> {
        let endpoint = self.otlp_endpoint.as_ref()?;
        Some(OtlpSettings::new(
            endpoint,
            Duration::from_millis(self.otlp_slow_field_ms),
        ))
    }
}

impl Cli {
    /// Where traces go: only a server exports them (the other commands are over in a moment).
    pub fn otlp(&self) -> Option<OtlpSettings> {
        match &self.command {
            Command::Serve(args) => args.telemetry.settings(),
            _ => None,
        }
    }
}

/// Where emails go. Without `--smtp-host` Parvis sends none (notifications stay in the app).
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// The SMTP server's host name.
    #[arg(long, env = "PARVIS_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Its port; by default 25, 587 or 465 for `--smtp-tls none`, `starttls` or `tls`.
    #[arg(long, env = "PARVIS_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    #[arg(long, env = "PARVIS_SMTP_TLS", value_enum, default_value = "starttls")]
    pub smtp_tls: SmtpTls,
    #[arg(long, env = "PARVIS_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Better given in the environment than on the command line.
    #[arg(long, env = "PARVIS_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The sender of every email.
    #[arg(
        long,
        env = "PARVIS_MAIL_FROM",
        default_value = "Parvis <parvis@localhost>"
    )]
    pub mail_from: String,
}

impl SmtpArgs {
    pub fn settings(self) -> Option<SmtpSettings> {
        let port = self.smtp_port.unwrap_or(match self.smtp_tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        });
        Some(SmtpSettings {
            host: self.smtp_host?,
            port,
            tls: self.smtp_tls,
            username: self.smtp_username,
            password: self.smtp_password,
            from: self.mail_from,
            timeout: Duration::from_secs(30),
        })
    }
}

/// The configuration file (`--config`): settings too rich for flags.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub auth: AuthSettings,
    #[serde(default)]
    pub oidc: SsoConfig,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Whether people may sign in with a Parvis password (besides single sign-on).
    #[serde(default = "enabled")]
    pub local_accounts: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks such as
    /// `10.0.0.0/8`); loopback by default. Sign-in attempts are counted per client address.
    #[serde(default = "crate::auth::AddressRange::loopback")]
    pub trusted_proxies: Vec<crate::auth::AddressRange>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            local_accounts: true,
            trusted_proxies: crate::auth::AddressRange::loopback(),
        }
    }
}

fn enabled() -> bool {
    true
}

impl FileConfig {
    /// Reads the file; client secrets may come from the environment instead.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        let mut config: Self = toml::from_str(&text)
            .with_context(|| format!("in the configuration file {}", path.display()))?;
        config.oidc = config.oidc.resolve(|name| std::env::var(name).ok())?;
        Ok(config)
    }
}

/// What the running application needs to know, independent of how it was given.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub public_url: String,
    /// The front end links in emails lead to (`--web-app-url`); `None`: this server.
    pub web_app_url: Option<String>,
    pub body_limit: usize,
    pub session_lifetime: Duration,
    /// How long an instance trusts a credential it verified without asking the database again
    /// (changes to the account, its sessions and tokens end that at once); zero: every request.
    pub credential_cache_lifetime: Duration,
    /// How long a WebSocket client has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// How often a signed-in WebSocket connection gets a `ping` (`ka` for the legacy protocol);
    /// a `graphql-transport-ws` client silent for two intervals is closed as dead.
    pub ws_keep_alive: Duration,
    /// How long a frame may wait for a WebSocket client to read it before the client is closed
    /// as a slow consumer.
    pub ws_write_timeout: Duration,
    pub limits: QueryLimits,
    /// Origins besides the public URL's allowed to call with credentials.
    pub cors_allowed_origins: Vec<String>,
    /// How often each instance looks for due jobs.
    pub job_poll_interval: Duration,
    pub auth: AuthSettings,
    pub sso: SsoConfig,
    /// The shortest time between two fetches of a provider's keys prompted by an unknown key id,
    /// so forged tokens cannot make the server hammer the provider.
    pub jwks_refresh_interval: Duration,
    /// Where file contents are stored (an `object_store` URL).
    pub storage_url: String,
    /// `object_store` options for that store (`aws_endpoint`, `aws_access_key_id`, ...) over
    /// those the environment's `AWS_*` / `GOOGLE_*` / `AZURE_*` variables give; empty from the
    /// command line, set by code that embeds the app (the tests point it at their own server).
    pub storage_options: Vec<(String, String)>,
    pub uploads: UploadLimits,
    /// Whether activity is recorded for analytics (off, `ActivityRecorder::record` does nothing).
    pub activity_capture: bool,
    /// The SMTP server emails go through; none sends no email.
    pub smtp: Option<SmtpSettings>,
    /// Runs the demo organization (`--demo`): signed-out clients are told its credentials.
    pub demo: bool,
    /// Trusted-documents mode (`--trusted-documents`): only these documents run, except for
    /// org admins.
    pub trusted_documents: Option<crate::graphql::persisted::TrustedDocuments>,
}

#[derive(Debug, Clone)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_files: usize,
}

impl AppConfig {
    pub fn for_address(listen: SocketAddr) -> Self {
        Self {
            public_url: format!("http://{listen}"),
            web_app_url: None,
            body_limit: 1024 * 1024,
            session_lifetime: Duration::from_secs(30 * 24 * 3600),
            credential_cache_lifetime: Duration::from_secs(30),
            ws_init_timeout: Duration::from_secs(10),
            ws_keep_alive: Duration::from_secs(15),
            ws_write_timeout: Duration::from_secs(10),
            limits: QueryLimits::default(),
            cors_allowed_origins: Vec::new(),
            job_poll_interval: Duration::from_secs(1),
            auth: AuthSettings::default(),
            sso: SsoConfig::default(),
            jwks_refresh_interval: Duration::from_secs(10),
            storage_url: format!(
                "file://{}",
                std::env::temp_dir().join("parvis-files").display()
            ),
            storage_options: Vec::new(),
            uploads: UploadLimits {
                max_file_bytes: 100 * 1024 * 1024,
                max_files: 10,
            },
            activity_capture: true,
            smtp: None,
            demo: false,
            trusted_documents: None,
        }
    }

    /// Where links into the intranet lead (emails, newsletters): the front end when there is one.
    pub fn web_app_url(&self) -> &str {
        self.web_app_url.as_deref().unwrap_or(&self.public_url)
    }

    pub fn cookie_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whether a browser page from `origin` may use the viewer's session cookie.
    pub fn is_trusted_origin(&self, origin: &str) -> bool {
        origin == self.public_url
            || self
                .cors_allowed_origins
                .iter()
                .any(|allowed| allowed == origin)
    }
}

/// Limits on GraphQL documents (graphql-armor's defaults as a reference).
#[derive(Debug, Clone)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_tokens: usize,
    /// Selections (fields, fragments) of a document once its fragment spreads are expanded.
    pub max_selections: u64,
    pub max_batch: usize,
    /// How long one GraphQL operation may run before it is stopped with a TIMEOUT error.
    pub max_execution_time: Duration,
    /// Operations (subscriptions mostly) one WebSocket connection may run at once.
    pub max_operations_per_socket: usize,
    /// Subscriptions one person may hold open at once on one instance, over all connections.
    pub max_subscriptions_per_person: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            // Introspection (GraphiQL's query) needs 13 levels.
            max_depth: 15,
            max_complexity: 5_000,
            max_aliases: 15,
            max_directives: 50,
            max_tokens: 2_000,
            // GraphiQL's introspection query expands to about 300.
            max_selections: 5_000,
            max_batch: 10,
            max_execution_time: Duration::from_secs(15),
            max_operations_per_socket: 100,
            max_subscriptions_per_person: 300,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_file_holds_auth_settings_and_providers() {
        let path = std::env::temp_dir().join(format!("parvis-config-{}.toml", std::process::id()));
        std::fs::write(
            &path,
            r#"[auth]
               local_accounts = false

               [[oidc.providers]]
               id = "keycloak"
               name = "Keycloak"
               issuer = "https://sso.example.com/realms/acme"
               client_id = "parvis"

               [[oidc.providers.group_sync]]
               claim_value = "/engineering"
               group = "engineering"
               role = "manager""#,
        )
        .unwrap();

        let config = FileConfig::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();

        assert!(!config.auth.local_accounts);
        let provider = &config.oidc.providers[0];
        assert_eq!(provider.id, "keycloak");
        assert_eq!(
            provider.group_sync[0].role,
            crate::groups::GroupRole::Manager
        );
    }

    #[test]
    fn a_mistyped_setting_stops_the_server_with_the_file_named() {
        let path = std::env::temp_dir().join(format!("parvis-bad-{}.toml", std::process::id()));
        std::fs::write(&path, "[auth]\nlocal_acounts = false\n").unwrap();

        let error = format!("{:#}", FileConfig::load(&path).unwrap_err());
        std::fs::remove_file(&path).unwrap();

        assert!(error.contains("local_acounts"), "{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
    }
}
