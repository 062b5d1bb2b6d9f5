//! Every admin and manager mutation writes an audit entry. The schema's mutations must each be
//! classified below, and the test performs each audited one through the API, as an org admin or
//! a group manager, then finds its entry (action, actor, target) in the audit log.

mod common;

use std::collections::BTreeSet;

use common::groups::TestGroup;
use common::{TestApp, TestUser};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

/// Mutations an org admin or a group manager performs with powers beyond their own: each is
/// exercised below. Those marked * are audited only when that power is used: on someone else's
/// profile, post, comment or event (not as its organizer), a file or folder someone else put in
/// a drive kept to managers (a new version, for `uploadFile`), a group not open to all.
const AUDITED: &[&str] = &[
    // People and the organization (admins).
    "updateProfile*",
    "deactivateUser",
    "reactivateUser",
    "inviteUser",
    "resendInvitation",
    "revokeInvitation",
    "createAccount",
    "renewActivationCode",
    "updateUserAccess",
    "updateOrganization",
    // Groups (managers, owners, admins).
    "updateGroup",
    "archiveGroup",
    "unarchiveGroup",
    "deleteGroup",
    "joinGroup*",
    "approveJoinRequest",
    "declineJoinRequest",
    "inviteToGroup",
    "removeGroupMember",
    "setGroupMemberRole",
    "transferGroupOwnership",
    "addGroupMembersByAttribute",
    "addGroupMembershipRule",
    "removeGroupMembershipRule",
    "createGroupWebhook",
    "revokeGroupWebhook",
    "createSurvey",
    "closeSurvey",
    // Newsletters sent by communicators and admins.
    "sendNewsletter",
    // Moderating the feed.
    "pinPost",
    "unpinPost",
    "deletePost*",
    "deleteComment*",
    // Running others' events.
    "updateEvent*",
    "cancelEvent*",
    "inviteToEvent*",
    // Others' files in a drive kept to managers.
    "uploadFile*",
    "updateFile*",
    "deleteFile*",
    "restoreFile*",
    "restoreFileVersion*",
    "updateFolder*",
    "deleteFolder*",
    "restoreFolder*",
    // Chat rooms (a group's managers), and others' messages in them.
    "createChatRoom",
    "updateConversation*",
    "deleteConversation",
    "deleteMessage*",
    // Notifications (admins).
    "updateNotificationDefaults",
    "sendAdminMessage",
];

const SELF_SERVICE: &[&str] = &[
    // The viewer's own session, credentials and calendar feed (no one else's are reachable).
    "signIn",
    "signOut",
    "createPersonalAccessToken",
    "revokeSession",
    "revokePersonalAccessToken",
    "createCalendarFeed",
    "revokeCalendarFeed",
    // Signed out: an invitation link or an activation code makes the person's own account.
    "acceptInvitation",
    "activateAccount",
    // The viewer's own memberships and requests.
    "createGroup",
    "requestToJoinGroup",
    "cancelJoinRequest",
    "acceptGroupInvitation",
    "declineGroupInvitation",
    "leaveGroup",
    // New content under the viewer's own name (a role only decides where it may go).
    "createPost",
    "publishPost",
    "addComment",
    "createEvent",
    "createFolder",
    "copyFile",
    "uploadAttachment",
    // The viewer's own post or comment: only its author changes it.
    "updatePost",
    "updateComment",
    // The viewer's own answers, votes and reactions.
    "castVote",
    "acknowledgePost",
    "addReaction",
    "removeReaction",
    "respondToEvent",
    "answerSurvey",
    // The viewer's own notifications and how they hear of things.
    "markNotificationsRead",
    "markNotificationsSeen",
    "updateNotificationSettings",
    "setGroupNotificationLevel",
    "followFolder",
    "unfollowFolder",
    // The viewer's own newsletter drafts (only their author changes or deletes them; sending
    // one is audited).
    "createNewsletter",
    "updateNewsletter",
    "deleteNewsletter",
    // Conversations the viewer is in, and the viewer's own messages and read marker.
    "openDirectConversation",
    "createGroupConversation",
    "addConversationMembers",
    "joinConversation",
    "leaveConversation",
    "sendMessage",
    "editMessage",
    "markConversationRead",
    "setTyping",
    "setPresence",
    "updateChatSettings",
];

