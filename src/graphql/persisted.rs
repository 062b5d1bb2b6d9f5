//! Persisted documents. Apollo Automatic Persisted Queries: a request may carry
//! `extensions.persistedQuery: { version: 1, sha256Hash }` instead of its document; an unknown
//! hash answers `PERSISTED_QUERY_NOT_FOUND`, and the client then sends the document with its hash,
//! which registers it in PostgreSQL (once it validates), for every instance. In trusted-documents
//! mode (`--trusted-documents <manifest.json>`, as GraphQL Code Generator's client preset or
//! Relay writes it), only the manifest's documents run, by hash or by text; org admins may still
//! send any document (GraphiQL).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::{Request, ServerError, ServerResult, ValidationResult};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::context::RequestContext;
use super::limits::coded_error as coded;
use crate::db::schema::persisted_documents;
use crate::error::ApiResult;
use crate::services::Services;

/// The code Apollo Client's `PersistedQueryLink` answers by sending the document.
pub const NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// The code of a document refused in trusted-documents mode.
pub const NOT_TRUSTED: &str = "PERSISTED_QUERY_NOT_TRUSTED";

/// The documents a deployment allows, by the hex SHA-256 of their text.
#[derive(Debug, Clone, Default)]
pub struct TrustedDocuments(Arc<HashMap<String, String>>);

impl TrustedDocuments {
    /// Reads a manifest: a JSON object of hash to document (keys may carry a `sha256:` prefix).
    /// A key that is not its document's SHA-256 is refused: clients send that hash.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the trusted documents {}", path.display()))?;
        let manifest: HashMap<String, String> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a JSON object of hash to document",
                path.display()
            )
        })?;
        let mut documents = HashMap::with_capacity(manifest.len());
        for (key, document) in manifest {
            let hash = key
                .strip_prefix("sha256:")
                .unwrap_or(&key)
                .to_ascii_lowercase();
            anyhow::ensure!(
                sha256(&document) == hash,
                "{}: the key {key} is not the SHA-256 of its document",
                path.display()
            );
            documents.insert(hash, document);
        }
        Ok(Self(Arc::new(documents)))
    }

    fn get(&self, hash: &str) -> Option<&String> {
        self.0.get(hash)
    }
}

fn sha256(document: &str) -> String {
    format!("{:x}", Sha256::digest(document.as_bytes()))
}

#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The extension every schema runs, first (before the document limits count the tokens of the
/// document it restores).
pub struct PersistedDocuments {
    trusted: Option<TrustedDocuments>,
}

impl PersistedDocuments {
    pub fn new(trusted: Option<TrustedDocuments>) -> Self {
        Self { trusted }
    }
}

impl ExtensionFactory for PersistedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedDocumentsExtension {
            trusted: self.trusted.clone(),
            state: Mutex::default(),
        })
    }
}

/// What `prepare_request` learnt, for `validation` to act on once the document is known valid.
#[derive(Default)]
enum Pending {
    #[default]
    Nothing,
    /// A document sent with its hash: registered if it validates.
    Register { hash: String, document: String },
    /// A document outside the trusted manifest: only an admin may run it.
    NeedsAdmin,
}

/// One request's pass through the extension.
struct PersistedDocumentsExtension {
    trusted: Option<TrustedDocuments>,
    state: Mutex<Pending>,
}

impl PersistedDocumentsExtension {
    fn expect(&self, pending: Pending) {
        if let Ok(mut state) = self.state.lock() {
            *state = pending;
        }
    }

    fn take(&self) -> Pending {
        self.state
            .lock()
            .map(|mut state| std::mem::take(&mut *state))
            .unwrap_or_default()
    }

    /// The document a hash names: the manifest's in trusted mode, else a registered one.
    async fn lookup(&self, services: &Services, hash: &str) -> ApiResult<Option<String>> {
        if let Some(trusted) = &self.trusted {
            return Ok(trusted.get(hash).cloned());
        }
        Ok(persisted_documents::table
            .find(hash)
            .select(persisted_documents::document)
            .first(&mut services.pool.get().await?)
            .await
            .optional()?)
    }
}

#[async_trait::async_trait]
impl Extension for PersistedDocumentsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            if self.trusted.is_some() {
                self.expect(Pending::NeedsAdmin);
            }
            return next.run(ctx, request).await;
        };
        let persisted = async_graphql::from_value::<PersistedQuery>(value)
            .ok()
            .filter(|persisted| persisted.version == 1)
            .ok_or_else(|| {
                coded(
                    "`extensions.persistedQuery` must be `{ version: 1, sha256Hash }`.",
                    "BAD_USER_INPUT",
                )
            })?;
        let hash = persisted.sha256_hash.to_ascii_lowercase();
        if request.query.is_empty() {
            let services = ctx.data::<Arc<Services>>().map_err(server_error)?;
            match self.lookup(services, &hash).await {
                Ok(Some(document)) => request.query = document,
                Ok(None) => return Err(coded("PersistedQueryNotFound", NOT_FOUND)),
                Err(error) => return Err(server_error(error)),
            }
        } else if sha256(&request.query) != hash {
            return Err(coded(
                "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of the query.",
                "BAD_USER_INPUT",
            ));
        } else {
            self.expect(match &self.trusted {
                Some(trusted) if trusted.get(&hash).is_some() => Pending::Nothing,
                Some(_) => Pending::NeedsAdmin,
                None => Pending::Register {
                    hash,
                    document: request.query.clone(),
                },
            });
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let pending = self.take();
        if let Pending::NeedsAdmin = pending {
            let admin = ctx
                .data_opt::<RequestContext>()
                .and_then(|request| request.viewer.as_ref())
                .is_some_and(|viewer| crate::policy::require_admin(viewer).is_ok());
            if !admin {
                return Err(vec![coded(
                    "This server runs trusted documents only: send the hash of a document of its manifest.",
                    NOT_TRUSTED,
                )]);
            }
        }
        let result = next.run(ctx).await?;
        if let Pending::Register { hash, document } = pending {
            let services = ctx
                .data::<Arc<Services>>()
                .map_err(|error| vec![server_error(error)])?;
            register(services, &hash, &document)
                .await
                .map_err(|error| vec![server_error(error)])?;
        }
        Ok(result)
    }
}

/// Registers a document under its hash; a second registration changes nothing.
async fn register(services: &Services, hash: &str, document: &str) -> ApiResult<()> {
    diesel::insert_into(persisted_documents::table)
        .values((
            persisted_documents::sha256.eq(hash),
            persisted_documents::document.eq(document),
        ))
        .on_conflict_do_nothing()
        .execute(&mut services.pool.get().await?)
        .await?;
    Ok(())
}

/// An error raised before execution, as a response error (no location: it is the request's).
fn server_error(error: impl Into<async_graphql::Error>) -> ServerError {
    let error = error.into();
    let mut server = ServerError::new(error.message, None);
    server.source = error.source;
    server.extensions = error.extensions;
    server
}
