//! Ending everything that lets someone act, read or be recognised as a person without signing in
//! again: deactivation calls it (and erasure would), so a later reactivation revives nothing.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{access_tokens, sessions};
use crate::error::ApiResult;
use crate::events::{Event, EventBus};

/// In the caller's transaction, ends the person's sessions, revokes their personal access tokens
/// and calendar feed URLs, retires their unsubscribe links and any activation code, and refuses
/// identity providers' tokens issued until now (they cannot be revoked from here). Once that
/// commits, their open connections close on every instance. Their password stays: a reactivated
/// person signs in again with it. Invitations they sent and group webhooks they made are the
/// organization's and the group's, not theirs, and keep working.
pub async fn revoke_credentials(
    conn: &mut AsyncPgConnection,
    events: &EventBus,
    user_id: Uuid,
) -> ApiResult<()> {
    sessions::delete_all_for_user(conn, user_id).await?;
    access_tokens::revoke_all_for_user(conn, user_id).await?;
    crate::events_calendar::feeds::model::revoke_all_for_user(conn, user_id).await?;
    crate::email::unsubscribe::forget_links_of(conn, user_id).await?;
    crate::users::model::mark_credentials_revoked(conn, user_id).await?;
    events
        .publish(
            conn,
            &Event::CredentialsRevoked {
                user_id,
                credential_id: None,
            },
        )
        .await
}