/// The mutation names of a list, without the conditional mark.
fn names(list: &[&'static str]) -> Vec<&'static str> {
    list.iter().map(|name| name.trim_end_matches('*')).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mutation_is_classified_once() {
    let app = TestApp::spawn().await;
    let anna = app.member("anna").await;
    let schema = app
        .graphql(
            Some(&anna),
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let served: BTreeSet<&str> = schema["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("the mutation fields: {schema}"))
        .iter()
        .map(|field| field["name"].as_str().unwrap())
        .collect();
    let audited = names(AUDITED);
    let self_service = names(SELF_SERVICE);
    let listed: BTreeSet<&str> = audited.iter().chain(&self_service).copied().collect();
    let unclassified: Vec<_> = served.difference(&listed).collect();
    assert!(
        unclassified.is_empty(),
        "classify these mutations in AUDITED or SELF_SERVICE: {unclassified:?}"
    );
    let unknown: Vec<_> = listed.difference(&served).collect();
    assert!(
        unknown.is_empty(),
        "not mutations of the schema: {unknown:?}"
    );
    let both: Vec<_> = audited
        .iter()
        .filter(|name| self_service.contains(*name))
        .collect();
    assert!(both.is_empty(), "in both lists: {both:?}");
    assert_eq!(
        audited.len() + self_service.len(),
        listed.len(),
        "a name is listed twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_audited_mutation_leaves_an_entry_naming_actor_and_target() {
    let world = World::new().await;
    let mut missing = Vec::new();
    for mutation in names(AUDITED) {
        let expected = world.exercise(mutation).await;
        let log = world
            .run(
                &world.admin,
                "query($action: String!, $target: ID!) {
                   auditLog(first: 10, filter: { action: $action, targetId: $target }) {
                     edges { node { action targetType targetId actor { id } } } } }",
                json!({ "action": mutation, "target": expected.target_id }),
            )
            .await;
        let found = log["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|edge| {
                let entry = &edge["node"];
                entry["actor"]["id"] == json!(expected.actor.id)
                    && entry["targetType"] == expected.target_type
                    && entry["targetId"] == json!(expected.target_id)
            });
        if !found {
            missing.push(format!(
                "{mutation}: no entry by {} on {} {}: {log}",
                expected.actor.id, expected.target_type, expected.target_id
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn acting_on_ones_own_content_is_not_audited() {
    let world = World::new().await;
    let member = &world.member;
    let group = world.group("Own content").await;
    let post = world.post(member, &group).await;
    let comment = world.comment(member, &post).await;
    world
        .run(member, DELETE_COMMENT, json!({ "id": comment }))
        .await;
    world.run(member, DELETE_POST, json!({ "id": post })).await;
    let event = world.event(member, &group).await;
    world
        .run(member, UPDATE_EVENT, json!({ "id": event }))
        .await;
    world
        .run(member, CANCEL_EVENT, json!({ "id": event }))
        .await;
    let open = world
        .app
        .create_group(&world.admin, "Open", Visibility::Public)
        .await;
    world
        .run(member, JOIN_GROUP, json!({ "id": open.id }))
        .await;
    let manager = &world.manager;
    let drive = world.drive(&group).await;
    world.kept_to_managers(&group).await;
    let file = world
        .upload(manager, json!({ "driveId": drive }), "own.txt")
        .await;
    world.run(manager, DELETE_FILE, json!({ "id": file })).await;
    for action in [
        "deleteComment",
        "deletePost",
        "updateEvent",
        "cancelEvent",
        "joinGroup",
        "deleteFile",
    ] {
        let log = world
            .run(
                &world.admin,
                "query($action: String!) { auditLog(filter: { action: $action }) { totalCount } }",
                json!({ "action": action }),
            )
            .await;
        assert_eq!(log["auditLog"]["totalCount"], 0, "{action}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_admin_changing_a_file_in_a_group_they_are_not_in_is_audited() {
    let world = World::new().await;
    let group = world.group("Files of others").await;
    let drive = world.drive(&group).await;
    let file = world
        .upload(&world.member, json!({ "driveId": drive }), "notes.txt")
        .await;

    world
        .run(&world.admin, DELETE_FILE, json!({ "id": file }))
        .await;

    let log = world
        .run(
            &world.admin,
            "query($target: ID!) { auditLog(filter: { action: \"deleteFile\", targetId: $target }) {
               edges { node { actor { id } } } } }",
            json!({ "target": file }),
        )
        .await;
    assert_eq!(
        log["auditLog"]["edges"],
        json!([{ "node": { "actor": { "id": world.admin.id } } }])
    );
}

const DELETE_POST: &str =
    "mutation($id: ID!) { deletePost(input: { postId: $id }) { deletedPostId } }";
const DELETE_COMMENT: &str =
    "mutation($id: ID!) { deleteComment(input: { commentId: $id }) { deletedCommentId } }";
const UPDATE_EVENT: &str = "mutation($id: ID!) { updateEvent(input: { eventId: $id, title: \"Nouvelle salle\" }) { event { id } } }";
const CANCEL_EVENT: &str = "mutation($id: ID!) { cancelEvent(input: { eventId: $id, reason: \"Salle indisponible\" }) { event { id } } }";
const JOIN_GROUP: &str =
    "mutation($id: ID!) { joinGroup(input: { groupId: $id }) { group { id } } }";
const DELETE_FILE: &str =
    "mutation($id: ID!) { deleteFile(input: { fileId: $id }) { deletedFileId } }";
const DELETE_FOLDER: &str =
    "mutation($id: ID!) { deleteFolder(input: { folderId: $id }) { folder { id } } }";
const UPLOAD: &str =
    "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id } } }";

/// Who should be named as having acted, on what.
struct Expected<'a> {
    actor: &'a TestUser,
    target_type: &'static str,
    target_id: String,
}

/// An organization with an admin, a group manager and a plain member of the manager's groups.
struct World {
    app: TestApp,
    admin: TestUser,
    /// Owns (and so manages) every group `group` makes.
    manager: TestUser,
    /// A member of those groups, whose content the others act on.
    member: TestUser,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.create_user("admin", OrgRole::Admin).await;
        let manager = app.member("manager").await;
        let member = app.member("member").await;
        Self {
            app,
            admin,
            manager,
            member,
        }
    }

    /// The response's data; any error fails the test.
    async fn run(&self, user: &TestUser, query: &str, variables: Value) -> Value {
        let response = self.app.graphql(Some(user), query, variables).await;
        assert!(response.get("errors").is_none(), "{query}: {response}");
        response["data"].clone()
    }

    async fn group(&self, name: &str) -> TestGroup {
        self.group_with(name, Visibility::Public).await
    }

    async fn group_with(&self, name: &str, visibility: Visibility) -> TestGroup {
        let group = self.app.create_group(&self.manager, name, visibility).await;
        self.app
            .add_member(&group, &self.member, GroupRole::Member)
            .await;
        group
    }

    /// A chat room of `group`, made by its manager.
    async fn room(&self, group: &TestGroup) -> String {
        let data = self
            .run(
                &self.manager,
                "mutation($g: ID!) { createChatRoom(input: { groupId: $g, name: \"général\" }) { conversation { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["createChatRoom"]["conversation"])
    }

    async fn post(&self, author: &TestUser, group: &TestGroup) -> String {
        let data = self
            .run(
                author,
                "mutation($g: ID!) { createPost(input: { groupIds: [$g], body: \"Bonjour\" }) { post { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["createPost"]["post"])
    }

    async fn comment(&self, author: &TestUser, post: &str) -> String {
        let data = self
            .run(
                author,
                "mutation($p: ID!) { addComment(input: { postId: $p, body: \"Merci\" }) { comment { id } } }",
                json!({ "p": post }),
            )
            .await;
        id(&data["addComment"]["comment"])
    }

    async fn event(&self, organizer: &TestUser, group: &TestGroup) -> String {
        let data = self
            .run(
                organizer,
                "mutation($g: ID!) { createEvent(input: { groupId: $g, title: \"Point hebdo\",
                   startsAt: \"2030-10-14T08:00:00Z\", endsAt: \"2030-10-14T09:00:00Z\" }) { event { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["createEvent"]["event"])
    }

    async fn drive(&self, group: &TestGroup) -> String {
        let data = self
            .run(
                &self.manager,
                "query($id: ID!) { group(id: $id) { drive { id } } }",
                json!({ "id": group.id }),
            )
            .await;
        id(&data["group"]["drive"])
    }

    /// Only the group's managers change its drive from now on.
    async fn kept_to_managers(&self, group: &TestGroup) {
        self.run(
            &self.manager,
            "mutation($id: ID!) { updateGroup(input: { groupId: $id, drivePolicy: MANAGERS }) { group { id } } }",
            json!({ "id": group.id }),
        )
        .await;
    }

    async fn upload(&self, user: &TestUser, input: Value, name: &str) -> String {
        let response = self
            .app
            .upload(user, UPLOAD, input, name, name.as_bytes().to_vec())
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        id(&response["data"]["uploadFile"]["file"])
    }

    /// A file (with two versions) and a folder the member put in the group's drive, which the
    /// group then keeps to managers.
    async fn members_files(&self, group: &TestGroup) -> (String, String) {
        let drive = self.drive(group).await;
        let file = self
            .upload(&self.member, json!({ "driveId": drive }), "notes.txt")
            .await;
        self.upload(&self.member, json!({ "fileId": file }), "notes v2.txt")
            .await;
        let data = self
            .run(
                &self.member,
                "mutation($d: ID!) { createFolder(input: { driveId: $d, name: \"Comptes rendus\" }) { folder { id } } }",
                json!({ "d": drive }),
            )
            .await;
        let folder = id(&data["createFolder"]["folder"]);
        self.kept_to_managers(group).await;
        (file, folder)
    }

    async fn invitation(&self, email: &str) -> String {
        let data = self
            .run(
                &self.admin,
                "mutation($e: String!) { inviteUser(input: { email: $e }) { invitation { id } } }",
                json!({ "e": email }),
            )
            .await;
        id(&data["inviteUser"]["invitation"])
    }

    async fn pending_account(&self, username: &str) -> String {
        let data = self
            .run(
                &self.admin,
                "mutation($u: String!) { createAccount(input: { username: $u, displayName: \"Marc\" }) { user { id } } }",
                json!({ "u": username }),
            )
            .await;
        id(&data["createAccount"]["user"])
    }

    async fn join_request(&self, group: &TestGroup, username: &str) -> String {
        let applicant = self.app.member(username).await;
        let data = self
            .run(
                &applicant,
                "mutation($g: ID!) { requestToJoinGroup(input: { groupId: $g }) { joinRequest { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["requestToJoinGroup"]["joinRequest"])
    }

    async fn webhook(&self, group: &TestGroup) -> String {
        let data = self
            .run(
                &self.manager,
                "mutation($g: ID!) { createGroupWebhook(input: { groupId: $g, name: \"Jenkins\" }) { webhook { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["createGroupWebhook"]["webhook"])
    }

    async fn survey(&self, group: &TestGroup) -> String {
        let data = self
            .run(
                &self.manager,
                "mutation($g: ID!) { createSurvey(input: { title: \"Pulse\", groupIds: [$g],
                   questions: [{ kind: SCALE, prompt: \"Ça va ?\" }] }) { survey { id } } }",
                json!({ "g": group.id }),
            )
            .await;
        id(&data["createSurvey"]["survey"])
    }

    async fn pin(&self, post: &str, group: &TestGroup) {
        self.run(
            &self.manager,
            "mutation($p: ID!, $g: ID) { pinPost(input: { postId: $p, groupId: $g }) { post { id } } }",
            json!({ "p": post, "g": group.id }),
        )
        .await;
    }

    /// Performs `mutation` as the admin or the manager, on someone else's, after what it needs.
    async fn exercise(&self, mutation: &str) -> Expected<'_> {
        let (admin, manager, member) = (&self.admin, &self.manager, &self.member);
        // Each case has a group of its own, and people of its own, named after it.
        let group = self.group(mutation).await;
        let username = |what: &str| format!("{}.{what}", mutation.to_lowercase());
        match mutation {
            "updateProfile" => {
                self.run(
                    admin,
                    "mutation($id: ID!) { updateProfile(input: { userId: $id, title: \"Comptable\" }) { user { id } } }",
                    json!({ "id": member.id }),
                )
                .await;
                expect(admin, "User", &member.id)
            }
            "deactivateUser" | "reactivateUser" => {
                let person = self.app.member(&username("person")).await;
                let query =
                    "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { id } } }";
                self.run(admin, query, json!({ "id": person.id })).await;
                if mutation == "reactivateUser" {
                    let query = query.replace("deactivateUser", "reactivateUser");
                    self.run(admin, &query, json!({ "id": person.id })).await;
                }
                expect(admin, "User", &person.id)
            }
            "inviteUser" | "resendInvitation" | "revokeInvitation" => {
                let invitation = self.invitation(&format!("{mutation}@example.com")).await;
                if mutation != "inviteUser" {
                    self.run(
                        admin,
                        &format!("mutation($id: ID!) {{ {mutation}(input: {{ invitationId: $id }}) {{ invitation {{ id }} }} }}"),
                        json!({ "id": invitation }),
                    )
                    .await;
                }
                expect(admin, "AccountInvitation", &invitation)
            }
            "createAccount" | "renewActivationCode" => {
                let user = self.pending_account(&username("account")).await;
                if mutation == "renewActivationCode" {
                    self.run(
                        admin,
                        "mutation($id: ID!) { renewActivationCode(input: { userId: $id }) { activationCode } }",
                        json!({ "id": user }),
                    )
                    .await;
                }
                expect(admin, "User", &user)
            }
            "updateUserAccess" => {
                self.run(
                    admin,
                    "mutation($id: ID!) { updateUserAccess(input: { userId: $id, communicator: true }) { user { id } } }",
                    json!({ "id": member.id }),
                )
                .await;
                expect(admin, "User", &member.id)
            }
            "updateOrganization" => {
                self.run(
                    admin,
                    "mutation { updateOrganization(input: { name: \"Acme\" }) { organization { name } } }",
                    json!({}),
                )
                .await;
                let organization = parvis::graphql::ids::encode("Organization", uuid::Uuid::nil());
                expect(admin, "Organization", &organization.0)
            }
            "updateGroup" => {
                self.kept_to_managers(&group).await;
                expect(manager, "Group", &group.id)
            }
            "archiveGroup" | "unarchiveGroup" | "deleteGroup" => {
                let steps: &[&str] = match mutation {
                    "unarchiveGroup" => &["archiveGroup", "unarchiveGroup"],
                    _ => &[mutation],
                };
                for step in steps {
                    self.run(
                        manager,
                        &format!("mutation($id: ID!) {{ {step}(input: {{ groupId: $id }}) {{ __typename }} }}"),
                        json!({ "id": group.id }),
                    )
                    .await;
                }
                expect(manager, "Group", &group.id)
            }
            "joinGroup" => {
                let secret = self
                    .group_with("Comité de direction", Visibility::Secret)
                    .await;
                self.run(admin, JOIN_GROUP, json!({ "id": secret.id }))
                    .await;
                expect(admin, "User", &admin.id)
            }
            "approveJoinRequest" | "declineJoinRequest" => {
                let private = self
                    .group_with(&format!("{mutation} private"), Visibility::Private)
                    .await;
                let request = self.join_request(&private, &username("applicant")).await;
                self.run(
                    manager,
                    &format!("mutation($id: ID!) {{ {mutation}(input: {{ joinRequestId: $id }}) {{ __typename }} }}"),
                    json!({ "id": request }),
                )
                .await;
                expect(manager, "GroupJoinRequest", &request)
            }
            "inviteToGroup" => {
                self.run(
                    manager,
                    "mutation($g: ID!, $u: ID!) { inviteToGroup(input: { groupId: $g, userIds: [$u] }) { __typename } }",
                    json!({ "g": group.id, "u": admin.id }),
                )
                .await;
                expect(manager, "Group", &group.id)
            }
            "removeGroupMember" | "transferGroupOwnership" => {
                self.run(
                    manager,
                    &format!("mutation($g: ID!, $u: ID!) {{ {mutation}(input: {{ groupId: $g, userId: $u }}) {{ __typename }} }}"),
                    json!({ "g": group.id, "u": member.id }),
                )
                .await;
                expect(manager, "User", &member.id)
            }
            "setGroupMemberRole" => {
                self.run(
                    manager,
                    "mutation($g: ID!, $u: ID!) { setGroupMemberRole(input: { groupId: $g, userId: $u, role: MANAGER }) { __typename } }",
                    json!({ "g": group.id, "u": member.id }),
                )
                .await;
                expect(manager, "User", &member.id)
            }
            "addGroupMembersByAttribute" => {
                self.app
                    .create_user_with(&username("seller"), OrgRole::Member, |user| {
                        user.department = Some("Ventes".into());
                    })
                    .await;
                self.run(
                    admin,
                    "mutation($g: ID!) { addGroupMembersByAttribute(input: { groupId: $g, department: \"Ventes\" }) { addedCount } }",
                    json!({ "g": group.id }),
                )
                .await;
                expect(admin, "Group", &group.id)
            }
            "addGroupMembershipRule" | "removeGroupMembershipRule" => {
                let added = self
                    .run(
                        admin,
                        "mutation($g: ID!) { addGroupMembershipRule(input: { groupId: $g, site: \"Lyon\" }) { rule { id } } }",
                        json!({ "g": group.id }),
                    )
                    .await;
                let rule = id(&added["addGroupMembershipRule"]["rule"]);
                if mutation == "removeGroupMembershipRule" {
                    self.run(
                        admin,
                        "mutation($r: ID!) { removeGroupMembershipRule(input: { ruleId: $r }) { removedRuleId } }",
                        json!({ "r": rule }),
                    )
                    .await;
                }
                expect(admin, "GroupMembershipRule", &rule)
            }
            "createGroupWebhook" | "revokeGroupWebhook" => {
                let webhook = self.webhook(&group).await;
                if mutation == "revokeGroupWebhook" {
                    self.run(
                        manager,
                        "mutation($id: ID!) { revokeGroupWebhook(input: { webhookId: $id }) { webhook { id } } }",
                        json!({ "id": webhook }),
                    )
                    .await;
                }
                expect(manager, "GroupWebhook", &webhook)
            }
            "createSurvey" | "closeSurvey" => {
                let survey = self.survey(&group).await;
                if mutation == "closeSurvey" {
                    self.run(
                        manager,
                        "mutation($id: ID!) { closeSurvey(input: { surveyId: $id }) { survey { id } } }",
                        json!({ "id": survey }),
                    )
                    .await;
                }
                expect(manager, "Survey", &survey)
            }
            "sendNewsletter" => {
                let created = self
                    .run(
                        admin,
                        "mutation($g: ID!) { createNewsletter(input: { subject: \"La lettre\",
                           intro: \"Bonjour\", audience: { groupIds: [$g] } }) { newsletter { id } } }",
                        json!({ "g": group.id }),
                    )
                    .await;
                let newsletter = id(&created["createNewsletter"]["newsletter"]);
                self.run(
                    admin,
                    "mutation($id: ID!) { sendNewsletter(input: { newsletterId: $id }) { newsletter { id } } }",
                    json!({ "id": newsletter }),
                )
                .await;
                expect(admin, "Newsletter", &newsletter)
            }
            "pinPost" | "unpinPost" => {
                let post = self.post(member, &group).await;
                self.pin(&post, &group).await;
                if mutation == "unpinPost" {
                    self.run(
                        manager,
                        "mutation($p: ID!, $g: ID) { unpinPost(input: { postId: $p, groupId: $g }) { post { id } } }",
                        json!({ "p": post, "g": group.id }),
                    )
                    .await;
                }
                expect(manager, "Post", &post)
            }
            "deletePost" => {
                let post = self.post(member, &group).await;
                self.run(manager, DELETE_POST, json!({ "id": post })).await;
                expect(manager, "Post", &post)
            }
            "deleteComment" => {
                let post = self.post(member, &group).await;
                let comment = self.comment(member, &post).await;
                self.run(manager, DELETE_COMMENT, json!({ "id": comment }))
                    .await;
                expect(manager, "Comment", &comment)
            }
            "updateEvent" | "cancelEvent" => {
                let event = self.event(member, &group).await;
                let query = match mutation {
                    "updateEvent" => UPDATE_EVENT,
                    _ => CANCEL_EVENT,
                };
                self.run(manager, query, json!({ "id": event })).await;
                expect(manager, "Event", &event)
            }
            "inviteToEvent" => {
                let event = self.event(member, &group).await;
                self.run(
                    admin,
                    "mutation($e: ID!, $u: ID!) { inviteToEvent(input: { eventId: $e, userIds: [$u] }) { __typename } }",
                    json!({ "e": event, "u": manager.id }),
                )
                .await;
                expect(admin, "Event", &event)
            }
            "uploadFile" => {
                let (file, _) = self.members_files(&group).await;
                self.upload(manager, json!({ "fileId": file }), "notes v3.txt")
                    .await;
                expect(manager, "File", &file)
            }
            "updateFile" | "deleteFile" | "restoreFile" | "restoreFileVersion" => {
                let (file, _) = self.members_files(&group).await;
                let (trash_first, query) = match mutation {
                    "updateFile" => (
                        false,
                        "mutation($id: ID!) { updateFile(input: { fileId: $id, name: \"Budget.txt\" }) { file { id } } }",
                    ),
                    "deleteFile" => (false, DELETE_FILE),
                    "restoreFile" => (
                        true,
                        "mutation($id: ID!) { restoreFile(input: { fileId: $id }) { file { id } } }",
                    ),
                    _ => (
                        false,
                        "mutation($id: ID!) { restoreFileVersion(input: { fileId: $id, number: 1 }) { file { id } } }",
                    ),
                };
                if trash_first {
                    self.run(manager, DELETE_FILE, json!({ "id": file })).await;
                }
                self.run(manager, query, json!({ "id": file })).await;
                expect(manager, "File", &file)
            }
            "updateFolder" | "deleteFolder" | "restoreFolder" => {
                let (_, folder) = self.members_files(&group).await;
                let (trash_first, query) = match mutation {
                    "updateFolder" => (
                        false,
                        "mutation($id: ID!) { updateFolder(input: { folderId: $id, name: \"Archives\" }) { folder { id } } }",
                    ),
                    "deleteFolder" => (false, DELETE_FOLDER),
                    _ => (
                        true,
                        "mutation($id: ID!) { restoreFolder(input: { folderId: $id }) { folder { id } } }",
                    ),
                };
                if trash_first {
                    self.run(manager, DELETE_FOLDER, json!({ "id": folder }))
                        .await;
                }
                self.run(manager, query, json!({ "id": folder })).await;
                expect(manager, "Folder", &folder)
            }
            "updateNotificationDefaults" => {
                self.run(
                    admin,
                    "mutation { updateNotificationDefaults(input: { defaults: [{ kind: REACTION, delivery: OFF }] }) { notificationDefaults { kind } } }",
                    json!({}),
                )
                .await;
                let defaults =
                    parvis::graphql::ids::encode("NotificationDefaults", uuid::Uuid::nil());
                expect(admin, "NotificationDefaults", &defaults.0)
            }
            "sendAdminMessage" => {
                let data = self
                    .run(
                        admin,
                        "mutation($g: ID!) { sendAdminMessage(input: { title: \"Maintenance\", body: \"Ce soir\", groupIds: [$g] }) { messageId } }",
                        json!({ "g": group.id }),
                    )
                    .await;
                let message = data["sendAdminMessage"]["messageId"].as_str().unwrap();
                expect(admin, "AdminMessage", message)
            }
            "createChatRoom" | "updateConversation" | "deleteConversation" | "deleteMessage" => {
                let room = self.room(&group).await;
                match mutation {
                    "createChatRoom" => expect(manager, "Conversation", &room),
                    "updateConversation" => {
                        self.run(
                            manager,
                            "mutation($c: ID!) { updateConversation(input: { conversationId: $c, archived: true }) { conversation { id } } }",
                            json!({ "c": room }),
                        )
                        .await;
                        expect(manager, "Conversation", &room)
                    }
                    "deleteConversation" => {
                        self.run(
                            manager,
                            "mutation($c: ID!) { deleteConversation(input: { conversationId: $c }) { deletedConversationId } }",
                            json!({ "c": room }),
                        )
                        .await;
                        expect(manager, "Conversation", &room)
                    }
                    _ => {
                        let sent = self
                            .run(
                                member,
                                "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Hors sujet\" }) { message { id } } }",
                                json!({ "c": room }),
                            )
                            .await;
                        let message = id(&sent["sendMessage"]["message"]);
                        self.run(
                            manager,
                            "mutation($m: ID!) { deleteMessage(input: { messageId: $m }) { message { id } } }",
                            json!({ "m": message }),
                        )
                        .await;
                        expect(manager, "Message", &message)
                    }
                }
            }
            other => panic!("{other} is AUDITED but has no exercise here"),
        }
    }
}

fn expect<'a>(actor: &'a TestUser, target_type: &'static str, target_id: &str) -> Expected<'a> {
    Expected {
        actor,
        target_type,
        target_id: target_id.to_owned(),
    }
}

fn id(object: &Value) -> String {
    object["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {object}"))
        .to_owned()
}
