//! Answering events and inviting people to answer them.

use async_graphql::{Context, Object};

use super::super::access;
use super::super::draft;
use super::super::graphql::AttendanceObject;
use super::super::model::AttendanceStatus;
use super::super::service;
use super::{
    InviteToEventInput, InviteToEventPayload, MAX_INVITES, RespondToEventInput,
    RespondToEventPayload, RsvpStatus, authorised_event, managed_event, people,
};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::policy::Action;

#[derive(Default)]
pub struct EventAttendanceMutation;

#[Object]
impl EventAttendanceMutation {
    /// Answers an event the viewer may see (not a cancelled one). GOING past the last seat is
    /// WAITLISTED; a seat freed by a decline goes to the first on the waitlist.
    async fn respond_to_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event and the viewer's answer.")] input: RespondToEventInput,
    ) -> ApiResult<RespondToEventPayload> {
        let viewer = ctx.viewer()?;
        let id = authorised_event(
            ctx,
            &input.event_id,
            Action::Attend,
            "This event is cancelled.",
        )
        .await?
        .event
        .id;
        let own_reminders = input
            .reminder_minutes
            .as_deref()
            .map(draft::reminders)
            .transpose()?;
        let wanted = match input.status {
            RsvpStatus::Going => AttendanceStatus::Going,
            RsvpStatus::Maybe => AttendanceStatus::Maybe,
            RsvpStatus::Declined => AttendanceStatus::Declined,
        };
        let mut conn = ctx.conn().await?;
        let services = ctx.services();
        let (attendance, event) =
            service::answer(&mut conn, services, viewer, id, wanted, own_reminders).await?;
        Ok(RespondToEventPayload {
            attendance: attendance.into(),
            event,
        })
    }

    /// Organizers invite people to answer it; those invited are notified. People who already
    /// answered or were invited are left as they were.
    async fn invite_to_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event and the people to invite.")] input: InviteToEventInput,
    ) -> ApiResult<InviteToEventPayload> {
        let viewer = ctx.viewer()?;
        let (view, audit) = managed_event(
            ctx,
            &input.event_id,
            "Only the event's organizers may invite people.",
        )
        .await?;
        let mut conn = ctx.conn().await?;
        let invitees = people(&mut conn, viewer, "userIds", &input.user_ids, MAX_INVITES).await?;
        let invitations =
            service::invite(&mut conn, viewer, audit.as_ref(), &view.event, &invitees).await?;
        Ok(InviteToEventPayload {
            event: access::find_visible(&mut conn, viewer, view.event.id).await?,
            invitations: invitations
                .into_iter()
                .map(AttendanceObject::from)
                .collect(),
        })
    }
}
