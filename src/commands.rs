//! The `parvis` subcommands.

use std::io::Read;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::App;
use crate::config::{
    AppConfig, Cli, Command, CreateUserArgs, DatabaseArgs, FileConfig, ServeArgs, UserCommand,
};
use crate::db::embedded::{Durability, EmbeddedCluster};
use crate::db::{self, DbSettings};
use crate::error::ApiError;
use crate::users::{NewUser, OrgRole, model as users};
use crate::{auth, demo, validation};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database = &cli.database;
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Serve(args) => serve(database, args).await,
        Command::Migrate => {
            on_migrated_database(database, async |_, applied| {
                match applied {
                    0 => println!("No pending migrations."),
                    count => println!("{} applied.", counted(count, "migration", "migrations")),
                }
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Create(args)) => {
            // What was typed is checked before the database is touched.
            let user = new_user(args)?;
            on_migrated_database(database, async |settings, _| {
                create_user(settings, &user).await
            })
            .await
        }
        Command::SeedDemo => {
            let storage_url = storage_url(database, None)?;
            on_migrated_database(database, async |settings, _| {
                seed_demo(settings, &storage_url).await
            })
            .await
        }
    }
}

/// Runs `command` on the database once it is migrated (a new database too: every command needs
/// the current schema), telling it how many migrations were applied; then leaves the database.
async fn on_migrated_database(
    args: &DatabaseArgs,
    command: impl AsyncFnOnce(&DbSettings, usize) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let database = Database::open(args).await?;
    let result = match migrate(&database.settings).await {
        Ok(applied) => command(&database.settings, applied).await,
        Err(error) => Err(error),
    };
    database.close().await;
    result
}

/// The database a command uses: `DATABASE_URL`, or the embedded cluster under the data directory.
struct Database {
    settings: DbSettings,
    cluster: Option<EmbeddedCluster>,
}

impl Database {
    async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        let (url, cluster) = match &args.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let cluster = EmbeddedCluster::start(&args.data_dir, Durability::Durable).await?;
                (cluster.database_url(), Some(cluster))
            }
        };
        let mut settings = DbSettings::new(url);
        settings.pool_size = args.db_pool_size;
        settings.statement_timeout = std::time::Duration::from_millis(args.db_statement_timeout_ms);
        Ok(Self { settings, cluster })
    }

    /// Leaves the embedded cluster, which stops when no other process uses it.
    async fn close(self) {
        if let Some(cluster) = self.cluster
            && let Err(error) = cluster.leave().await
        {
            tracing::warn!(%error, "stopping the embedded PostgreSQL cluster");
        }
    }
}

async fn migrate(settings: &DbSettings) -> anyhow::Result<usize> {
    let conn = settings
        .connect()
        .await
        .context("connecting to the database")?;
    db::run_migrations(conn).await
}

