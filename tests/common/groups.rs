//! Group fixtures made straight in the database, so tests spend their requests on what they test.

use parvis::groups::model::{self, NewGroup};
use parvis::groups::{GroupRole, JoinPolicy, PostingPolicy, Visibility};
use uuid::Uuid;

use super::{TestApp, TestUser};

pub struct TestGroup {
    /// Global ID.
    pub id: String,
    pub uuid: Uuid,
    pub slug: String,
}

pub fn default_join_policy(visibility: Visibility) -> JoinPolicy {
    match visibility {
        Visibility::Public => JoinPolicy::Open,
        Visibility::Private => JoinPolicy::Request,
        Visibility::Secret => JoinPolicy::InviteOnly,
    }
}

impl TestApp {
    /// A group owned by `owner`, with the default join policy of its visibility.
    pub async fn create_group(
        &self,
        owner: &TestUser,
        name: &str,
        visibility: Visibility,
    ) -> TestGroup {
        let mut conn = self.db().connect().await.expect("connect");
        let slug = parvis::validation::slugify(name);
        let group = NewGroup {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            slug: slug.clone(),
            description: format!("About {name}"),
            visibility,
            join_policy: default_join_policy(visibility),
            posting_policy: PostingPolicy::Members,
            created_by: Some(owner.uuid),
        };
        model::insert(&mut conn, &group)
            .await
            .expect("insert group");
        model::add_member(&mut conn, group.id, owner.uuid, GroupRole::Owner)
            .await
            .expect("add owner");
        TestGroup {
            id: parvis::graphql::ids::encode("Group", group.id).0,
            uuid: group.id,
            slug,
        }
    }

    pub async fn add_member(&self, group: &TestGroup, user: &TestUser, role: GroupRole) {
        let mut conn = self.db().connect().await.expect("connect");
        model::add_member(&mut conn, group.uuid, user.uuid, role)
            .await
            .expect("add member");
    }
}
