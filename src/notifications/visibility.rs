//! Whether a recipient may see what a notification is about, asked of the policy as them: nobody
//! hears of a post in a group they are not in, or of a file in a drive they cannot read.

use diesel_async::AsyncPgConnection;

use super::model::Subject;
use crate::auth::{Credential, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Action, Resource};
use crate::users::User;

/// The recipient as the policy sees them.
pub fn as_viewer(user: User) -> Viewer {
    Viewer {
        user,
        credential: Credential::Recipient,
    }
}

/// Whether `viewer` may see `subject`.
pub async fn can_see(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    subject: Subject,
) -> ApiResult<bool> {
    can_see_stored(conn, viewer, subject.type_name, subject.id).await
}

/// Whether `viewer` may see the object of type `type_name` (a global ID's) and `id`.
pub async fn can_see_stored(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    type_name: &str,
    id: uuid::Uuid,
) -> ApiResult<bool> {
    let outcome = match type_name {
        crate::posts::graphql::TYPE_NAME => return can_see_post(conn, viewer, id).await,
        crate::groups::graphql::TYPE_NAME => {
            let groups = crate::groups::model::find_access(conn, viewer.id(), &[id]).await?;
            return Ok(groups.first().is_some_and(|group| {
                policy::can(viewer, Action::View, Resource::Group(group)).allowed()
            }));
        }
        crate::events_calendar::access::TYPE_NAME => {
            crate::events_calendar::access::find_visible(conn, viewer, id)
                .await
                .map(drop)
        }
        crate::files::access::FILE_TYPE => {
            crate::files::access::file_by_id(conn, viewer, id, false)
                .await
                .map(drop)
        }
        crate::files::access::FOLDER_TYPE => crate::files::access::folder_by_id(conn, viewer, id)
            .await
            .map(drop),
        other => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "notifications know no subject of type {other}"
            )));
        }
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(ApiError::NotFound(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

async fn can_see_post(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: uuid::Uuid,
) -> ApiResult<bool> {
    let Some(post) = crate::posts::model::find(conn, id).await? else {
        return Ok(false);
    };
    if !post.is_live() {
        return Ok(false);
    }
    let groups = crate::posts::model::audiences(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let audiences = crate::groups::model::find_access(conn, viewer.id(), &groups).await?;
    Ok(policy::can(
        viewer,
        Action::View,
        Resource::Post {
            post: &post,
            audiences: &audiences,
        },
    )
    .allowed())
}
