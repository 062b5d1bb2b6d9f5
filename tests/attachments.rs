//! Attachments on posts, comments, events and chat messages, avatars and covers: seen exactly by
//! whoever sees what uses them, stored as real files on disk, and cleaned up when nothing uses
//! them.

mod common;

use std::time::Duration;

use common::uploads::{noise, png};
use common::{TestApp, TestUser, error_code};
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const UPLOAD: &str = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) {
    attachment { id name sizeBytes contentType sha256 downloadUrl isImage } } }";
const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) {
    post { id attachments { id name } } } }";

struct Fixture {
    app: TestApp,
    author: TestUser,
    colleague: TestUser,
    outsider: TestUser,
    group_id: String,
    storage: std::path::PathBuf,
}

async fn fixture() -> Fixture {
    let storage =
        std::env::temp_dir().join(format!("parvis-attachments-test-{}", uuid::Uuid::new_v4()));
    let url = format!("file://{}", storage.display());
    let app = TestApp::spawn_configured(|config| {
        config.storage_url = url;
        config.job_poll_interval = Duration::from_millis(50);
    })
    .await;
    let author = app.member("author").await;
    let colleague = app.member("colleague").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&author, "Comité d'entreprise", Visibility::Private)
        .await;
    app.add_member(&group, &colleague, GroupRole::Member).await;
    Fixture {
        app,
        author,
        colleague,
        outsider,
        group_id: group.id,
        storage,
    }
}

async fn upload(f: &Fixture, user: &TestUser, name: &str, bytes: Vec<u8>) -> Value {
    let body = f
        .app
        .upload(user, UPLOAD, json!({ "file": null }), name, bytes)
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["uploadAttachment"]["attachment"].clone()
}

async fn post_with(f: &Fixture, user: &TestUser, attachments: &[&Value]) -> Value {
    let ids: Vec<&Value> = attachments.iter().map(|a| &a["id"]).collect();
    f.app
        .graphql(
            Some(user),
            CREATE_POST,
            json!({ "input": { "groupIds": [f.group_id], "body": "Le compte rendu", "attachmentIds": ids } }),
        )
        .await
}

fn url(attachment: &Value) -> &str {
    attachment["downloadUrl"].as_str().unwrap()
}

async fn status(f: &Fixture, user: Option<&TestUser>, url: &str) -> u16 {
    f.app.get_as(user, url).await.status().as_u16()
}

async fn exists(f: &Fixture, table: &str, id: &str) -> bool {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let (_, uuid) = parvis::graphql::ids::decode(&async_graphql::ID(id.to_owned()), "id").unwrap();
    let mut conn = f.app.db().connect().await.unwrap();
    diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1) AS found"
    ))
    .bind::<diesel::sql_types::Uuid, _>(uuid)
    .get_result::<Found>(&mut conn)
    .await
    .unwrap()
    .found
}

async fn sql(f: &Fixture, statement: &str) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = f.app.db().connect().await.unwrap();
    conn.batch_execute(statement).await.unwrap();
}

