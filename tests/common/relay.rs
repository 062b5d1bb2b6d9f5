//! A TCP relay between a server and PostgreSQL that a test can cut and restore, as a database
//! restart or a network failure would: cutting ends every relayed connection and refuses new ones.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::watch;

pub struct DbRelay {
    address: SocketAddr,
    /// True while the database is "down".
    down: Arc<watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
}

/// Where the real server listens.
#[derive(Clone)]
enum Upstream {
    Tcp(String),
    Unix(String),
}

impl DbRelay {
    /// Starts relaying to the server of `url` (TCP or a Unix socket directory in `?host=`).
    pub async fn start(url: &str) -> Self {
        let parsed = parse(url);
        let port = parsed.port().unwrap_or(5432);
        let socket_dir = parsed
            .query_pairs()
            .find(|(name, value)| name == "host" && value.starts_with('/'))
            .map(|(_, value)| value.into_owned());
        let upstream = match socket_dir {
            Some(dir) => Upstream::Unix(format!("{dir}/.s.PGSQL.{port}")),
            None => Upstream::Tcp(format!(
                "{}:{port}",
                parsed.host_str().unwrap_or("127.0.0.1")
            )),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let down = Arc::new(watch::channel(false).0);
        let task = tokio::spawn(accept(listener, upstream, down.clone()));
        Self {
            address,
            down,
            task,
        }
    }

    /// `url` with its server replaced by this relay.
    pub fn url(&self, url: &str) -> String {
        let mut parsed = parse(url);
        let query: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(name, _)| name != "host")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        parsed.set_query(None);
        if !query.is_empty() {
            parsed.query_pairs_mut().extend_pairs(query);
        }
        parsed.set_host(Some("127.0.0.1")).expect("host");
        parsed.set_port(Some(self.address.port())).expect("port");
        parsed.to_string()
    }

    /// The database goes away: open connections break, new ones are refused.
    pub fn cut(&self) {
        self.down.send_replace(true);
    }

    pub fn restore(&self) {
        self.down.send_replace(false);
    }
}

/// A PostgreSQL URL; one with an empty host (a Unix socket directory in `?host=`) gets a
/// placeholder host, which the URL parser requires.
fn parse(url: &str) -> url::Url {
    let url = url
        .replacen("@/", "@localhost/", 1)
        .replacen(":///", "://localhost/", 1);
    url::Url::parse(&url).expect("a database URL")
}

impl Drop for DbRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, upstream: Upstream, down: Arc<watch::Sender<bool>>) {
    while let Ok((client, _)) = listener.accept().await {
        if *down.borrow() {
            continue;
        }
        let (upstream, mut cut) = (upstream.clone(), down.subscribe());
        tokio::spawn(async move {
            tokio::select! {
                _ = relay(client, upstream) => {}
                _ = cut.wait_for(|down| *down) => {}
            }
        });
    }
}

async fn relay(client: TcpStream, upstream: Upstream) {
    match upstream {
        Upstream::Tcp(address) => {
            if let Ok(server) = TcpStream::connect(address).await {
                pipe(client, server).await;
            }
        }
        Upstream::Unix(path) => {
            if let Ok(server) = UnixStream::connect(path).await {
                pipe(client, server).await;
            }
        }
    }
}

async fn pipe(mut client: TcpStream, mut server: impl AsyncRead + AsyncWrite + Unpin) {
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
