//! The drive: uploads streamed to real files on disk, downloads with ranges and ETags, versions,
//! folders, the trash, quotas, limits and an upload cut off halfway.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::uploads::noise;
use common::{TestApp, TestUser, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

const UPLOAD: &str = "mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id name sizeBytes contentType versionCount downloadUrl } } }";

struct Drive {
    app: TestApp,
    owner: TestUser,
    member: TestUser,
    drive_id: String,
    storage: PathBuf,
}

async fn drive() -> Drive {
    drive_with(|_| {}).await
}

async fn drive_with(configure: impl FnOnce(&mut parvis::config::AppConfig)) -> Drive {
    let storage = std::env::temp_dir().join(format!("parvis-files-test-{}", uuid::Uuid::new_v4()));
    let url = format!("file://{}", storage.display());
    let app = TestApp::spawn_configured(|config| {
        config.storage_url = url;
        config.job_poll_interval = Duration::from_millis(50);
        configure(config);
    })
    .await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app
        .create_group(&owner, "Équipe Lyon", Visibility::Private)
        .await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let response = app
        .graphql(
            Some(&owner),
            "query($id: ID!) { group(id: $id) { drive { id } } }",
            json!({ "id": group.id }),
        )
        .await;
    let drive_id = response["data"]["group"]["drive"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a drive: {response}"))
        .to_owned();
    Drive {
        app,
        owner,
        member,
        drive_id,
        storage,
    }
}

fn multipart(input: Value, name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    let operations = json!({ "query": UPLOAD, "variables": { "input": input } });
    reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        )
}

async fn upload_to(
    app: &TestApp,
    user: &TestUser,
    input: Value,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.http
        .post(app.url("/graphql"))
        .bearer_auth(&user.token)
        .header("graphql-require-preflight", "1")
        .multipart(multipart(input, name, bytes))
        .send()
        .await
        .expect("upload")
}

async fn upload(d: &Drive, name: &str, bytes: Vec<u8>) -> Value {
    let response = upload_to(
        &d.app,
        &d.owner,
        json!({ "driveId": d.drive_id, "file": null }),
        name,
        bytes,
    )
    .await;
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["uploadFile"]["file"].clone()
}

async fn download(
    d: &Drive,
    user: &TestUser,
    url: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = d.app.http.get(url).bearer_auth(&user.token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("download")
}

/// How many objects the storage directory holds (uploads in progress included).
fn stored_objects(storage: &std::path::Path) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| {
                        let path = entry.path();
                        if path.is_dir() { count(&path) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(storage)
}

async fn count(app: &TestApp, table: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().connect().await.unwrap();
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_file_downloads_byte_for_byte() {
    let d = drive().await;
    let bytes = noise(3 * 1024 * 1024 + 17);

    let file = upload(&d, "données.bin", bytes.clone()).await;
    let response = download(&d, &d.member, file["downloadUrl"].as_str().unwrap(), &[]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let downloaded = response.bytes().await.unwrap();
    assert_eq!(Sha256::digest(&downloaded), Sha256::digest(&bytes));
    assert_eq!(file["sizeBytes"], bytes.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_content_type_comes_from_the_bytes_not_the_client() {
    let d = drive().await;
    let png = {
        let image = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]));
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };

    let file = upload(&d, "photo.txt", png).await;

    assert_eq!(file["contentType"], "image/png");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_file_works() {
    let d = drive().await;

    let file = upload(&d, "vide.txt", Vec::new()).await;
    let response = download(&d, &d.owner, file["downloadUrl"].as_str().unwrap(), &[]).await;

    assert_eq!(file["sizeBytes"], 0);
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_already_in_the_folder_gets_a_number() {
    let d = drive().await;
    upload(&d, "Rapport.pdf", b"one".to_vec()).await;

    let second = upload(&d, "rapport.pdf", b"two".to_vec()).await;
    let third = upload(&d, "../../Rapport.pdf", b"three".to_vec()).await;

    assert_eq!(second["name"], "rapport (1).pdf");
    assert_eq!(third["name"], "Rapport (2).pdf");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_at_the_length_limit_already_in_the_folder_gets_a_number_at_once() {
    let d = drive().await;
    let long = format!("{}.pdf", "a".repeat(296));
    let first = upload(&d, &long, b"one".to_vec()).await;

    let second = tokio::time::timeout(Duration::from_secs(10), upload(&d, &long, b"two".to_vec()))
        .await
        .expect("the second upload answers at once");

    assert_eq!(first["name"], format!("{}.pdf", "a".repeat(251)));
    assert_eq!(second["name"], format!("{} (1).pdf", "a".repeat(247)));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_name_loses_its_invisible_formatting() {
    let d = drive().await;

    let file = upload(&d, "evil\u{202E}gnp.exe", b"MZ".to_vec()).await;

    assert_eq!(file["name"], "evilgnp.exe");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typed_name_with_invisible_formatting_is_refused() {
    let d = drive().await;
    let file = upload(&d, "rapport.txt", b"text".to_vec()).await;

    let renamed = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!, $name: String!) { updateFile(input: { fileId: $id, name: $name }) { file { name } } }",
            json!({ "id": file["id"], "name": "evil\u{202E}gnp.exe" }),
        )
        .await;
    let folder = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { name } } }",
            json!({ "input": { "driveId": d.drive_id, "name": "\u{2067}Factures" } }),
        )
        .await;

    for response in [renamed, folder] {
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "name");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_over_the_limit_is_refused_and_leaves_nothing() {
    let d = drive_with(|config| config.uploads.max_file_bytes = 1024 * 1024).await;

    let response = upload_to(
        &d.app,
        &d.owner,
        json!({ "driveId": d.drive_id, "file": null }),
        "gros.bin",
        noise(3 * 1024 * 1024),
    )
    .await;

    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1048576 bytes"),
        "{body}"
    );
    assert_eq!(count(&d.app, "files").await, 0);
    assert_eq!(count(&d.app, "storage_garbage").await, 0);
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multipart_request_without_a_preflight_header_is_refused() {
    let d = drive().await;

    let response = d
        .app
        .http
        .post(d.app.url("/graphql"))
        .bearer_auth(&d.owner.token)
        .multipart(multipart(
            json!({ "driveId": d.drive_id, "file": null }),
            "a.txt",
            b"a".to_vec(),
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_cut_off_halfway_leaves_no_file_no_row_and_no_quota() {
    let d = drive().await;
    let boundary = "parvisboundary";
    let operations = json!({ "query": UPLOAD, "variables": { "input": { "driveId": d.drive_id, "file": null } } });
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.input.file\"]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"coupé.bin\"\r\n\r\n"
    );
    let total = head.len() + 20 * 1024 * 1024;
    let mut socket = tokio::net::TcpStream::connect(d.app.address).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\ngraphql-require-preflight: 1\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n{head}",
        d.app.address, d.owner.token
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(&noise(6 * 1024 * 1024)).await.unwrap();
    socket.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    drop(socket);
    tokio::time::sleep(Duration::from_millis(800)).await;

    assert_eq!(count(&d.app, "files").await, 0);
    assert_eq!(count(&d.app, "storage_garbage").await, 0);
    assert_eq!(count(&d.app, "drives WHERE used_bytes > 0").await, 0);
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn ranges_etags_and_malformed_ranges() {
    let d = drive().await;
    let bytes = noise(100_000);
    let file = upload(&d, "data.bin", bytes.clone()).await;
    let url = file["downloadUrl"].as_str().unwrap();

    let part = download(&d, &d.owner, url, &[("Range", "bytes=10-19")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 10-19/100000");
    let etag = part.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(part.bytes().await.unwrap(), &bytes[10..20]);

    let cached = download(&d, &d.owner, url, &[("If-None-Match", &etag)]).await;
    assert_eq!(cached.status(), 304);

    let bad = download(&d, &d.owner, url, &[("Range", "bytes=200000-300000")]).await;
    assert_eq!(bad.status(), 416);
    assert_eq!(bad.headers()["content-range"], "bytes */100000");
}

#[tokio::test(flavor = "multi_thread")]
async fn pdfs_open_in_the_browser_and_html_always_downloads() {
    let d = drive().await;
    let pdf = upload(&d, "Charte.pdf", b"%PDF-1.7\n%\xe2\xe3\n".to_vec()).await;
    let html = upload(
        &d,
        "page.html",
        b"<!DOCTYPE html><script>alert(1)</script>".to_vec(),
    )
    .await;

    let pdf = download(&d, &d.owner, pdf["downloadUrl"].as_str().unwrap(), &[]).await;
    let html = download(&d, &d.owner, html["downloadUrl"].as_str().unwrap(), &[]).await;

    assert!(
        pdf.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(
        html.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(html.headers()["content-type"], "application/octet-stream");
}

#[tokio::test(flavor = "multi_thread")]
async fn files_of_a_private_group_are_not_found_by_outsiders() {
    let d = drive().await;
    let file = upload(&d, "secret.txt", b"chut".to_vec()).await;
    let outsider = d.app.member("outsider").await;

    let response = download(&d, &outsider, file["downloadUrl"].as_str().unwrap(), &[]).await;
    let node = d
        .app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": file["id"] }),
        )
        .await;
    let anonymous = reqwest::get(file["downloadUrl"].as_str().unwrap())
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&node), "NOT_FOUND");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trashed_file_is_gone_until_restored() {
    let d = drive().await;
    let file = upload(&d, "brouillon.txt", b"v1".to_vec()).await;
    let url = file["downloadUrl"].as_str().unwrap().to_owned();

    d.app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { deleteFile(input: { fileId: $id }) { file { deletedAt } } }",
            json!({ "id": file["id"] }),
        )
        .await;
    assert_eq!(download(&d, &d.owner, &url, &[]).await.status(), 404);
    let restored = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { restoreFile(input: { fileId: $id }) { file { deletedAt } } }",
            json!({ "id": file["id"] }),
        )
        .await;

    assert_eq!(
        restored["data"]["restoreFile"]["file"]["deletedAt"],
        Value::Null
    );
    assert_eq!(download(&d, &d.owner, &url, &[]).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_delete_frees_the_quota_and_the_storage() {
    let d = drive().await;
    let file = upload(&d, "gros.bin", noise(50_000)).await;

    d.app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { deleteFile(input: { fileId: $id, permanently: true }) { deletedFileId } }",
            json!({ "id": file["id"] }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert_eq!(count(&d.app, "drives WHERE used_bytes > 0").await, 0);
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn uploading_to_a_file_adds_a_version_and_old_ones_can_come_back() {
    let d = drive().await;
    let file = upload(&d, "budget.txt", b"version 1".to_vec()).await;
    let second = upload_to(
        &d.app,
        &d.owner,
        json!({ "fileId": file["id"], "file": null }),
        "budget.txt",
        b"version 2".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(second["data"]["uploadFile"]["file"]["versionCount"], 2);
    let url = file["downloadUrl"].as_str().unwrap().to_owned();
    let old = download(&d, &d.owner, &format!("{url}?version=1"), &[]).await;
    assert_eq!(old.bytes().await.unwrap(), "version 1");

    let restored = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { restoreFileVersion(input: { fileId: $id, number: 1 }) { file { versionCount versions { number sizeBytes } } } }",
            json!({ "id": file["id"] }),
        )
        .await;

    assert_eq!(
        restored["data"]["restoreFileVersion"]["file"]["versionCount"],
        3
    );
    let current = download(&d, &d.owner, &url, &[]).await;
    assert_eq!(current.bytes().await.unwrap(), "version 1");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_drive_refuses_the_upload() {
    let d = drive().await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = d.app.db().connect().await.unwrap();
        conn.batch_execute("UPDATE drives SET quota_bytes = 1000")
            .await
            .unwrap();
    }

    let response = upload_to(
        &d.app,
        &d.owner,
        json!({ "driveId": d.drive_id, "file": null }),
        "a.bin",
        noise(2000),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();

    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(count(&d.app, "files").await, 0);
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn folders_nest_and_refuse_bad_names_and_loops() {
    let d = drive().await;
    let create = "mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { id name } } }";
    let parent = d
        .app
        .graphql(
            Some(&d.owner),
            create,
            json!({ "input": { "driveId": d.drive_id, "name": "Projets" } }),
        )
        .await["data"]["createFolder"]["folder"]["id"]
        .clone();
    let child = d
        .app
        .graphql(
            Some(&d.owner),
            create,
            json!({ "input": { "parentFolderId": parent, "name": "Atlas" } }),
        )
        .await["data"]["createFolder"]["folder"]["id"]
        .clone();

    for bad in ["..", "a/b", "CON", ""] {
        let response = d
            .app
            .graphql(
                Some(&d.owner),
                create,
                json!({ "input": { "parentFolderId": parent, "name": bad } }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{bad:?}");
    }
    let duplicate = d
        .app
        .graphql(
            Some(&d.owner),
            create,
            json!({ "input": { "parentFolderId": parent, "name": "atlas" } }),
        )
        .await;
    assert_eq!(error_code(&duplicate), "CONFLICT");
    let into_itself = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!, $to: ID!) { updateFolder(input: { folderId: $id, parentFolderId: $to }) { folder { id } } }",
            json!({ "id": parent, "to": child }),
        )
        .await;
    assert_eq!(error_code(&into_itself), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_managers_only_drive_is_read_only_for_members() {
    let d = drive().await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = d.app.db().connect().await.unwrap();
        conn.batch_execute("UPDATE groups SET drive_policy = 'managers'")
            .await
            .unwrap();
    }

    let response = upload_to(
        &d.app,
        &d.member,
        json!({ "driveId": d.drive_id, "file": null }),
        "a.txt",
        b"a".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();

    assert_eq!(error_code(&response), "FORBIDDEN");
    assert_eq!(stored_objects(&d.storage), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_admin_uploads_to_the_drive_of_a_group_they_are_not_in() {
    let d = drive().await;
    let admin = d.app.create_user("admin", OrgRole::Admin).await;

    let response = upload_to(
        &d.app,
        &admin,
        json!({ "driveId": d.drive_id, "file": null }),
        "Procédure.txt",
        b"Bonjour".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();

    assert!(response["errors"].is_null(), "{response}");
    assert_eq!(
        response["data"]["uploadFile"]["file"]["name"],
        "Procédure.txt"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_admin_who_is_a_plain_member_writes_in_a_managers_only_drive() {
    let d = drive().await;
    let admin = d.app.create_user("admin", OrgRole::Admin).await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = d.app.db().connect().await.unwrap();
        conn.batch_execute(&format!(
            "UPDATE groups SET drive_policy = 'managers';
             INSERT INTO group_memberships (group_id, user_id, role)
             SELECT id, '{}', 'member' FROM groups",
            admin.uuid
        ))
        .await
        .unwrap();
    }

    let response = upload_to(
        &d.app,
        &admin,
        json!({ "driveId": d.drive_id, "file": null }),
        "a.txt",
        b"a".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();

    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn files_sort_by_size_and_search_ignores_accents() {
    let d = drive().await;
    upload(&d, "Réunion.txt", noise(300)).await;
    upload(&d, "Budget.txt", noise(100)).await;
    upload(&d, "Compte rendu.txt", noise(200)).await;

    let sorted = d
        .app
        .graphql(
            Some(&d.owner),
            "query($id: ID!) { drive(id: $id) { root { files(orderBy: SIZE, descending: true) { totalCount edges { node { name } } } } } }",
            json!({ "id": d.drive_id }),
        )
        .await;
    let found = d
        .app
        .graphql(
            Some(&d.member),
            "{ files(query: \"reunion\") { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;

    let names: Vec<&str> = sorted["data"]["drive"]["root"]["files"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Réunion.txt", "Compte rendu.txt", "Budget.txt"]);
    assert_eq!(
        found["data"]["files"],
        json!({ "totalCount": 1, "edges": [{ "node": { "name": "Réunion.txt" } }] })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn images_get_a_thumbnail_off_the_request_path() {
    let d = drive().await;
    let png = {
        let image = image::RgbImage::from_pixel(1000, 500, image::Rgb([10, 120, 200]));
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let file = upload(&d, "bannière.png", png).await;
    let url = format!("{}/thumbnail", file["downloadUrl"].as_str().unwrap());

    let mut thumbnail = download(&d, &d.member, &url, &[]).await;
    for _ in 0..40 {
        if thumbnail.status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        thumbnail = download(&d, &d.member, &url, &[]).await;
    }

    assert_eq!(thumbnail.headers()["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&thumbnail.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 160));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_folder_view_hears_about_new_files() {
    let d = drive().await;
    let mut ws =
        common::ws::WsClient::connect_authenticated(&d.app.ws_url(), &d.member.token).await;
    ws.subscribe(
        "1",
        "subscription($id: ID!) { driveChanged(driveId: $id) { usedBytes } }",
        json!({ "id": d.drive_id }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    upload(&d, "nouveau.txt", b"hello".to_vec()).await;

    let event = ws.next_message().await;
    assert_eq!(event["payload"]["data"]["driveChanged"]["usedBytes"], 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trashed_folder_hides_its_files_until_restored() {
    let d = drive().await;
    let folder = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { createFolder(input: { driveId: $id, name: \"Archives\" }) { folder { id } } }",
            json!({ "id": d.drive_id }),
        )
        .await["data"]["createFolder"]["folder"]["id"]
        .clone();
    let response = upload_to(
        &d.app,
        &d.owner,
        json!({ "folderId": folder, "file": null }),
        "vieux.txt",
        b"old".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let url = response["data"]["uploadFile"]["file"]["downloadUrl"]
        .as_str()
        .unwrap()
        .to_owned();

    d.app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { deleteFolder(input: { folderId: $id }) { folder { id } } }",
            json!({ "id": folder }),
        )
        .await;
    assert_eq!(download(&d, &d.member, &url, &[]).await.status(), 404);
    let restored = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { restoreFolder(input: { folderId: $id }) { folder { name } } }",
            json!({ "id": folder }),
        )
        .await;

    assert_eq!(
        restored["data"]["restoreFolder"]["folder"]["name"], "Archives",
        "{restored}"
    );
    assert_eq!(download(&d, &d.member, &url, &[]).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trashed_folder_is_listed_in_the_drives_trash_with_its_files() {
    let d = drive().await;
    let folder = d
        .app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { createFolder(input: { driveId: $id, name: \"Archives 2025\" }) { folder { id } } }",
            json!({ "id": d.drive_id }),
        )
        .await["data"]["createFolder"]["folder"]["id"]
        .clone();
    upload_to(
        &d.app,
        &d.owner,
        json!({ "folderId": folder, "file": null }),
        "bilan.txt",
        b"2025".to_vec(),
    )
    .await;
    d.app
        .graphql(
            Some(&d.owner),
            "mutation($id: ID!) { deleteFolder(input: { folderId: $id }) { folder { id } } }",
            json!({ "id": folder }),
        )
        .await;

    let trash = d
        .app
        .graphql(
            Some(&d.owner),
            "query($id: ID!) { node(id: $id) { ... on Drive { trashedFolders {
                id name deletedAt files { edges { node { name } } } } } } }",
            json!({ "id": d.drive_id }),
        )
        .await;

    let folders = &trash["data"]["node"]["trashedFolders"];
    assert_eq!(folders[0]["id"], folder, "{trash}");
    assert_eq!(folders[0]["name"], "Archives 2025");
    assert!(folders[0]["deletedAt"].is_string(), "{trash}");
    assert_eq!(folders[0]["files"]["edges"][0]["node"]["name"], "bilan.txt");
}

/// What a process killed in the middle of a write leaves: object_store's staging file.
fn staging_file(storage: &std::path::Path, key: &str, age: Duration) -> PathBuf {
    let path = storage.join(format!("{key}#1"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"half an upload").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - age)
        .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn the_staging_sweep_removes_writes_interrupted_more_than_a_day_ago() {
    let d = drive().await;
    let kept = upload(&d, "kept.txt", b"a finished upload".to_vec()).await;
    let two_days = Duration::from_secs(2 * 24 * 3600);
    let new_key = || format!("objects/{}", uuid::Uuid::new_v4());
    let interrupted = staging_file(&d.storage, &new_key(), two_days);
    let recent = staging_file(&d.storage, &new_key(), Duration::from_secs(60));
    // A slow upload still listed as being written, whatever its file's time says.
    let slow_key = new_key();
    let slow = staging_file(&d.storage, &slow_key, two_days);
    let mut conn = d.app.db().connect().await.unwrap();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    parvis::files::model::mark_garbage(&mut conn, &[slow_key], in_an_hour)
        .await
        .unwrap();
    parvis::files::sweep::sweep_staging(&mut conn, &d.app.app.services)
        .await
        .expect("sweep");
    assert!(!interrupted.exists(), "an interrupted write is swept");
    assert!(recent.exists(), "a write begun recently is left alone");
    assert!(slow.exists(), "a write still under way is left alone");
    let response = download(&d, &d.owner, kept["downloadUrl"].as_str().unwrap(), &[]).await;
    assert_eq!(response.text().await.unwrap(), "a finished upload");
}

/// A multipart request of `files` (name, bytes), each mapped to `variables.input.file`.
fn hostile_form(d: &Drive, files: Vec<(String, Vec<u8>)>) -> reqwest::multipart::Form {
    let operations = json!({ "query": UPLOAD, "variables": { "input": { "driveId": d.drive_id, "file": null } } });
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|index| (index.to_string(), json!(["variables.input.file"])))
        .collect();
    files.into_iter().enumerate().fold(
        reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string()),
        |form, (index, (name, bytes))| {
            form.part(
                index.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
        },
    )
}

/// The guarantee for uploads, as `tests/http_api.rs` has it for documents: whatever is uploaded,
/// each request is answered within a bound (never a 5xx) and the server stays responsive.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_uploads_are_answered_quickly_and_the_server_stays_responsive() {
    let d =
        std::sync::Arc::new(drive_with(|config| config.uploads.max_file_bytes = 64 * 1024).await);
    let long = format!("{}.txt", "n".repeat(296));
    let mut uploads: Vec<Vec<(String, Vec<u8>)>> = (0..5)
        .map(|_| vec![(long.clone(), b"same long name".to_vec())])
        .collect();
    uploads.extend([
        vec![(format!("{}.txt", "é".repeat(5_000)), b"x".to_vec())],
        vec![(format!("{} (1) (1).txt", "€".repeat(125)), b"x".to_vec())],
        vec![("\u{202e}\u{200b}\u{2066}".repeat(50), b"x".to_vec())],
        vec![("../../etc/passwd".to_owned(), b"x".to_vec())],
        vec![("big.bin".to_owned(), noise(200 * 1024))],
        (0..40)
            .map(|i| (format!("many-{i}.txt"), b"x".to_vec()))
            .collect(),
    ]);
    let probe = {
        let d = d.clone();
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for _ in 0..40 {
                let started = std::time::Instant::now();
                let status = d
                    .app
                    .http
                    .get(d.app.url("/healthz"))
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 200);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            slowest
        })
    };
    for files in uploads {
        let described = files
            .iter()
            .map(|(name, _)| name.chars().take(40).collect::<String>())
            .collect::<Vec<_>>()
            .join(", ");
        let started = std::time::Instant::now();
        let response = tokio::time::timeout(
            Duration::from_secs(5),
            d.app
                .http
                .post(d.app.url("/graphql"))
                .bearer_auth(&d.owner.token)
                .header("graphql-require-preflight", "1")
                .multipart(hostile_form(&d, files))
                .send(),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer within 5 s to {described}"))
        .expect("an answer");
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            !status.is_server_error() && !body.contains("INTERNAL_SERVER_ERROR"),
            "{status} {body} for {described} after {:?}",
            started.elapsed()
        );
    }
    let slowest_health = probe.await.unwrap();
    assert!(
        slowest_health < Duration::from_secs(1),
        "/healthz took {slowest_health:?}"
    );
}

/// The statements `selection` (fields of each folder under the root) costs in a drive of one
/// folder, then of six (`Dossier {i}`, each with the files a.txt and b.txt, followed by the
/// owner when `i` is even), and what it gave each of the six.
async fn statements_at_one_and_six_folders(selection: &str) -> (u64, u64, Vec<Value>) {
    let d = drive_with(|config| config.job_poll_interval = Duration::from_secs(1)).await;
    let add_folder = |i: usize| {
        let d = &d;
        async move {
            let folder = d
                .app
                .graphql(
                    Some(&d.owner),
                    "mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { id } } }",
                    json!({ "input": { "driveId": d.drive_id, "name": format!("Dossier {i}") } }),
                )
                .await["data"]["createFolder"]["folder"]["id"]
                .clone();
            for name in ["a.txt", "b.txt"] {
                let input = json!({ "driveId": d.drive_id, "folderId": folder, "file": null });
                let response = upload_to(&d.app, &d.owner, input, name, b"contenu".to_vec()).await;
                assert!(response.status().is_success());
            }
            if i.is_multiple_of(2) {
                let followed = d
                    .app
                    .graphql(
                        Some(&d.owner),
                        "mutation($f: ID!) { followFolder(input: { folderId: $f }) { folder { id } } }",
                        json!({ "f": folder }),
                    )
                    .await;
                assert!(followed["errors"].is_null(), "{followed}");
            }
        }
    };
    let query =
        format!("query($id: ID!) {{ drive(id: $id) {{ root {{ folders {{ {selection} }} }} }} }}");
    let variables = json!({ "id": d.drive_id });
    add_folder(0).await;
    let (one, _) = d
        .app
        .statements_of(&d.owner, &query, variables.clone())
        .await;
    for i in 1..6 {
        add_folder(i).await;
    }
    let (six, response) = d.app.statements_of(&d.owner, &query, variables).await;
    let folders = response["data"]["drive"]["root"]["folders"]
        .as_array()
        .expect("folders")
        .clone();
    (one, six, folders)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_files_of_listed_folders_cost_the_same_statements_for_one_folder_or_many() {
    let (one, six, folders) = statements_at_one_and_six_folders(
        "files(first: 1) { totalCount pageInfo { hasNextPage } edges { node { name } } }",
    )
    .await;

    let files = json!({ "files": {
        "totalCount": 2,
        "pageInfo": { "hasNextPage": true },
        "edges": [{ "node": { "name": "a.txt" } }],
    } });
    assert_eq!(folders, vec![files; 6]);
    assert_eq!(one, six, "1 folder: {one} statements, 6 folders: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_parents_and_subfolders_of_listed_folders_cost_the_same_statements_for_one_or_many() {
    let (one, six, folders) =
        statements_at_one_and_six_folders("name parent { name } folders { name }").await;

    let expected: Vec<Value> = (0..6)
        .map(|i| json!({ "name": format!("Dossier {i}"), "parent": { "name": "" }, "folders": [] }))
        .collect();
    assert_eq!(folders, expected);
    assert_eq!(one, six, "1 folder: {one} statements, 6 folders: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn whether_the_viewer_follows_listed_folders_costs_the_same_statements_for_one_or_many() {
    let (one, six, folders) = statements_at_one_and_six_folders("name viewerFollows").await;

    let expected: Vec<Value> = (0..6)
        .map(|i: usize| json!({ "name": format!("Dossier {i}"), "viewerFollows": i.is_multiple_of(2) }))
        .collect();
    assert_eq!(folders, expected);
    assert_eq!(one, six, "1 folder: {one} statements, 6 folders: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_folders_and_versions_of_listed_files_cost_the_same_statements_for_one_or_many() {
    let (one, six, folders) = statements_at_one_and_six_folders(
        "files(first: 2) { edges { node { name folder { name } versions { number } } } }",
    )
    .await;

    let expected: Vec<Value> = (0..6)
        .map(|i| {
            let file = |name: &str| {
                json!({ "node": { "name": name, "folder": { "name": format!("Dossier {i}") },
                                  "versions": [{ "number": 1 }] } })
            };
            json!({ "files": { "edges": [file("a.txt"), file("b.txt")] } })
        })
        .collect();
    assert_eq!(folders, expected);
    assert_eq!(one, six, "1 folder: {one} statements, 6 folders: {six}");
}
