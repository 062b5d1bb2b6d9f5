//! DataLoaders: one SQL statement per kind of object per request, however many are asked for.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::app::Services;
use crate::error::ApiError;
use crate::users::{User, model};

pub struct UserLoader {
    services: Arc<Services>,
}

impl UserLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for UserLoader {
    type Value = User;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, User>, Self::Error> {
        let mut conn = self
            .services
            .pool
            .get()
            .await
            .map_err(|e| Arc::new(e.into()))?;
        let users = model::find_many(&mut conn, keys).await.map_err(Arc::new)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}
