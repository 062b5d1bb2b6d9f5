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
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Serve(args) => serve(&cli.database, args).await,
        command => {
            let database = Database::open(&cli.database).await?;
            let result = match command {
                Command::Migrate => migrate(&database.settings).await.map(|applied| {
                    println!("{applied} migration(s) applied");
                }),
                Command::User(UserCommand::Create(args)) => {
                    create_user(&database.settings, args).await
                }
                Command::SeedDemo => {
                    seed_demo(&database.settings, &storage_url(&cli.database, None)?).await
                }
                Command::Serve(_) | Command::Schema => unreachable!("handled above"),
            };
            database.close().await;
            result
        }
    }
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
    let file = match &args.config_file {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let database = Database::open(database_args).await?;
    let result = async {
        let applied = migrate(&database.settings).await?;
        if applied > 0 {
            tracing::info!(applied, "migrations applied");
        }
        if args.demo {
            let mut conn = database.settings.connect().await?;
            if users::count_all(&mut conn).await.map_err(api_error)? == 0 {
                seed_demo(
                    &database.settings,
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
        config.smtp = args.smtp.settings();
        config.sso = file.oidc;
        if let Some(public_url) = args.public_url {
            config.public_url = public_url.trim_end_matches('/').to_owned();
        }
        let public_url = config.public_url.clone();
        let app = App::build(config, database.settings.clone()).await?;
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(address = %args.listen, "Parvis is ready");
        println!("Parvis is listening on http://{}", args.listen);
        println!("GraphiQL: {public_url}/graphiql   API: {public_url}/graphql");
        app.serve(listener, shutdown_requested()).await
    }
    .await;
    database.close().await;
    result
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

async fn create_user(settings: &DbSettings, args: CreateUserArgs) -> anyhow::Result<()> {
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
    let mut conn = settings.connect().await?;
    let user = users::insert(&mut conn, &user).await.map_err(api_error)?;
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
        "Demo organisation loaded: {} people, {} groups, {} posts, {} events, {} files, {} surveys and {} activities added.",
        seeded.people,
        seeded.groups,
        seeded.posts,
        seeded.events,
        seeded.files,
        seeded.surveys,
        seeded.activities
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

fn api_error(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Internal(cause) => anyhow::anyhow!("{cause:#}"),
        other => anyhow::anyhow!(other.message()),
    }
}
