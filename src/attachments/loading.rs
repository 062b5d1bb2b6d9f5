//! The attachments of the posts, comments and events a GraphQL request shows, through its
//! DataLoader: one statement per kind of subject and request, however many are listed.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use uuid::Uuid;

use super::model::{self, Attachment, Subject, SubjectKind};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::services::Services;

/// The attachments of posts, comments or events (one statement per kind and request).
pub struct AttachmentLoader {
    services: Arc<Services>,
}

impl AttachmentLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Subject> for AttachmentLoader {
    type Value = Vec<Attachment>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Subject]) -> Result<HashMap<Subject, Self::Value>, Self::Error> {
        let mut conn = crate::graphql::loaders::connection(&self.services).await?;
        let mut loaded = HashMap::new();
        let kinds = [
            SubjectKind::Post,
            SubjectKind::Comment,
            SubjectKind::Event,
            SubjectKind::Message,
        ];
        for kind in kinds {
            let ids: Vec<Uuid> = keys
                .iter()
                .filter(|key| key.kind == kind)
                .map(|key| key.id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let found = model::of_subjects(&mut conn, kind, &ids)
                .await
                .map_err(Arc::new)?;
            loaded.extend(
                found
                    .into_iter()
                    .map(|(id, attachments)| (Subject { kind, id }, attachments)),
            );
        }
        Ok(loaded)
    }
}

/// The attachments of a post, comment, event or message the viewer already sees, in order.
pub async fn of(ctx: &Context<'_>, subject: Subject) -> ApiResult<Vec<Attachment>> {
    Ok(ctx
        .loader::<AttachmentLoader>()?
        .load_one(subject)
        .await
        .map_err(|error| (*error).clone())?
        .unwrap_or_default())
}

/// Loads the attachments of many subjects at once (a feed page), for `of` to find cached.
pub async fn prefetch(ctx: &Context<'_>, subjects: Vec<Subject>) -> ApiResult<()> {
    ctx.loader::<AttachmentLoader>()?
        .load_many(subjects)
        .await
        .map_err(|error| (*error).clone())?;
    Ok(())
}
