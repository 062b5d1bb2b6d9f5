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
    Viewer::new(user, Credential::Recipient)
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
        crate::posts::TYPE_NAME => return can_see_post(conn, viewer, id).await,
        crate::groups::TYPE_NAME => {
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
        crate::chat::MESSAGE_TYPE => crate::chat::service::visible_message(conn, viewer, id)
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
    match LoadedPost::load(conn, id).await? {
        Some(post) => post.visible_to(conn, viewer).await,
        None => Ok(false),
    }
}

/// A post with its audience groups, loaded once to check many recipients (one statement per
/// recipient of a group post, none for organization-wide ones).
pub struct LoadedPost {
    post: crate::posts::Post,
    groups: Vec<uuid::Uuid>,
}

impl LoadedPost {
    pub async fn load(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> ApiResult<Option<Self>> {
        let Some(post) = crate::posts::model::find(conn, id).await? else {
            return Ok(None);
        };
        let groups = crate::posts::model::audience_of(conn, id).await?;
        Ok(Some(Self { post, groups }))
    }

    pub async fn visible_to(
        &self,
        conn: &mut AsyncPgConnection,
        viewer: &Viewer,
    ) -> ApiResult<bool> {
        crate::posts::service::may_read(conn, viewer, &self.post, &self.groups).await
    }
}

/// What a notice's recipients are checked against, loaded once for all of them.
pub enum SubjectCheck {
    Nothing,
    Post(Option<LoadedPost>),
    Other(Subject),
}

impl SubjectCheck {
    pub async fn prepare(
        conn: &mut AsyncPgConnection,
        subject: Option<Subject>,
    ) -> ApiResult<Self> {
        Ok(match subject {
            None => Self::Nothing,
            Some(subject) if subject.type_name == crate::posts::TYPE_NAME => {
                Self::Post(LoadedPost::load(conn, subject.id).await?)
            }
            Some(subject) => Self::Other(subject),
        })
    }

    pub async fn allows(&self, conn: &mut AsyncPgConnection, viewer: &Viewer) -> ApiResult<bool> {
        match self {
            Self::Nothing => Ok(true),
            Self::Post(None) => Ok(false),
            Self::Post(Some(post)) => post.visible_to(conn, viewer).await,
            Self::Other(subject) => can_see(conn, viewer, *subject).await,
        }
    }
}