fn stored_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    if path.is_dir() {
                        stored_files(&path)
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn run_housekeeping(f: &Fixture) {
    let services = f.app.app.services.clone();
    let mut conn = services.pool.get().await.unwrap();
    parvis::jobs::housekeeping::run(&mut conn, &services)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_attachment_downloads_byte_for_byte_for_the_posts_readers_only() {
    let f = fixture().await;
    let bytes = noise(600_000);
    let attachment = upload(&f, &f.author, "Procès-verbal.bin", bytes.clone()).await;
    let post = post_with(&f, &f.author, &[&attachment]).await;
    assert_eq!(
        post["data"]["createPost"]["post"]["attachments"],
        json!([{ "id": attachment["id"], "name": "Procès-verbal.bin" }])
    );

    let downloaded = f.app.get_as(Some(&f.colleague), url(&attachment)).await;
    assert_eq!(downloaded.status(), 200);
    let body = downloaded.bytes().await.unwrap();
    assert_eq!(hex(&Sha256::digest(&body)), attachment["sha256"]);
    assert_eq!(body.as_ref(), bytes.as_slice());
    assert_eq!(status(&f, Some(&f.outsider), url(&attachment)).await, 404);
    assert_eq!(status(&f, None, url(&attachment)).await, 401);
    let node = f
        .app
        .graphql(
            Some(&f.outsider),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": attachment["id"] }),
        )
        .await;
    assert_eq!(error_code(&node), "NOT_FOUND");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_not_yet_attached_is_its_uploaders_alone() {
    let f = fixture().await;
    let attachment = upload(&f, &f.author, "brouillon.txt", b"pas fini".to_vec()).await;

    assert_eq!(status(&f, Some(&f.author), url(&attachment)).await, 200);
    assert_eq!(status(&f, Some(&f.colleague), url(&attachment)).await, 404);
    let stolen = post_with(&f, &f.colleague, &[&attachment]).await;
    assert_eq!(error_code(&stolen), "BAD_USER_INPUT");
    assert_eq!(stolen["errors"][0]["extensions"]["field"], "attachmentIds");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attachment_goes_on_one_thing_and_at_most_ten_per_thing() {
    let f = fixture().await;
    let attachment = upload(&f, &f.author, "ordre du jour.txt", b"1. Budget".to_vec()).await;
    post_with(&f, &f.author, &[&attachment]).await;

    let again = post_with(&f, &f.author, &[&attachment]).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT");
    let many: Vec<Value> = (0..11).map(|_| attachment.clone()).collect();
    let refs: Vec<&Value> = many.iter().collect();
    let too_many = post_with(&f, &f.author, &refs).await;
    assert!(
        too_many["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 10"),
        "{too_many}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn attachments_left_out_of_an_edit_are_deleted_with_their_files() {
    let f = fixture().await;
    let kept = upload(&f, &f.author, "garder.txt", b"garder".to_vec()).await;
    let dropped = upload(&f, &f.author, "retirer.txt", noise(1000)).await;
    let post = post_with(&f, &f.author, &[&kept, &dropped]).await;
    let post_id = &post["data"]["createPost"]["post"]["id"];
    let before = stored_files(&f.storage);

    let edited = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($input: UpdatePostInput!) { updatePost(input: $input) {
                post { attachments { name } } } }",
            json!({ "input": { "postId": post_id, "attachmentIds": [kept["id"]] } }),
        )
        .await;

    assert_eq!(
        edited["data"]["updatePost"]["post"]["attachments"],
        json!([{ "name": "garder.txt" }])
    );
    assert!(!exists(&f, "attachments", dropped["id"].as_str().unwrap()).await);
    assert_eq!(status(&f, Some(&f.author), url(&dropped)).await, 404);
    run_housekeeping(&f).await;
    assert_eq!(stored_files(&f.storage), before - 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_and_events_carry_attachments_and_events_a_cover() {
    let f = fixture().await;
    let post = post_with(&f, &f.author, &[]).await;
    let note = upload(&f, &f.colleague, "remarque.txt", b"Merci !".to_vec()).await;
    let comment = f
        .app
        .graphql(
            Some(&f.colleague),
            "mutation($input: AddCommentInput!) { addComment(input: $input) {
                comment { attachments { name } } } }",
            json!({ "input": { "postId": post["data"]["createPost"]["post"]["id"],
                               "body": "Vu", "attachmentIds": [note["id"]] } }),
        )
        .await;
    assert_eq!(
        comment["data"]["addComment"]["comment"]["attachments"],
        json!([{ "name": "remarque.txt" }]),
        "{comment}"
    );

    let agenda = upload(&f, &f.author, "programme.txt", b"9h accueil".to_vec()).await;
    let cover = upload(&f, &f.author, "affiche.png", png(800, 400)).await;
    let event = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($input: CreateEventInput!) { createEvent(input: $input) {
                event { coverUrl attachments { name } } } }",
            json!({ "input": {
                "groupId": f.group_id, "title": "Assemblée générale",
                "startsAt": "2030-03-02T09:00:00Z", "endsAt": "2030-03-02T12:00:00Z",
                "timeZone": "Europe/Paris",
                "attachmentIds": [agenda["id"]], "coverAttachmentId": cover["id"] } }),
        )
        .await;
    let created = &event["data"]["createEvent"]["event"];
    assert_eq!(
        created["attachments"],
        json!([{ "name": "programme.txt" }]),
        "{event}"
    );
    let cover_url = created["coverUrl"].as_str().unwrap();
    let preview = f.app.get_when_ready(&f.colleague, cover_url).await;
    assert_eq!(preview.headers()["content-type"], "image/jpeg");
    assert_eq!(status(&f, Some(&f.outsider), cover_url).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_avatar_replaces_the_previous_one_and_must_be_an_image() {
    let f = fixture().await;
    const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
        user { avatarUrl } } }";
    let text = upload(&f, &f.author, "cv.txt", b"pas une image".to_vec()).await;
    let refused = f
        .app
        .graphql(
            Some(&f.author),
            UPDATE,
            json!({ "input": { "avatarAttachmentId": text["id"] } }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");

    let first = upload(&f, &f.author, "moi.png", png(500, 500)).await;
    let set = f
        .app
        .graphql(
            Some(&f.author),
            UPDATE,
            json!({ "input": { "avatarAttachmentId": first["id"] } }),
        )
        .await;
    let avatar = set["data"]["updateProfile"]["user"]["avatarUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{set}"));
    assert_eq!(avatar, format!("{}/thumbnail", url(&first)));
    // Everyone who sees the person sees the picture.
    let preview = f.app.get_when_ready(&f.outsider, avatar).await;
    assert_eq!(preview.status(), 200);

    let second = upload(&f, &f.author, "moi-2.png", png(300, 300)).await;
    f.app
        .graphql(
            Some(&f.author),
            UPDATE,
            json!({ "input": { "avatarAttachmentId": second["id"] } }),
        )
        .await;
    assert!(!exists(&f, "attachments", first["id"].as_str().unwrap()).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_groups_cover_is_not_found_by_outsiders() {
    let f = fixture().await;
    let secret = f
        .app
        .create_group(&f.author, "Projet Mercure", Visibility::Secret)
        .await;
    let cover = upload(&f, &f.author, "mercure.png", png(900, 300)).await;
    let updated = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) {
                group { coverUrl } } }",
            json!({ "input": { "groupId": secret.id, "coverAttachmentId": cover["id"] } }),
        )
        .await;
    let cover_url = updated["data"]["updateGroup"]["group"]["coverUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{updated}"));

    assert_eq!(
        f.app.get_when_ready(&f.author, cover_url).await.status(),
        200
    );
    assert_eq!(status(&f, Some(&f.outsider), cover_url).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drive_file_can_be_attached_as_a_copy() {
    let f = fixture().await;
    let drive = f
        .app
        .graphql(Some(&f.author), "{ myDrive { id } }", json!({}))
        .await;
    let uploaded = f
        .app
        .upload(
            &f.author,
            "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id } } }",
            json!({ "driveId": drive["data"]["myDrive"]["id"], "file": null }),
            "budget.csv",
            b"poste;montant\nfournitures;120\n".to_vec(),
        )
        .await;
    let attached = f
        .app
        .graphql(
            Some(&f.author),
            UPLOAD,
            json!({ "input": { "fileId": uploaded["data"]["uploadFile"]["file"]["id"] } }),
        )
        .await;
    let attachment = &attached["data"]["uploadAttachment"]["attachment"];
    assert_eq!(attachment["name"], "budget.csv", "{attached}");
    post_with(&f, &f.author, &[attachment]).await;

    let body = f.app.get_as(Some(&f.colleague), url(attachment)).await;
    assert_eq!(
        body.bytes().await.unwrap().as_ref(),
        b"poste;montant\nfournitures;120\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_unused_for_a_day_are_removed_with_their_files() {
    let f = fixture().await;
    let forgotten = upload(&f, &f.author, "oublié.txt", noise(2000)).await;
    let recent = upload(&f, &f.author, "récent.txt", noise(2000)).await;
    let before = stored_files(&f.storage);
    sql(
        &f,
        "UPDATE attachments SET created_at = now() - interval '25 hours'
         WHERE name = 'oublié.txt'",
    )
    .await;

    run_housekeeping(&f).await;

    assert!(!exists(&f, "attachments", forgotten["id"].as_str().unwrap()).await);
    assert!(exists(&f, "attachments", recent["id"].as_str().unwrap()).await);
    assert_eq!(stored_files(&f.storage), before - 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_trashed_thirty_days_ago_is_purged_with_its_files() {
    let f = fixture().await;
    let drive = f
        .app
        .graphql(Some(&f.author), "{ myDrive { id usedBytes } }", json!({}))
        .await;
    let drive_id = drive["data"]["myDrive"]["id"].clone();
    let folder = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { id } } }",
            json!({ "input": { "driveId": drive_id, "name": "Archives 2019" } }),
        )
        .await;
    let folder_id = folder["data"]["createFolder"]["folder"]["id"].clone();
    f.app
        .upload(
            &f.author,
            "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id } } }",
            json!({ "folderId": folder_id, "file": null }),
            "vieux.bin",
            noise(5000),
        )
        .await;
    f.app
        .graphql(
            Some(&f.author),
            "mutation($input: DeleteFolderInput!) { deleteFolder(input: $input) { folder { id } } }",
            json!({ "input": { "folderId": folder_id } }),
        )
        .await;
    sql(
        &f,
        "UPDATE folders SET deleted_at = now() - interval '31 days' WHERE name = 'Archives 2019'",
    )
    .await;

    run_housekeeping(&f).await;

    assert!(!exists(&f, "folders", folder_id.as_str().unwrap()).await);
    let after = f
        .app
        .graphql(Some(&f.author), "{ myDrive { usedBytes } }", json!({}))
        .await;
    assert_eq!(after["data"]["myDrive"]["usedBytes"], 0);
    assert_eq!(stored_files(&f.storage), 0);
}

const SEND_MESSAGE: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) {
    message { id body attachments { id name } } } }";

/// A room of the fixture's group (its members write there).
async fn room(f: &Fixture) -> String {
    let created = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($g: ID!) { createChatRoom(input: { groupId: $g, name: \"Général\" }) {
                conversation { id } } }",
            json!({ "g": f.group_id }),
        )
        .await;
    created["data"]["createChatRoom"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn message_with(f: &Fixture, user: &TestUser, conversation: &str, files: &[&Value]) -> Value {
    let ids: Vec<&Value> = files.iter().map(|a| &a["id"]).collect();
    let sent = f
        .app
        .graphql(
            Some(user),
            SEND_MESSAGE,
            json!({ "input": { "conversationId": conversation, "body": "", "attachmentIds": ids } }),
        )
        .await;
    assert!(sent["errors"].is_null(), "{sent}");
    sent["data"]["sendMessage"]["message"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_message_carries_files_that_its_conversations_readers_alone_download() {
    let f = fixture().await;
    let room = room(&f).await;
    let plan = upload(&f, &f.colleague, "plan.pdf", noise(2000)).await;

    let message = message_with(&f, &f.colleague, &room, &[&plan]).await;

    assert_eq!(message["body"], "");
    assert_eq!(
        message["attachments"],
        json!([{ "id": plan["id"], "name": "plan.pdf" }])
    );
    assert_eq!(status(&f, Some(&f.author), url(&plan)).await, 200);
    assert_eq!(status(&f, Some(&f.outsider), url(&plan)).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_messages_file_is_not_found_by_anyone_else_and_goes_on_one_message_only() {
    let f = fixture().await;
    let opened = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($u: ID!) { openDirectConversation(input: { userId: $u }) {
                conversation { id } } }",
            json!({ "u": f.colleague.id }),
        )
        .await;
    let direct = opened["data"]["openDirectConversation"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scan = upload(&f, &f.author, "bulletin.pdf", noise(500)).await;
    message_with(&f, &f.author, &direct, &[&scan]).await;

    assert_eq!(status(&f, Some(&f.colleague), url(&scan)).await, 200);
    assert_eq!(status(&f, Some(&f.outsider), url(&scan)).await, 404);
    let again = f
        .app
        .graphql(
            Some(&f.author),
            SEND_MESSAGE,
            json!({ "input": { "conversationId": direct, "body": "encore", "attachmentIds": [scan["id"]] } }),
        )
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_message_and_one_past_the_retention_take_their_files_with_them() {
    let f = fixture().await;
    let room = room(&f).await;
    let deleted = upload(&f, &f.author, "brouillon.txt", noise(300)).await;
    let expired = upload(&f, &f.author, "ancien.txt", noise(400)).await;
    let message = message_with(&f, &f.author, &room, &[&deleted]).await;
    message_with(&f, &f.author, &room, &[&expired]).await;
    let before = stored_files(&f.storage);

    let tombstone = f
        .app
        .graphql(
            Some(&f.author),
            "mutation($m: ID!) { deleteMessage(input: { messageId: $m }) {
                message { attachments { id } } } }",
            json!({ "m": message["id"] }),
        )
        .await;
    assert_eq!(
        tombstone["data"]["deleteMessage"]["message"]["attachments"],
        json!([])
    );
    assert_eq!(status(&f, Some(&f.author), url(&deleted)).await, 404);
    sql(
        &f,
        "UPDATE organization SET message_retention_days = 30;
         UPDATE messages SET created_at = now() - interval '40 days'",
    )
    .await;
    run_housekeeping(&f).await;

    assert!(!exists(&f, "attachments", expired["id"].as_str().unwrap()).await);
    assert_eq!(stored_files(&f.storage), before - 2);
}
