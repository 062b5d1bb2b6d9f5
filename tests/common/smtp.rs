//! A real SMTP server for the tests: aiosmtpd (pinned in tests/smtp/requirements.txt, in a
//! virtual environment made once under the cargo tmp dir) on a port of 127.0.0.1, saving every
//! message it accepts to a directory the tests read. It can be stopped and started again on the
//! same port and directory, to test what happens while it is down.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port of 127.0.0.1 (free when asked; nothing listens on it yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The SMTP server; killed on drop.
pub struct SmtpServer {
    pub port: u16,
    pub directory: PathBuf,
    child: Option<Child>,
}

impl SmtpServer {
    /// A server on a new port saving to a new directory.
    pub async fn start() -> Self {
        let mut server = Self::stopped();
        server.resume().await;
        server
    }

    /// A server that is not running yet on a reserved port (call `resume` to start it).
    pub fn stopped() -> Self {
        let directory = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&directory).expect("the mail directory");
        Self {
            port: free_port(),
            directory,
            child: None,
        }
    }

    /// Starts (again) on the same port and directory; returns once it accepts connections.
    pub async fn resume(&mut self) {
        let python = tokio::task::spawn_blocking(|| super::venv::python("smtp"))
            .await
            .expect("install aiosmtpd");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let child = Command::new(python)
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.directory)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "aiosmtpd did not start on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.directory)
            .expect("the mail directory")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|path| std::fs::read(path).expect("a saved message"))
            .collect()
    }

    /// Waits until at least `count` messages arrived (up to `within`), then returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                started.elapsed() < within,
                "expected {count} emails within {within:?}, got {}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Settings for the app under test, sending here in plain text.
    pub fn settings(&self) -> parvis::email::SmtpSettings {
        parvis::email::SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: parvis::email::SmtpTls::None,
            username: None,
            password: None,
            from: "Parvis <intranet@example.com>".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
