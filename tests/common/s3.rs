//! A real S3-compatible server for the tests: moto's (pinned in tests/s3/requirements.txt, in a
//! virtual environment made once under the cargo tmp dir), one per test on a free port of
//! 127.0.0.1, stopped when the guard drops. The tests look into its buckets over plain HTTP, not
//! through `object_store`, so what they see does not depend on the code under test.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The region moto is asked to pretend to be in (any name works).
const REGION: &str = "eu-west-3";
const STARTUP: Duration = Duration::from_secs(30);

/// A running moto server; killed on drop.
pub struct S3Server {
    pub endpoint: String,
    child: Child,
    http: reqwest::Client,
}

/// One object of a bucket listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub key: String,
    pub size: u64,
}

impl S3Server {
    pub async fn start() -> Self {
        let python = tokio::task::spawn_blocking(|| super::venv::python("s3"))
            .await
            .expect("install moto");
        // The port is free when asked for but could be taken before moto binds it: try again.
        for _ in 0..3 {
            if let Some(server) = Self::try_start(&python).await {
                return server;
            }
        }
        panic!(
            "moto did not start on a free port three times (see moto-*.log in the cargo tmp dir)"
        );
    }

    async fn try_start(python: &Path) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        // moto logs every request: to a file, as an unread pipe would fill up and stall it.
        let log_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("moto's log file");
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start moto");
        let mut server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
            http: reqwest::Client::new(),
        };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                if log.contains("Address already in use") {
                    return None;
                }
                panic!("moto exited with {status} before answering:\n{log}");
            }
            if server.http.get(&server.endpoint).send().await.is_ok() {
                return Some(server);
            }
            assert!(
                started.elapsed() < STARTUP,
                "moto did not answer on {} within {STARTUP:?}",
                server.endpoint
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What a deployment would set as environment variables, passed as `object_store` options
    /// (the same names: `Storage` reads both the same way). moto takes any credentials.
    pub fn storage_options(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "parvis-test"),
            ("AWS_SECRET_ACCESS_KEY", "parvis-test-secret"),
            ("AWS_REGION", REGION),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
    }

    pub async fn create_bucket(&self, bucket: &str) {
        let configuration = format!(
            "<CreateBucketConfiguration><LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>"
        );
        let response = self
            .http
            .put(format!("{}/{bucket}", self.endpoint))
            .body(configuration)
            .send()
            .await
            .expect("create the bucket");
        assert!(
            response.status().is_success(),
            "creating bucket {bucket}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// The objects of `bucket` (at most 1,000, plenty for a test).
    pub async fn objects(&self, bucket: &str) -> Vec<S3Object> {
        let listing = self
            .get_xml(&format!("{}/{bucket}?list-type=2", self.endpoint))
            .await;
        elements(&listing, "Contents")
            .into_iter()
            .map(|contents| S3Object {
                key: elements(contents, "Key")[0].to_owned(),
                size: elements(contents, "Size")[0].parse().expect("a size"),
            })
            .collect()
    }

    /// Multipart uploads begun and neither completed nor aborted.
    pub async fn pending_uploads(&self, bucket: &str) -> usize {
        let listing = self
            .get_xml(&format!("{}/{bucket}?uploads", self.endpoint))
            .await;
        elements(&listing, "Upload").len()
    }

    async fn get_xml(&self, url: &str) -> String {
        let response = self.http.get(url).send().await.expect("ask moto");
        let status = response.status();
        let body = response.text().await.expect("moto's answer");
        assert!(status.is_success(), "GET {url}: {status} {body}");
        body
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The contents of each `<name>...</name>` element of an S3 answer (enough for listings, whose
/// keys here need no unescaping).
fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split_once(close.as_str()).map(|(inner, _)| inner))
        .collect()
}