async fn serve(database_args: &DatabaseArgs, args: ServeArgs) -> anyhow::Result<()> {
    if args.smtp.smtp_host.is_some() && args.public_url.is_none() {
        anyhow::bail!(
            "--smtp-host needs --public-url (PARVIS_PUBLIC_URL): the links in emails must point at \
             the address people use, not at whichever instance happens to send them"
        );
    }
    let file = match &args.config_file {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    on_migrated_database(database_args, async |settings, applied| {
        if applied > 0 {
            tracing::info!(applied, "migrations applied");
        }
        if args.demo {
            let mut conn = settings.connect().await?;
            if users::count_all(&mut conn).await.map_err(api_error)? == 0 {
                seed_demo(
                    settings,
                    &storage_url(database_args, args.storage_url.as_deref())?,
                )
                .await?;
            }
        }
        let mut config = AppConfig::for_address(args.listen);
        config.body_limit = args.body_limit;
        config.cors_allowed_origins = args.cors_allowed_origins;
        config.auth = file.auth;
        config.storage_url = storage_url(database_args, args.storage_url.as_deref())?;
        config.uploads.max_file_bytes = args.max_upload_bytes;
        config.activity_capture = args.activity_capture;
        config.credential_cache_lifetime =
            std::time::Duration::from_secs(args.credential_cache_seconds);
        config.demo = args.demo;
        config.trusted_documents = args
            .trusted_documents
            .as_deref()
            .map(crate::graphql::persisted::TrustedDocuments::load)
            .transpose()?;
        config.smtp = args.smtp.settings();
        config.sso = file.oidc;
        if let Some(public_url) = args.public_url {
            config.public_url = public_url.trim_end_matches('/').to_owned();
        }
        config.web_app_url = args
            .web_app_url
            .map(|url| url.trim_end_matches('/').to_owned());
        let public_url = config.public_url.clone();
        let app = App::build(config, settings.clone()).await?;
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(address = %args.listen, "Parvis is ready");
        println!("Parvis is listening on http://{}", args.listen);
        println!("GraphiQL: {public_url}/graphiql   API: {public_url}/graphql");
        app.serve(listener, shutdown_requested()).await
    })
    .await
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_requested() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The account `parvis user create` asks for, checked (the password read and hashed).
fn new_user(args: CreateUserArgs) -> anyhow::Result<NewUser> {
    let password = if args.password_stdin {
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password)?;
        let password = password.trim_end_matches(['\n', '\r']).to_owned();
        auth::password::validate(&password).map_err(api_error)?;
        Some(password)
    } else {
        None
    };
    let email = args
        .email
        .as_deref()
        .map(|email| validation::email("--email", email))
        .transpose()
        .map_err(api_error)?;
    let username = match (&args.username, &email) {
        (Some(username), _) => username.clone(),
        (None, Some(email)) => email.split('@').next().unwrap_or_default().to_owned(),
        (None, None) => anyhow::bail!("give --username or --email"),
    };
    let mut user = NewUser::new(
        validation::username("--username", &username).map_err(api_error)?,
        validation::display_name("--name", &args.name).map_err(api_error)?,
    );
    user.email = email;
    if args.admin {
        user.org_role = OrgRole::Admin;
    }
    if let Some(password) = password {
        user.password_hash = Some(auth::password::hash(&password).map_err(api_error)?);
    }
    Ok(user)
}

async fn create_user(settings: &DbSettings, user: &NewUser) -> anyhow::Result<()> {
    let mut conn = settings.connect().await?;
    let user = users::insert(&mut conn, user).await.map_err(api_error)?;
    let (_, secret) =
        auth::access_tokens::create(&mut conn, user.id, "Created by parvis user create", None)
            .await
            .map_err(api_error)?;
    eprintln!("Created {} ({}).", user.display_name, user.username);
    eprintln!("Personal access token (shown once; send it as `Authorization: Bearer <token>`):");
    println!("{secret}");
    Ok(())
}

async fn seed_demo(settings: &DbSettings, storage_url: &str) -> anyhow::Result<()> {
    let mut conn = settings.connect().await?;
    let storage = crate::files::storage::Storage::open(storage_url)?;
    let seeded = demo::seed(&mut conn, &storage).await.map_err(api_error)?;
    println!(
        "Demo organization loaded: {}, {}, {}, {}, {}, {}, {} and {} added.",
        counted(seeded.people, "person", "people"),
        counted(seeded.groups, "group", "groups"),
        counted(seeded.posts, "post", "posts"),
        counted(seeded.events, "event", "events"),
        counted(seeded.files, "file", "files"),
        counted(seeded.conversations, "conversation", "conversations"),
        counted(seeded.surveys, "survey", "surveys"),
        counted(seeded.activities, "activity", "activities")
    );
    Ok(())
}

/// The storage URL given, else `<data dir>/files`.
fn storage_url(database: &DatabaseArgs, explicit: Option<&str>) -> anyhow::Result<String> {
    Ok(match explicit {
        Some(url) => url.to_owned(),
        None => {
            let dir = std::path::absolute(database.data_dir.join("files"))?;
            format!("file://{}", dir.display())
        }
    })
}

/// `count` and the noun that goes with it: "1 survey", "2 surveys", "0 surveys".
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn api_error(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Internal(cause) => anyhow::anyhow!("{cause:#}"),
        other => anyhow::anyhow!(other.message()),
    }
}
