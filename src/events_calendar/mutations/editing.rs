//! Creating, changing and cancelling events (a whole series, one occurrence, or an occurrence
//! and the ones after it).

use async_graphql::{Context, Object};

use super::super::access;
use super::super::draft::{self, Draft};
use super::super::model::EventFields;
use super::super::service::{self, COVER_FIELD, EventUpdate, NewEvent};
use super::{
    CancelEventInput, CancelEventPayload, CreateEventInput, CreateEventPayload, MAX_ORGANIZERS,
    UpdateEventInput, UpdateEventPayload, managed_event, people,
};
use crate::attachments::service as attachments;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;

#[derive(Default)]
pub struct EventEditingMutation;

#[Object]
impl EventEditingMutation {
    /// Creates an event in a group (its managers, or its members when the group lets them
    /// organize events) or for the whole organization (org admins and communicators); the
    /// viewer becomes one of its organizers.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to create.")] input: CreateEventInput,
    ) -> ApiResult<CreateEventPayload> {
        let viewer = ctx.viewer()?;
        let group = match &input.group_id {
            Some(id) => Some(
                crate::groups::loading::load_visible(
                    ctx,
                    ids::decode_as(id, crate::groups::TYPE_NAME, "groupId")?,
                )
                .await?,
            ),
            None => None,
        };
        service::require_organizing(viewer, group.as_ref())?;
        let mut draft = created_fields(&input, &viewer.user.time_zone)?;
        let attachment_ids = attachments::parse_ids(&input.attachment_ids)?;
        draft.fields.cover_attachment_id = input
            .cover_attachment_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::attachments::access::TYPE_NAME, COVER_FIELD))
            .transpose()?;
        let mut conn = ctx.conn().await?;
        let organizers = people(
            &mut conn,
            viewer,
            "organizerIds",
            &input.organizer_ids,
            MAX_ORGANIZERS,
        )
        .await?;
        let new = NewEvent {
            fields: draft.fields,
            organizers,
            attachments: attachment_ids,
        };
        let event = service::create(&mut conn, ctx.services(), viewer, group, new).await?;
        Ok(CreateEventPayload { event })
    }

    /// Changes the whole series, one occurrence (moving it), or an occurrence and the ones after
    /// it (splitting the series: the payload's event is the new series). For its organizers and
    /// creator, org admins and the managers of its group; a cancelled event cannot change.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to change and what to change.")] input: UpdateEventInput,
    ) -> ApiResult<UpdateEventPayload> {
        let viewer = ctx.viewer()?;
        let (view, audit) = managed_event(
            ctx,
            &input.event_id,
            "Only the event's organizers may change it.",
        )
        .await?;
        let mut conn = ctx.conn().await?;
        let organizers = match &input.organizer_ids {
            Some(ids) => {
                Some(people(&mut conn, viewer, "organizerIds", ids, MAX_ORGANIZERS).await?)
            }
            None => None,
        };
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::parse_ids)
            .transpose()?;
        let cover = attachments::parse_image_id(&input.cover_attachment_id, COVER_FIELD)?;
        let update = EventUpdate {
            scope: input.scope.into(),
            occurrence: input.occurrence_starts_at,
            changes: input.changes,
            organizers,
            attachments: attachment_ids,
            cover,
        };
        let services = ctx.services();
        let id = view.event.id;
        let changed_id =
            service::update(&mut conn, services, viewer, audit.as_ref(), id, update).await?;
        Ok(UpdateEventPayload {
            event: access::find_visible(&mut conn, viewer, changed_id).await?,
        })
    }

    /// Cancels the event (it stays visible, marked cancelled, with the reason) or one occurrence,
    /// and tells its attendees. For its organizers and creator, org admins and the managers of
    /// its group.
    async fn cancel_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event (or occurrence) to cancel.")] input: CancelEventInput,
    ) -> ApiResult<CancelEventPayload> {
        let viewer = ctx.viewer()?;
        let (view, audit) = managed_event(
            ctx,
            &input.event_id,
            "Only the event's organizers may cancel it.",
        )
        .await?;
        let id = view.event.id;
        let reason = draft::text("reason", input.reason.as_deref().unwrap_or(""), 1_000)?;
        let mut conn = ctx.conn().await?;
        let occurrence = input.occurrence_starts_at;
        let services = ctx.services();
        service::cancel(
            &mut conn,
            services,
            viewer,
            audit.as_ref(),
            id,
            reason,
            occurrence,
        )
        .await?;
        Ok(CancelEventPayload {
            event: access::find_visible(&mut conn, viewer, id).await?,
        })
    }
}

fn created_fields(input: &CreateEventInput, default_zone: &str) -> ApiResult<Draft> {
    let (online_url, online_provider) =
        draft::online_url(input.online_url.as_deref().unwrap_or(""))?;
    Draft::finish(EventFields {
        title: input.title.clone(),
        description: input.description.trim().to_owned(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        time_zone: input
            .time_zone
            .clone()
            .unwrap_or_else(|| default_zone.to_owned()),
        all_day: input.all_day,
        location: draft::text("location", input.location.as_deref().unwrap_or(""), 300)?,
        online_url,
        online_provider,
        cover_attachment_id: None,
        capacity: input.capacity,
        recurrence: input.recurrence.clone(),
        last_starts_at: None,
        reminder_minutes: draft::reminders(
            input.reminder_minutes.as_deref().unwrap_or(&[1440, 15]),
        )?,
    })
}
