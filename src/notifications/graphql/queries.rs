//! The admins' query of notification defaults (the viewer's own list is on `User`).

use async_graphql::{Context, Object};

use super::types::{NotificationDefault, defaults_list};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// How each kind of notification reaches people who chose nothing themselves (admins).
    async fn notification_defaults(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<NotificationDefault>> {
        ctx.require_admin()?;
        defaults_list(&mut *ctx.conn().await?).await
    }
}
