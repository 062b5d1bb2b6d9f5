//! The notification operations people and admins perform, each once: checks, transaction,
//! audit entry and trigger. The GraphQL mutations parse input and shape payloads around them.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::kinds::{Delivery, NotificationKind};
use super::preferences;
use super::triggers::{self, Trigger};
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Action, Decision, Resource};
use crate::users::User;
use crate::users::model::DigestFrequency;
use crate::validation;

/// How the audit log names a message from the admins.
pub const ADMIN_MESSAGE_TYPE: &str = "AdminMessage";
const MESSAGE_TITLE_CHARS: usize = 200;
const MESSAGE_BODY_CHARS: usize = 10_000;

/// What a person changes in how they hear of things; `None` keeps the current value.
pub struct SettingsChange {
    /// Kinds to change: `None` goes back to the organization's default.
    pub preferences: Vec<(NotificationKind, Option<Delivery>)>,
    /// New do-not-disturb hours (start, end), or `Some(None)` to turn them off.
    pub quiet_hours: Option<Option<(NaiveTime, NaiveTime)>>,
    pub digest_frequency: Option<DigestFrequency>,
}

/// Changes a person's own settings, all or nothing; returns the person as changed.
pub async fn update_settings(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    change: SettingsChange,
) -> ApiResult<User> {
    if let Some(Some((start, end))) = change.quiet_hours
        && start == end
    {
        return Err(ApiError::bad_input(
            "quietHours.end",
            "must differ from quietHours.start",
        ));
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        for &(kind, delivery) in &change.preferences {
            preferences::set_own_choice(conn, person, kind, delivery).await?;
        }
        preferences::set_personal(conn, person, change.quiet_hours, change.digest_frequency).await
    })
    .await
}

/// Sets how kinds of notification reach people who chose nothing themselves (admins), with the
/// defaults before and after in the audit log.
pub async fn update_defaults(
    conn: &mut AsyncPgConnection,
    admin: &Viewer,
    audit: &Audit,
    defaults: &[(NotificationKind, Delivery)],
) -> ApiResult<()> {
    policy::require_admin(admin)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = defaults_snapshot(conn).await?;
        for &(kind, delivery) in defaults {
            preferences::set_organization_default(conn, kind, delivery).await?;
        }
        let change = Change::of("NotificationDefaults", Uuid::nil())
            .before(&before)?
            .after(&defaults_snapshot(conn).await?)?;
        audit.record(conn, change).await
    })
    .await
}

async fn defaults_snapshot(
    conn: &mut AsyncPgConnection,
) -> ApiResult<BTreeMap<&'static str, &'static str>> {
    Ok(preferences::organization_defaults(conn)
        .await?
        .into_iter()
        .map(|(kind, delivery)| (kind.as_db(), delivery.as_db()))
        .collect())
}

/// A message from the admins to everyone, or to the members of some groups.
pub struct AdminMessage {
    pub title: String,
    pub body: String,
    pub group_ids: Vec<Uuid>,
}

/// Audits the message from an admin and queues its delivery; returns the message's id.
pub async fn send_admin_message(
    conn: &mut AsyncPgConnection,
    sender: &Viewer,
    audit: &Audit,
    message: AdminMessage,
) -> ApiResult<Uuid> {
    policy::require_admin(sender)?;
    let title = validation::name("title", &message.title, MESSAGE_TITLE_CHARS)?;
    let body = message.body.trim().to_owned();
    validation::max_chars("body", &body, MESSAGE_BODY_CHARS)?;
    let group_ids = message.group_ids;
    require_visible_groups(conn, sender, &group_ids).await?;
    let message_id = Uuid::now_v7();
    conn.transaction::<_, ApiError, _>(async |conn| {
        let snapshot = serde_json::json!({ "title": title, "body": body, "groupIds": group_ids });
        audit
            .record(
                conn,
                Change::of(ADMIN_MESSAGE_TYPE, message_id).after(&snapshot)?,
            )
            .await?;
        let trigger = Trigger::AdminMessage {
            message_id,
            title,
            body,
            group_ids,
            by: sender.id(),
        };
        triggers::enqueue(conn, trigger).await
    })
    .await?;
    Ok(message_id)
}

/// Every group exists and the viewer may see it; else NOT_FOUND, as for a group never made.
async fn require_visible_groups(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> ApiResult<()> {
    let found = crate::groups::model::find_access(conn, viewer.id(), ids).await?;
    let visible = |id: &Uuid| {
        found.iter().any(|access| {
            access.group.id == *id
                && policy::can(viewer, Action::View, Resource::Group(access)) != Decision::Hide
        })
    };
    if ids.iter().all(visible) {
        Ok(())
    } else {
        Err(ApiError::NotFound(crate::groups::TYPE_NAME))
    }
}
