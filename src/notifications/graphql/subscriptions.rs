//! `notificationReceived`: the viewer's notifications as they arrive, from any instance.

use async_graphql::{Context, Subscription};
use futures::Stream;

use super::super::model::{self, Notification};
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, reauthorized};
use crate::graphql::context::ContextExt;

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Each notification the viewer receives (or that is updated: "and 4 others"), from any
    /// server instance; never one about something the viewer may no longer see.
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ApiResult<Notification>> + use<>, ApiError> {
        let viewer = ctx.viewer()?.clone();
        let me = viewer.id();
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(move |event| {
            matches!(event, Event::NotificationReceived { recipient_id, .. } if *recipient_id == me)
        });
        Ok(reauthorized(
            events,
            services,
            viewer,
            |conn, viewer, event| {
                Box::pin(async move {
                    let Event::NotificationReceived {
                        notification_id, ..
                    } = event
                    else {
                        return Ok(None);
                    };
                    let Some(notification) = model::find(conn, *notification_id).await? else {
                        return Ok(None);
                    };
                    if notification.recipient_id != viewer.id() {
                        return Ok(None);
                    }
                    if let (Some(type_name), Some(id)) =
                        (&notification.subject_type, notification.subject_id)
                        && !super::super::visibility::can_see_stored(conn, viewer, type_name, id)
                            .await?
                    {
                        return Ok(None);
                    }
                    Ok(Some(notification))
                })
            },
        ))
    }
}
