//! Delivering one notice to its recipients: each must be active, may see the subject, and must
//! not have turned the kind off or muted the group (a direct @mention is heard all the same);
//! the actor is never told of their own doing.
//! Those who want the kind by email get it emailed too (digests gather theirs later).

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::kinds::Delivery;
use super::model::{self, Notice, Notification};
use super::visibility;
use crate::analytics::{Activity, ActivityKind};
use crate::error::ApiResult;
use crate::events::Event;
use crate::services::Services;

/// Delivers `notice` to `recipients`; returns the notifications written (new or collapsed).
pub async fn deliver(
    conn: &mut AsyncPgConnection,
    services: &Services,
    recipients: &[Uuid],
    notice: &Notice,
) -> ApiResult<Vec<Notification>> {
    let wanted: Vec<Uuid> = recipients
        .iter()
        .copied()
        .filter(|recipient| Some(*recipient) != notice.actor)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let deliveries =
        super::preferences::deliveries(conn, &wanted, notice.kind, &notice.groups).await?;
    let people = crate::users::model::find_many(conn, &wanted).await?;
    let check = visibility::SubjectCheck::prepare(conn, notice.subject).await?;
    let mut delivered = Vec::new();
    for person in people {
        let delivery = match deliveries.get(&person.id).copied().unwrap_or(Delivery::Off) {
            Delivery::Email if !notice.kind.emailed_at_once() => Delivery::Digest,
            delivery => delivery,
        };
        if delivery == Delivery::Off || !person.is_active() {
            continue;
        }
        let recipient = visibility::as_viewer(person);
        if !check.allows(conn, &recipient).await? {
            continue;
        }
        let notification = model::upsert(conn, recipient.id(), notice, delivery).await?;
        if delivery == Delivery::Email {
            super::email::schedule(conn, services, &recipient.user, &notification).await?;
        }
        services
            .events
            .publish(
                conn,
                &Event::NotificationReceived {
                    recipient_id: recipient.id(),
                    notification_id: notification.id,
                },
            )
            .await?;
        services.activity.record(
            Activity::by(recipient.id(), ActivityKind::NotificationReceived)
                .in_group(notice.group_id()),
        );
        delivered.push(notification);
    }
    Ok(delivered)
}
