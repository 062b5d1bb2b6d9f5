//! A private PostgreSQL cluster under the data directory, used when no `DATABASE_URL` is given.
//!
//! It uses the machine's PostgreSQL server binaries, listens only on a Unix socket inside the data
//! directory, is kept across restarts and is stopped when the process that started it asks.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Gid, Uid, User, chown};
use tokio::process::Command;

const DATABASE: &str = "parvis";
const SUPERUSER: &str = "parvis";
const MISSING_BINARIES: &str = "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found \
     on PATH or in /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt-get install postgresql`) \
     or set DATABASE_URL to an existing PostgreSQL 14 or newer.";
/// Unix socket paths are limited to 107 bytes on Linux, and PostgreSQL appends `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR: usize = 107 - 14;

/// Whether the cluster must survive a machine crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Real data: every commit reaches the disk.
    Durable,
    /// Throwaway data (the test suite): no fsync, much faster DDL and commits.
    Disposable,
}

/// A running embedded cluster, used by this process.
///
/// Every process using the cluster holds a shared lock on `.cluster.users` for as long as it
/// uses it; the last one to leave stops the server (even if it did not start it, say after the
/// starter was killed). Starting and stopping are serialised by `.cluster.lock`.
#[derive(Debug)]
pub struct EmbeddedCluster {
    root: PathBuf,
    bin_dir: PathBuf,
    owner: Option<(Uid, Gid)>,
    usage: Flock<File>,
}

impl EmbeddedCluster {
    /// Initialises the cluster on first use, starts it unless it already runs, and makes sure the
    /// `parvis` database exists. Safe to call from several processes at once.
    pub async fn start(root: &Path, durability: Durability) -> anyhow::Result<Self> {
        let bin_dir = find_server_binaries(
            std::env::var_os("PATH").as_deref(),
            Path::new("/usr/lib/postgresql"),
        )
        .context(MISSING_BINARIES)?;
        fs::create_dir_all(root)
            .with_context(|| format!("creating the data directory {}", root.display()))?;
        let root = root.canonicalize()?;
        let _starting = lock(&root.join(".cluster.lock"), FlockArg::LockExclusive)?;
        let cluster = Self {
            bin_dir,
            owner: server_owner()?,
            usage: lock(&root.join(".cluster.users"), FlockArg::LockShared)?,
            root,
        };
        let socket_dir = cluster.socket_dir();
        if socket_dir.as_os_str().len() > MAX_SOCKET_DIR {
            bail!(
                "the data directory path {} is too long for a Unix socket; choose a shorter --data-dir",
                cluster.root.display()
            );
        }
        // The path goes into a URL and through pg_ctl's shell: keep it to plain characters.
        let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+".contains(c);
        if !socket_dir
            .to_str()
            .is_some_and(|path| path.chars().all(plain))
        {
            bail!(
                "the data directory path {} may only contain letters, digits and / . _ - +",
                cluster.root.display()
            );
        }
        cluster.prepare_directories()?;
        if !cluster.pg_data().join("PG_VERSION").exists() {
            cluster.init_db().await?;
        }
        if !cluster.is_running().await? {
            cluster.start_server(durability).await?;
        }
        cluster.ensure_database().await?;
        Ok(cluster)
    }

    /// A `postgresql://` URL for the `parvis` database over the Unix socket.
    pub fn database_url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// Leaves the cluster; the last process to leave stops it (fast shutdown: open transactions
    /// are rolled back).
    pub async fn leave(self) -> anyhow::Result<()> {
        let _stopping = lock(&self.root.join(".cluster.lock"), FlockArg::LockExclusive)?;
        let mut stop = self.command("pg_ctl");
        stop.args(["stop", "--wait", "--silent", "--mode=fast", "-D"])
            .arg(self.pg_data());
        let file = self
            .usage
            .unlock()
            .map_err(|(_, errno)| anyhow::anyhow!("unlocking the data directory: {errno}"))?;
        if Flock::lock(file, FlockArg::LockExclusiveNonblock).is_err() {
            return Ok(()); // Another process still uses the cluster.
        }
        run(stop, "stopping PostgreSQL").await
    }

