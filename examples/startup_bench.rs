//! Measures how long `parvis serve` takes from process start to `/readyz` answering 200 (with the
//! database already initialised), and the server's resident memory once idle.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example startup_bench -- target/release/parvis            # embedded cluster
//! DATABASE_URL=postgres://... cargo run --release --example startup_bench -- target/release/parvis
//! ```

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/parvis".into());
    let data_dir = std::env::temp_dir().join("parvis-startup-bench");
    // Initialise the database (and the embedded cluster, without DATABASE_URL) before timing.
    let status = Command::new(&binary)
        .arg("migrate")
        .arg("--data-dir")
        .arg(&data_dir)
        .status()?;
    if !status.success() {
        return Err("parvis migrate failed".into());
    }
    let database = if std::env::var_os("DATABASE_URL").is_some() {
        "DATABASE_URL"
    } else {
        "embedded cluster"
    };
    println!("{binary}, {database}, {RUNS} runs");
    let mut startups = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let started = Instant::now();
        let mut server = Command::new(&binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let ready_url = format!("http://127.0.0.1:{port}/readyz");
        loop {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("not ready within 30 s".into());
            }
            if reqwest::get(&ready_url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        startups.push(started.elapsed());
        tokio::time::sleep(Duration::from_secs(2)).await;
        rss.push(resident_kib(server.id())?);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(server.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        server.wait()?;
    }
    startups.sort();
    rss.sort();
    println!(
        "start to ready: median {:?}, max {:?}",
        startups[RUNS / 2],
        startups[RUNS - 1]
    );
    println!(
        "idle RSS: median {} KiB, max {} KiB",
        rss[RUNS / 2],
        rss[RUNS - 1]
    );
    Ok(())
}

fn resident_kib(pid: u32) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmRSS")?.parse()?)
}
