//! The checked-in contracts stay true: `schema.graphql` and `src/db/schema.rs`.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn schema_graphql_equals_the_served_sdl() {
    let app = TestApp::spawn().await;
    let served = app
        .app
        .schemas
        .signed_in
        .sdl_with_options(parvis::graphql::sdl_options());
    let checked_in =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql"))
            .unwrap_or_default();
    assert!(
        served == checked_in,
        "schema.graphql is out of date; regenerate it with `cargo run -- schema > schema.graphql`"
    );
    assert_eq!(
        parvis::graphql::sdl(),
        served,
        "`parvis schema` prints what the server serves"
    );
}

/// `src/db/schema.rs` must be what `diesel print-schema` generates from the migrations. Needs the
/// diesel CLI (`.ci/run` installs it); outside CI a machine without it skips this check loudly.
#[tokio::test(flavor = "multi_thread")]
async fn diesel_schema_matches_the_migrations() {
    if Command::new("diesel").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the diesel CLI is required in CI: cargo install diesel_cli --no-default-features --features postgres"
        );
        eprintln!("SKIPPED: install diesel_cli to check src/db/schema.rs against the migrations");
        return;
    }
    use diesel_async::SimpleAsyncConnection;
    let server = common::server_url().await;
    let database = format!("parvis_schema_{}", uuid::Uuid::new_v4().simple());
    let mut admin = parvis::db::DbSettings::new(&server)
        .connect()
        .await
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let url = common::with_database(&server, &database);
    let conn = parvis::db::DbSettings::new(&url).connect().await.unwrap();
    parvis::db::run_migrations(conn).await.unwrap();

    let config_dir = tempdir();
    std::fs::write(
        config_dir.join("diesel.toml"),
        "[print_schema]\ncustom_type_derives = [\"diesel::query_builder::QueryId\", \"Clone\"]\nexcept_tables = [\"__diesel_schema_migrations\"]\n",
    )
    .unwrap();
    let output = Command::new("diesel")
        .args(["print-schema", "--database-url", &url])
        .current_dir(&config_dir)
        .output()
        .expect("run diesel print-schema");
    admin
        .batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let stdout = String::from_utf8(output.stdout).unwrap();
    // diesel_cli 2.3 prints the schema twice when diesel.toml has a [print_schema] table.
    let generated = stdout
        .split("// @generated automatically by Diesel CLI.")
        .find(|copy| !copy.trim().is_empty())
        .map(|copy| format!("// @generated automatically by Diesel CLI.{copy}"))
        .unwrap_or_default();
    let checked_in =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs"))
            .unwrap();
    assert!(
        normalise(&generated) == normalise(&checked_in),
        "src/db/schema.rs has drifted from the migrations; regenerate it with \
         `diesel print-schema --database-url <a migrated database> > src/db/schema.rs`\n{generated}"
    );
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("parvis-diesel-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// rustfmt may wrap the generated file differently; compare without whitespace.
fn normalise(source: &str) -> String {
    source.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every field that returns people, with how it keeps to the directory's rule (guests see
/// themselves and the members of their groups; `users::visibility`). A new people field fails
/// `every_field_that_returns_people_is_reviewed` until it is added here, so none forgets the rule.
const PEOPLE_FIELDS: &[(&str, &str)] = &[
    ("AccountInvitation.invitedBy", "admins only"),
    ("AccountInvitation.user", "admins only"),
    ("CreateAccountPayload.user", "admins only"),
    ("RenewActivationCodePayload.user", "admins only"),
    ("Attachment.uploadedBy", "users::loading::load_visible"),
    ("Attendance.user", "users::loading::visible_person"),
    ("AuditEntry.actor", "admins only"),
    ("Comment.author", "users::loading::visible_person"),
    (
        "Conversation.participants",
        "users::loading::visible_people",
    ),
    ("DeactivateUserPayload.user", "admins only"),
    ("Event.organizers", "users::loading::visible_people"),
    ("GroupInvitation.invitedBy", "users::loading::load_visible"),
    ("GroupInvitation.user", "users::loading::load_visible"),
    ("GroupJoinRequest.user", "users::loading::load_visible"),
    (
        "GroupMember.user",
        "members of a group whose content the viewer sees",
    ),
    (
        "GroupMembershipRule.createdBy",
        "users::loading::visible_person",
    ),
    ("SignInPayload.user", "the viewer"),
    ("SetPresencePayload.user", "the viewer"),
    (
        "Subscription.presenceChanged",
        "users::visibility::visible_to",
    ),
    ("Message.author", "users::loading::visible_person"),
    ("Message.seenBy", "users::loading::visible_people"),
    (
        "Message.threadParticipants",
        "users::loading::visible_people",
    ),
    ("Newsletter.author", "communicators only"),
    ("Newsletter.sentBy", "communicators only"),
    ("Notification.actors", "users::loading::load_visible"),
    ("PollOption.voters", "users::visibility::Sight"),
    ("Post.acknowledgements", "users::model::in_groups_of in SQL"),
    ("Post.author", "users::loading::visible_person"),
    ("Query.user", "users::loading::load_visible"),
    ("Query.users", "users::model::in_groups_of in SQL"),
    ("Query.viewer", "the viewer"),
    ("ReactivateUserPayload.user", "admins only"),
    ("AcceptInvitationPayload.user", "the viewer"),
    ("ActivateAccountPayload.user", "the viewer"),
    ("Subscription.userUpdated", "users::visibility::visible_to"),
    ("Survey.createdBy", "users::loading::visible_person"),
    ("TypingIndicator.user", "users::visibility::visible_to"),
    ("UpdateProfilePayload.user", "the viewer, or admins"),
    ("UpdateUserAccessPayload.user", "admins only"),
];

#[test]
fn every_field_that_returns_people_is_reviewed() {
    use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
    let sdl = parvis::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut found = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let owner = definition.node.name.node.to_string();
        let fields = match &definition.node.kind {
            TypeKind::Object(object) => &object.fields,
            TypeKind::Interface(interface) => &interface.fields,
            _ => continue,
        };
        if owner == "UserConnection" || owner == "UserEdge" {
            continue;
        }
        for field in fields {
            let mut ty = &field.node.ty.node;
            while let BaseType::List(inner) = &ty.base {
                ty = inner;
            }
            if let BaseType::Named(name) = &ty.base
                && (name == "User" || name == "UserConnection")
            {
                found.push(format!("{owner}.{}", field.node.name.node));
            }
        }
    }
    found.sort();
    let mut reviewed: Vec<String> = PEOPLE_FIELDS
        .iter()
        .map(|(field, _)| (*field).to_owned())
        .collect();
    reviewed.sort();
    assert_eq!(
        found, reviewed,
        "a field returns people: pass them through users::loading::visible_people (or say why \
         it need not) and list it in PEOPLE_FIELDS"
    );
}
