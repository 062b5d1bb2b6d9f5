//! Groups: an invitation tells the person invited, a join request the group's managers, a
//! decision the person who asked.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::notifications::deliver::deliver;
use crate::notifications::kinds::NotificationKind;
use crate::notifications::model::{Notice, Subject};
use crate::services::Services;

fn group_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::groups::TYPE_NAME,
        id,
    })
}

pub(super) async fn group_name(
    conn: &mut AsyncPgConnection,
    group: Uuid,
) -> ApiResult<Option<String>> {
    Ok(crate::db::schema::groups::table
        .find(group)
        .select(crate::db::schema::groups::name)
        .first(conn)
        .await
        .optional()?)
}

pub(super) async fn group_invitation(
    conn: &mut AsyncPgConnection,
    services: &Services,
    invitation_id: Uuid,
) -> ApiResult<()> {
    let Some(invitation) = crate::groups::model::find_invitation(conn, invitation_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, invitation.group_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::GroupInvitation,
        subject: group_subject(invitation.group_id),
        groups: vec![invitation.group_id],
        actor: invitation.invited_by,
        data: json!({ "title": name }),
        group_key: format!("group_invitation:{}", invitation.group_id),
    };
    deliver(conn, services, &[invitation.user_id], &notice)
        .await
        .map(drop)
}

pub(super) async fn join_requested(
    conn: &mut AsyncPgConnection,
    services: &Services,
    request_id: Uuid,
) -> ApiResult<()> {
    let Some(request) = crate::groups::model::find_join_request(conn, request_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, request.group_id).await? else {
        return Ok(());
    };
    let managers: Vec<Uuid> = crate::groups::model::member_ids(conn, request.group_id)
        .await?
        .into_iter()
        .filter(|(_, role)| role.manages())
        .map(|(user, _)| user)
        .collect();
    let notice = Notice {
        kind: NotificationKind::JoinRequest,
        subject: group_subject(request.group_id),
        groups: vec![request.group_id],
        actor: Some(request.user_id),
        data: json!({ "title": name }),
        group_key: format!("join_request:{}", request.group_id),
    };
    deliver(conn, services, &managers, &notice).await.map(drop)
}

pub(super) async fn join_request_decided(
    conn: &mut AsyncPgConnection,
    services: &Services,
    request_id: Uuid,
    approved: bool,
    by: Uuid,
) -> ApiResult<()> {
    let Some(request) = crate::groups::model::find_join_request(conn, request_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, request.group_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::JoinRequestDecided,
        subject: group_subject(request.group_id),
        groups: vec![request.group_id],
        actor: Some(by),
        data: json!({ "title": name, "approved": approved }),
        group_key: format!("join_request_decided:{request_id}"),
    };
    deliver(conn, services, &[request.user_id], &notice)
        .await
        .map(drop)
}