    fn url_for(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@/{database}?host={}",
            self.socket_dir().display()
        )
    }

    fn pg_data(&self) -> PathBuf {
        self.root.join("postgres")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    fn prepare_directories(&self) -> anyhow::Result<()> {
        for dir in [self.pg_data(), self.socket_dir()] {
            fs::create_dir_all(&dir)?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
            if let Some((uid, gid)) = self.owner {
                chown(&dir, Some(uid), Some(gid))
                    .with_context(|| format!("giving {} to the postgres user", dir.display()))?;
            }
        }
        Ok(())
    }

    async fn init_db(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.pg_data().display(), "initialising the embedded PostgreSQL cluster");
        let mut command = self.command("initdb");
        command
            .args([
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ])
            .arg(format!("--username={SUPERUSER}"))
            .arg("-D")
            .arg(self.pg_data());
        run(command, "initdb").await
    }

    async fn is_running(&self) -> anyhow::Result<bool> {
        let status = self
            .command("pg_ctl")
            .args(["status", "-D"])
            .arg(self.pg_data())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await?;
        Ok(status.success())
    }

    async fn start_server(&self, durability: Durability) -> anyhow::Result<()> {
        let mut options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700",
            self.socket_dir().display()
        );
        if durability == Durability::Disposable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = self.pg_data().join("server.log");
        let mut command = self.command("pg_ctl");
        command
            .args(["start", "--wait", "--silent", "-D"])
            .arg(self.pg_data())
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(options);
        run(
            command,
            &format!("starting PostgreSQL (log: {})", log.display()),
        )
        .await?;
        tracing::info!(socket = %self.socket_dir().display(), "embedded PostgreSQL started");
        Ok(())
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = AsyncPgConnection::establish(&self.url_for("postgres")).await?;
        let existing: Count =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(DATABASE)
                .get_result(&mut conn)
                .await?;
        if existing.n == 0 {
            diesel::sql_query(format!("CREATE DATABASE {DATABASE}"))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        // Its own process group: a Ctrl-C meant for Parvis must not kill the database mid-shutdown.
        command.kill_on_drop(false).process_group(0);
        if let Some((uid, gid)) = self.owner {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }
}

fn lock(path: &Path, kind: FlockArg) -> anyhow::Result<Flock<File>> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    Flock::lock(file, kind)
        .map_err(|(_, errno)| anyhow::anyhow!("locking {}: {errno}", path.display()))
}

/// Runs a PostgreSQL tool to completion; its stderr explains a failure.
async fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    // pg_ctl waits for the server's stdout to close; never let it inherit ours.
    let output = command.stdin(Stdio::null()).output().await?;
    if !output.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// PostgreSQL refuses to run as root; when we are root, the cluster belongs to the `postgres` user.
fn server_owner() -> anyhow::Result<Option<(Uid, Gid)>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let user = User::from_name("postgres")?.context(
        "PostgreSQL cannot run as root and there is no `postgres` user: run Parvis as another user or set DATABASE_URL",
    )?;
    Ok(Some((user.uid, user.gid)))
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the first on `search_path`, else the
/// newest `<lib_root>/<version>/bin` (Debian's layout).
fn find_server_binaries(search_path: Option<&OsStr>, lib_root: &Path) -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let on_path = search_path
        .into_iter()
        .flat_map(|paths| std::env::split_paths(paths).collect::<Vec<_>>())
        .find(|dir| has_all(dir));
    on_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(lib_root)
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .filter(|(_, bin)| has_all(bin))
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_bin(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        for name in ["initdb", "pg_ctl", "postgres"] {
            fs::write(dir.join(name), "").unwrap();
        }
    }

    #[test]
    fn finds_the_newest_debian_version_when_path_has_none() {
        let root = std::env::temp_dir().join(format!("parvis-bins-{}", uuid::Uuid::new_v4()));
        fake_bin(&root.join("lib/14/bin"));
        fake_bin(&root.join("lib/16/bin"));
        let path = std::env::join_paths([root.join("empty")]).unwrap();
        let found = find_server_binaries(Some(&path), &root.join("lib"));
        assert_eq!(found, Some(root.join("lib/16/bin")));
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn finds_nothing_without_server_binaries() {
        let root = std::env::temp_dir().join(format!("parvis-bins-{}", uuid::Uuid::new_v4()));
        let path = std::env::join_paths([root.join("bin")]).unwrap();
        assert_eq!(find_server_binaries(Some(&path), &root.join("lib")), None);
    }
}
