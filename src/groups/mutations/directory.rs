//! Membership that follows the directory: one-off bulk adds and standing rules (org admins).

use async_graphql::{Context, Object};

use super::super::model::{self, BulkAdd};
use super::super::rules::{self};
use super::super::service::{directory_attributes, group_change, open_to_new_members, rule_change};
use super::{
    AddGroupMembersByAttributeInput, AddGroupMembersByAttributePayload,
    AddGroupMembershipRuleInput, AddGroupMembershipRulePayload, RemoveGroupMembershipRuleInput,
    RemoveGroupMembershipRulePayload, change_allowed, change_allowed_if, group_id, locked_change,
};
use crate::audit::Audit;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::{self, Action, Resource};

#[derive(Default)]
pub struct GroupDirectoryMutation;

#[Object]
impl GroupDirectoryMutation {
    /// Adds everyone matching directory attributes (org admins), e.g. the Sales department.
    /// Guests are never added in bulk.
    async fn add_group_members_by_attribute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the department and/or site of the people to add.")]
        input: AddGroupMembersByAttributeInput,
    ) -> ApiResult<AddGroupMembersByAttributePayload> {
        let viewer = ctx.viewer()?;
        policy::require(
            viewer,
            Action::Manage,
            Resource::Organization,
            "Organization",
            "Only org admins add members by directory attribute.",
        )?;
        let id = group_id(&input.group_id, "groupId")?;
        let (department, site) = directory_attributes(input.department, input.site)?;
        let audit = Audit::of(ctx)?;
        let mut added = 0;
        let access = locked_change(ctx, id, open_to_new_members, async |conn| {
            added = model::add_members_by_attribute(
                conn,
                id,
                department.as_deref(),
                site.as_deref(),
                BulkAdd::Once,
            )
            .await?;
            let after = serde_json::json!({
                "department": department,
                "site": site,
                "addedCount": added,
            });
            audit.record(conn, group_change(id).after(&after)?).await
        })
        .await?;
        Ok(AddGroupMembersByAttributePayload {
            group: access,
            added_count: added as i32,
        })
    }

    /// Makes the group follow the directory (org admins): everyone matching the rule joins now,
    /// and whoever moves into the department or site later joins then; people who move away
    /// leave the groups rules brought them into (see `Group.membershipRules`). Guests are never
    /// added. At most 20 rules per group.
    async fn add_group_membership_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the department and/or site its rule follows.")]
        input: AddGroupMembershipRuleInput,
    ) -> ApiResult<AddGroupMembershipRulePayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let (department, site) = directory_attributes(input.department, input.site)?;
        let audit = Audit::of(ctx)?;
        let mut created = None;
        let access = change_allowed_if(
            ctx,
            id,
            Action::Administer,
            "Only org admins make membership rules.",
            open_to_new_members,
            async |conn| {
                if rules::count(conn, id).await? >= rules::MAX_RULES_PER_GROUP {
                    return Err(ApiError::bad_input(
                        "groupId",
                        format!(
                            "a group has at most {} membership rules",
                            rules::MAX_RULES_PER_GROUP
                        ),
                    ));
                }
                let rule = rules::insert(
                    conn,
                    id,
                    department.as_deref(),
                    site.as_deref(),
                    viewer.id(),
                )
                .await?;
                let added = model::add_members_by_attribute(
                    conn,
                    id,
                    department.as_deref(),
                    site.as_deref(),
                    BulkAdd::ByRule,
                )
                .await?;
                let after = serde_json::json!({ "rule": rule, "addedCount": added });
                audit
                    .record(conn, rule_change(&rule).after(&after)?)
                    .await?;
                created = Some((rule, added));
                Ok(())
            },
        )
        .await?;
        let (rule, added) = created.ok_or(ApiError::NotFound(rules::TYPE_NAME))?;
        Ok(AddGroupMembershipRulePayload {
            rule,
            group: access,
            added_count: added as i32,
        })
    }

    /// Stops a membership rule (org admins). The people it brought in stay, as ordinary members.
    async fn remove_group_membership_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership rule to remove.")] input: RemoveGroupMembershipRuleInput,
    ) -> ApiResult<RemoveGroupMembershipRulePayload> {
        let id = ids::decode_as(&input.rule_id, rules::TYPE_NAME, "ruleId")?;
        let rule = rules::load_visible_rule(ctx, id).await?;
        let audit = Audit::of(ctx)?;
        let access = change_allowed(
            ctx,
            rule.group_id,
            Action::Administer,
            "Only org admins remove membership rules.",
            async |conn| {
                let current = rules::find(conn, rule.id)
                    .await?
                    .ok_or(ApiError::NotFound(rules::TYPE_NAME))?;
                rules::delete(conn, &current).await?;
                audit
                    .record(conn, rule_change(&current).before(&current)?)
                    .await
            },
        )
        .await?;
        Ok(RemoveGroupMembershipRulePayload {
            removed_rule_id: input.rule_id,
            group: access,
        })
    }
}
