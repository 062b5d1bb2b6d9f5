//! The drive on S3-compatible storage: a real S3 server (moto, started by each test) behind
//! `s3://bucket/prefix`, configured with the names a deployment sets in its environment. Files
//! come back byte for byte as from the local store (tests/files.rs), across multipart part
//! boundaries, and what the drive deletes or refuses leaves nothing in the bucket.

mod common;

use std::time::{Duration, Instant};

use common::s3::S3Server;
use common::uploads::noise;
use common::{TestApp, TestUser};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BUCKET: &str = "parvis-drive";
const PREFIX: &str = "intranet/files";
/// `object_store`'s multipart part size in `Storage` (and S3's minimum).
const PART: usize = 5 * 1024 * 1024;

const UPLOAD: &str = "mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id name sizeBytes downloadUrl } } }";

/// Fields drop in order: the app stops before its storage does.
struct S3Drive {
    app: TestApp,
    owner: TestUser,
    drive_id: String,
    s3: S3Server,
}

async fn s3_drive(configure: impl FnOnce(&mut parvis::config::AppConfig)) -> S3Drive {
    let s3 = S3Server::start().await;
    s3.create_bucket(BUCKET).await;
    let options = s3.storage_options();
    let app = TestApp::spawn_configured(|config| {
        config.storage_url = format!("s3://{BUCKET}/{PREFIX}");
        config.storage_options = options;
        config.job_poll_interval = Duration::from_millis(50);
        configure(config);
    })
    .await;
    let owner = app.member("owner").await;
    let response = app
        .graphql(Some(&owner), "{ myDrive { id } }", json!({}))
        .await;
    let drive_id = response["data"]["myDrive"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a drive: {response}"))
        .to_owned();
    S3Drive {
        app,
        owner,
        drive_id,
        s3,
    }
}

async fn send_upload(d: &S3Drive, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let operations = json!({
        "query": UPLOAD,
        "variables": { "input": { "driveId": d.drive_id, "file": null } },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    d.app
        .http
        .post(d.app.url("/graphql"))
        .bearer_auth(&d.owner.token)
        .header("graphql-require-preflight", "1")
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

async fn upload(d: &S3Drive, name: &str, bytes: Vec<u8>) -> Value {
    let body: Value = send_upload(d, name, bytes)
        .await
        .json()
        .await
        .expect("JSON");
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["uploadFile"]["file"].clone()
}

async fn download(d: &S3Drive, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = d.app.http.get(url).bearer_auth(&d.owner.token);
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().await.expect("download")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_larger_than_a_part_round_trips_through_s3_byte_for_byte() {
    let d = s3_drive(|_| {}).await;
    let bytes = noise(7 * 1024 * 1024 + 13);

    let file = upload(&d, "archive.bin", bytes.clone()).await;
    let url = file["downloadUrl"].as_str().unwrap();
    let whole = download(&d, url, None).await;
    // Ten bytes on each side of the first part boundary.
    let across_parts = download(&d, url, Some(&format!("bytes={}-{}", PART - 10, PART + 9))).await;

    assert_eq!(file["sizeBytes"], bytes.len());
    let objects = d.s3.objects(BUCKET).await;
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        objects[0].key.starts_with(&format!("{PREFIX}/")),
        "{objects:?}"
    );
    assert_eq!(objects[0].size, bytes.len() as u64);
    assert_eq!(d.s3.pending_uploads(BUCKET).await, 0);

    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-length"], bytes.len().to_string());
    let downloaded = whole.bytes().await.unwrap();
    assert_eq!(Sha256::digest(&downloaded), Sha256::digest(&bytes));
    assert!(downloaded == bytes, "the bytes differ");

    assert_eq!(across_parts.status(), 206);
    assert_eq!(
        across_parts.headers()["content-range"],
        format!("bytes {}-{}/{}", PART - 10, PART + 9, bytes.len())
    );
    assert_eq!(
        across_parts.bytes().await.unwrap(),
        &bytes[PART - 10..PART + 10]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_is_its_own_object_and_a_permanent_delete_empties_the_bucket() {
    let d = s3_drive(|_| {}).await;
    let bytes = noise(50_000);
    let original = upload(&d, "budget.bin", bytes.clone()).await;

    let copy = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { copyFile(input: { fileId: $id }) { file { id downloadUrl } } }",
            json!({ "id": original["id"] }),
        )
        .await;
    let copy = &copy["data"]["copyFile"]["file"];
    assert_eq!(d.s3.objects(BUCKET).await.len(), 2);
    for file in [&original, copy] {
        let deleted = d
            .app
            .graphql(
                Some(&d.owner),
                "mutation($id: ID!) { deleteFile(input: { fileId: $id, permanently: true }) { deletedFileId } }",
                json!({ "id": file["id"] }),
            )
            .await;
        assert!(deleted["errors"].is_null(), "{deleted}");
        if file == &original {
            let survivor = download(&d, copy["downloadUrl"].as_str().unwrap(), None).await;
            assert_eq!(survivor.bytes().await.unwrap(), bytes);
        }
    }

    // The sweeper job removes the objects after the rows: wait for it, within bounds.
    let started = Instant::now();
    let mut objects = d.s3.objects(BUCKET).await;
    while !objects.is_empty() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        objects = d.s3.objects(BUCKET).await;
    }
    assert_eq!(objects, []);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_over_the_limit_leaves_no_object_and_no_pending_upload() {
    let d = s3_drive(|config| config.uploads.max_file_bytes = 6 * 1024 * 1024).await;

    let response = send_upload(&d, "trop-gros.bin", noise(7 * 1024 * 1024)).await;

    assert_eq!(response.status(), 413);
    assert_eq!(d.s3.objects(BUCKET).await, []);
    assert_eq!(d.s3.pending_uploads(BUCKET).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_staging_sweep_aborts_uploads_an_interrupted_process_left_incomplete() {
    use futures::StreamExt;
    use std::collections::HashSet;
    use std::time::SystemTime;
    let d = s3_drive(|_| {}).await;
    let storage = &d.app.app.services.storage;
    // One part sent, then nothing more: the upload is under way when its process "dies".
    let body =
        futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(noise(PART + 1)))])
            .chain(futures::stream::pending());
    let interrupted = tokio::time::timeout(
        Duration::from_secs(2),
        storage.put_stream("objects/interrupted", body, u64::MAX),
    )
    .await;
    assert!(interrupted.is_err(), "the upload was still under way");
    assert_eq!(d.s3.pending_uploads(BUCKET).await, 1);

    // Which uploads are old enough is decided by their `Initiated` time, which moto does not
    // report truly; that rule is tested on the local store (tests/files.rs).
    let later = SystemTime::now() + Duration::from_secs(60);
    let being_written = HashSet::from(["objects/interrupted".to_owned()]);
    assert_eq!(
        storage.sweep_staging(later, &being_written).await.unwrap(),
        0
    );
    assert_eq!(
        d.s3.pending_uploads(BUCKET).await,
        1,
        "an upload under way stays"
    );
    assert_eq!(
        storage.sweep_staging(later, &HashSet::new()).await.unwrap(),
        1
    );
    assert_eq!(d.s3.pending_uploads(BUCKET).await, 0);
}
