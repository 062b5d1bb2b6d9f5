//! Uploads and downloads one large file (1 GiB by default) through a running `parvis serve` and
//! reports the throughput next to `cp` of the same file, and the server's resident memory before,
//! during (peak) and after: streaming must keep it flat.
//!
//! ```sh
//! cargo build --release --examples
//! cargo run --release --example files_bench -- target/release/parvis            # embedded cluster
//! BENCH_MIB=256 cargo run --release --example files_bench -- target/release/parvis
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const MIB: u64 = 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/parvis".into());
    let size_mib: u64 = std::env::var("BENCH_MIB")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1024);
    let work = std::env::temp_dir().join("parvis-files-bench");
    std::fs::create_dir_all(&work)?;
    let source = work.join("source.bin");
    write_file(&source, size_mib).await?;
    let cp_seconds = time_cp(&source, &work.join("copy.bin"))?;

    let data_dir = work.join("data");
    let token = create_user(&binary, &data_dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new(&binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--max-upload-bytes", &(size_mib * MIB + MIB).to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await?;
    let pid = server.id();
    let idle = rss_kib(pid)?;

    let client = reqwest::Client::new();
    let drive =
        graphql(&client, &base, &token, "{ myDrive { id } }").await?["data"]["myDrive"]["id"]
            .clone();
    let started = Instant::now();
    let file = upload(&client, &base, &token, &drive, &source).await?;
    let upload_seconds = started.elapsed().as_secs_f64();
    let after_upload = peak_kib(pid)?;

    let started = Instant::now();
    let downloaded = download(
        &client,
        &token,
        file["downloadUrl"].as_str().ok_or("no url")?,
    )
    .await?;
    let download_seconds = started.elapsed().as_secs_f64();
    let peak = peak_kib(pid)?;
    let _ = server.kill();
    let _ = server.wait();

    let mib = size_mib as f64;
    println!("file: {size_mib} MiB ({} bytes downloaded)", downloaded);
    println!("cp:        {:8.1} MiB/s", mib / cp_seconds);
    println!(
        "upload:    {:8.1} MiB/s ({upload_seconds:.2} s)",
        mib / upload_seconds
    );
    println!(
        "download:  {:8.1} MiB/s ({download_seconds:.2} s)",
        mib / download_seconds
    );
    println!(
        "server RSS: idle {} MiB, peak during upload {} MiB, peak overall {} MiB (+{} MiB)",
        idle / 1024,
        after_upload / 1024,
        peak / 1024,
        peak.saturating_sub(idle) / 1024
    );
    if downloaded != size_mib * MIB {
        return Err("the download is not the size of the upload".into());
    }
    Ok(())
}

async fn write_file(path: &Path, size_mib: u64) -> Result<(), BoxError> {
    if std::fs::metadata(path).is_ok_and(|meta| meta.len() == size_mib * MIB) {
        return Ok(());
    }
    let mut file = tokio::fs::File::create(path).await?;
    let mut block = vec![0u8; MIB as usize];
    let mut state: u64 = 42;
    for _ in 0..size_mib {
        for byte in block.iter_mut() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *byte = (state >> 33) as u8;
        }
        file.write_all(&block).await?;
    }
    file.flush().await?;
    Ok(())
}

fn time_cp(from: &Path, to: &PathBuf) -> Result<f64, BoxError> {
    let started = Instant::now();
    let status = Command::new("cp").arg(from).arg(to).status()?;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::remove_file(to)?;
    if !status.success() {
        return Err("cp failed".into());
    }
    Ok(seconds)
}

fn create_user(binary: &str, data_dir: &Path) -> Result<String, BoxError> {
    let migrated = Command::new(binary)
        .arg("migrate")
        .arg("--data-dir")
        .arg(data_dir)
        .status()?;
    if !migrated.success() {
        return Err("parvis migrate failed".into());
    }
    let name = format!("bench{}", std::process::id());
    let output = Command::new(binary)
        .args(["user", "create", "--name", "Bench", "--username", &name])
        .args(["--email", &format!("{name}@example.com")])
        .arg("--data-dir")
        .arg(data_dir)
        .output()?;
    let stdout = String::from_utf8(output.stdout)?;
    stdout
        .split_whitespace()
        .find(|word| word.starts_with("pvt_"))
        .map(str::to_owned)
        .ok_or_else(|| format!("no token in: {stdout}").into())
}

async fn wait_ready(base: &str) -> Result<(), BoxError> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the server was not ready within 60 s".into())
}

async fn graphql(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
) -> Result<Value, BoxError> {
    Ok(client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await?
        .json()
        .await?)
}

async fn upload(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    drive: &Value,
    path: &Path,
) -> Result<Value, BoxError> {
    let file = tokio::fs::File::open(path).await?;
    let length = file.metadata().await?.len();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
    let operations = json!({
        "query": "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id downloadUrl } } }",
        "variables": { "input": { "driveId": drive, "file": null } }
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(stream),
                length,
            )
            .file_name("big.bin"),
        );
    let response: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .header("graphql-require-preflight", "1")
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    if !response["errors"].is_null() {
        return Err(format!("upload failed: {response}").into());
    }
    Ok(response["data"]["uploadFile"]["file"].clone())
}

async fn download(client: &reqwest::Client, token: &str, url: &str) -> Result<u64, BoxError> {
    let mut stream = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .bytes_stream();
    let mut total = 0;
    while let Some(chunk) = stream.next().await {
        total += chunk?.len() as u64;
    }
    Ok(total)
}

fn status_field(pid: u32, field: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .ok_or_else(|| format!("no {field} for {pid}").into())
}

fn rss_kib(pid: u32) -> Result<u64, BoxError> {
    status_field(pid, "VmRSS:")
}

fn peak_kib(pid: u32) -> Result<u64, BoxError> {
    status_field(pid, "VmHWM:")
}
