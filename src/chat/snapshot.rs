//! A conversation as read once for all of an instance's subscribers to an event in it
//! (`events::Delivered::read_once`), judged for each subscriber in memory: their group roles as
//! the instance remembers them (`groups::roles`), and the members read with the conversation.

use std::collections::HashSet;

use uuid::Uuid;

use super::ConversationAccess;
use super::model::{self, ConversationRow};
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::groups::Group;
use crate::policy::{Action, Decision, Judged};
use crate::services::Services;

pub struct ConversationSnapshot {
    /// `None` once the conversation is gone.
    row: Option<ConversationRow>,
    group: Option<Group>,
    members: HashSet<Uuid>,
}

impl ConversationSnapshot {
    /// Reads the conversation an event names: three statements, once per instance.
    pub async fn read(services: &Services, id: Uuid) -> ApiResult<Self> {
        let conn = &mut services.pool.get().await?;
        // Read as nobody in particular: membership comes from `members`.
        let row = model::rows_for(conn, Uuid::nil(), &[id]).await?.pop();
        let group = match row.as_ref().and_then(|row| row.conversation.group_id) {
            Some(group) => crate::groups::model::find_many(conn, &[group]).await?.pop(),
            None => None,
        };
        let members = model::members_of(conn, id).await?.into_iter().collect();
        Ok(Self {
            row,
            group,
            members,
        })
    }

    /// The conversation as `viewer` stands towards it, if they may see it.
    pub async fn seen_by(
        &self,
        services: &Services,
        viewer: &Viewer,
    ) -> ApiResult<Option<ConversationAccess>> {
        let Some(row) = &self.row else {
            return Ok(None);
        };
        let group = match &self.group {
            Some(group) => {
                let roles = services.group_roles.of(&services.pool, viewer.id()).await?;
                crate::groups::roles::access_with(&roles, std::slice::from_ref(group)).pop()
            }
            None => None,
        };
        let mut access = ConversationAccess::new(row.clone(), group);
        access.member = self.members.contains(&viewer.id());
        Ok((access.decide(viewer, Action::View) != Decision::Hide).then_some(access))
    }
}
