//! Profile changes, live.

use super::*;

#[derive(Default)]
pub struct UserSubscription;

#[Subscription]
impl UserSubscription {
    /// The person each time their profile changes, from any server instance.
    async fn user_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of a person the viewer may see.")] id: ID,
    ) -> Result<impl Stream<Item = ApiResult<User>> + use<>, ApiError> {
        let user_id = ids::decode_as(&id, TYPE_NAME, "id")?;
        load_visible(ctx, user_id).await?;
        let viewer = ctx.viewer()?.clone();
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::UserUpdated { id } if *id == user_id),
        );
        Ok(reauthorized(
            events,
            services,
            viewer,
            move |conn, viewer, _| {
                Box::pin(async move {
                    let user = model::find(conn, user_id)
                        .await?
                        .ok_or(ApiError::NotFound(TYPE_NAME))?;
                    if !visible_to(conn, viewer, &user).await? {
                        return Err(ApiError::NotFound(TYPE_NAME));
                    }
                    Ok(Some(user))
                })
            },
        ))
    }
}
