//! Where file contents live: `object_store`, on the local disk under the data directory by
//! default, or any store its URL names (S3-compatible storage with the `s3` feature, on by default).
//! Uploads stream through with bounded memory, hashed on the way; keys are random.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart,
};
use sha2::{Digest, Sha256};

/// Parts written to the store at a time (S3's minimum part size).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Bytes read from a local file at a time. `object_store`'s own stream reads 8 KiB per trip to the
/// blocking thread pool, which held downloads to a fifth of the speed of these reads.
const READ_CHUNK: usize = 256 * 1024;
/// How many bytes the content type is sniffed from.
const SNIFF_BYTES: usize = 8 * 1024;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store, where interrupted writes leave staging files.
    local_root: Option<PathBuf>,
    /// An S3 store's multipart uploads, which interrupted uploads leave incomplete.
    #[cfg(feature = "s3")]
    s3_uploads: Option<super::s3_uploads::S3Uploads>,
}

/// Why an upload did not make it to the store.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The body failed (the client went away, or the request broke a limit).
    #[error("the upload was interrupted: {0}")]
    Interrupted(Box<dyn std::error::Error + Send + Sync>),
    #[error("storage failed: {0}")]
    Store(#[from] object_store::Error),
}

/// What a finished upload wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub size: u64,
    pub sha256: Vec<u8>,
    pub content_type: String,
}

impl Storage {
    /// `file:///path` (the default: `<data dir>/files`) or another `object_store` URL, configured
    /// by the environment's `AWS_*`, `GOOGLE_*` and `AZURE_*` variables (`AWS_ENDPOINT`,
    /// `AWS_ACCESS_KEY_ID`, ...: any name `object_store`'s builders accept, in upper case).
    pub fn open(url: &str) -> anyhow::Result<Self> {
        Self::open_with(url, Vec::new())
    }

    /// `open`, with `object_store` options (such as `aws_endpoint`) that win over the environment's.
    pub fn open_with(
        url: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url)?;
        if parsed.scheme() == "file" {
            let dir = parsed
                .to_file_path()
                .map_err(|_| anyhow::anyhow!("{url} is not a local directory"))?;
            std::fs::create_dir_all(&dir)?;
            return Ok(Self {
                store: Arc::new(LocalFileSystem::new_with_prefix(&dir)?),
                local_root: Some(dir),
                #[cfg(feature = "s3")]
                s3_uploads: None,
            });
        }
        // Later options override earlier ones; names are matched case-insensitively.
        let from_env = std::env::vars_os().filter_map(|(name, value)| {
            let (name, value) = (name.into_string().ok()?, value.into_string().ok()?);
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                .then_some((name, value))
        });
        let options: Vec<(String, String)> = from_env.chain(options).collect();
        #[cfg(feature = "s3")]
        let s3_uploads = (parsed.scheme() == "s3")
            .then(|| super::s3_uploads::S3Uploads::new(&parsed, options.clone()))
            .transpose()?;
        let (store, prefix) = object_store::parse_url_opts(&parsed, options)?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Self {
            store,
            local_root: None,
            #[cfg(feature = "s3")]
            s3_uploads,
        })
    }

    /// A new random key for an object.
    pub fn new_key(kind: &str) -> String {
        format!("{kind}/{}", uuid::Uuid::new_v4())
    }

    /// Streams `body` into `key`, at most `limit` bytes; on any failure nothing is left behind.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        body: S,
        limit: u64,
    ) -> Result<Written, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = ObjectPath::from(key);
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        let mut size: u64 = 0;
        let mut body = std::pin::pin!(body);
        let streamed: Result<(), UploadError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|error| UploadError::Interrupted(error.into()))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(UploadError::TooLarge { limit });
                }
                hasher.update(&chunk);
                if head.len() < SNIFF_BYTES {
                    let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                // Back-pressure: at most two parts in flight, so memory stays bounded.
                writer.wait_for_capacity(2).await?;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        match streamed {
            Ok(()) => {
                writer.finish().await?;
                Ok(Written {
                    size,
                    sha256: hasher.finalize().to_vec(),
                    content_type: sniff(&head),
                })
            }
            Err(error) => {
                // `abort` cancels the parts in flight, but S3 may still store a part whose bytes
                // had arrived, after the abort and out of sight: let them land first.
                let _ = writer.wait_for_capacity(0).await;
                let _ = writer.abort().await;
                Err(error)
            }
        }
    }

    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> object_store::Result<()> {
        self.store
            .put(&ObjectPath::from(key), bytes.into())
            .await
            .map(|_| ())
    }

    /// The whole object, when it is at most `limit` bytes (thumbnails read images this way).
    pub async fn get_bytes(&self, key: &str, limit: u64) -> object_store::Result<Option<Bytes>> {
        let result = self.store.get(&ObjectPath::from(key)).await?;
        if result.meta.size > limit {
            return Ok(None);
        }
        result.bytes().await.map(Some)
    }

    /// The object (or a byte range of it) as a stream.
    pub async fn get_stream(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> object_store::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self.store.get_opts(&ObjectPath::from(key), options).await?;
        Ok(match result.payload {
            GetResultPayload::File(file, _) => read_file(file, result.range),
            GetResultPayload::Stream(stream) => stream,
        })
    }

    pub async fn copy(&self, from: &str, to: &str) -> object_store::Result<()> {
        self.store
            .copy(&ObjectPath::from(from), &ObjectPath::from(to))
            .await
    }

    /// Deletes what writes interrupted before `before` left behind, under names no row and no
    /// garbage entry knows. A local store writes every object (`put`, multipart uploads,
    /// copies) to `<key>#<n>` and renames it into place when done (our keys never hold `#`);
    /// an S3 store keeps the parts of an upload never completed. The keys in `being_written`
    /// are spared whatever their age. Returns how many went.
    pub async fn sweep_staging(
        &self,
        before: SystemTime,
        being_written: &HashSet<String>,
    ) -> anyhow::Result<usize> {
        let mut removed = 0;
        if let Some(root) = self.local_root.clone() {
            let spared = being_written.clone();
            removed +=
                tokio::task::spawn_blocking(move || remove_staging_files(&root, before, &spared))
                    .await??;
        }
        #[cfg(feature = "s3")]
        if let Some(uploads) = &self.s3_uploads {
            removed += uploads
                .abort_started_before(before.into(), being_written)
                .await?;
        }
        Ok(removed)
    }

    /// Removes an object; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// Walks `root` (without following links) and removes staging files last written before `before`,
/// but those of the keys in `spared`.
fn remove_staging_files(
    root: &Path,
    before: SystemTime,
    spared: &HashSet<String>,
) -> std::io::Result<usize> {
    let mut removed = 0;
    let mut directories = vec![root.to_path_buf()];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(&directory)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                directories.push(entry.path());
                continue;
            }
            let path = entry.path();
            let key = path
                .strip_prefix(root)
                .ok()
                .and_then(|relative| relative.to_str())
                .and_then(|relative| relative.rsplit_once('#'))
                .map(|(key, _)| key);
            let staging = kind.is_file() && key.is_some_and(|key| !spared.contains(key));
            if staging && written_before(&entry, before)? {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    // Finished (renamed) or removed by another instance meanwhile.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
        }
    }
    Ok(removed)
}

/// Whether the file was last written before `before`; a file gone meanwhile (its write finished
/// and renamed it into place) was not.
fn written_before(entry: &std::fs::DirEntry, before: SystemTime) -> std::io::Result<bool> {
    match entry.metadata().and_then(|metadata| metadata.modified()) {
        Ok(modified) => Ok(modified < before),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// `range` of a local file, `READ_CHUNK` bytes per trip to the blocking thread pool.
fn read_file(
    file: std::fs::File,
    range: Range<u64>,
) -> BoxStream<'static, object_store::Result<Bytes>> {
    use std::os::unix::fs::FileExt;
    futures::stream::try_unfold((file, range), |(file, range)| async move {
        if range.is_empty() {
            return Ok(None);
        }
        let read = tokio::task::spawn_blocking(move || {
            let len = (range.end - range.start).min(READ_CHUNK as u64) as usize;
            let mut buffer = vec![0; len];
            file.read_exact_at(&mut buffer, range.start)?;
            let rest = range.start + len as u64..range.end;
            Ok::<_, std::io::Error>(Some((Bytes::from(buffer), (file, rest))))
        })
        .await;
        match read {
            Ok(Ok(chunk)) => Ok(chunk),
            Ok(Err(error)) => Err(local_error(error)),
            Err(error) => Err(local_error(error)),
        }
    })
    .boxed()
}

fn local_error(error: impl std::error::Error + Send + Sync + 'static) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: Box::new(error),
    }
}

/// The content type from the bytes themselves, never from what the client claims: a known
/// signature, else UTF-8 text, else unknown binary.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // The sample may end inside a character.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) if !text.contains('\0') => {
            let start = text.trim_start().to_ascii_lowercase();
            if start.starts_with("<svg") || (start.starts_with("<?xml") && start.contains("<svg")) {
                "image/svg+xml".to_owned()
            } else if start.starts_with("<!doctype html") || start.starts_with("<html") {
                "text/html".to_owned()
            } else {
                "text/plain; charset=utf-8".to_owned()
            }
        }
        _ => "application/octet-stream".to_owned(),
    }
}

/// A content hash as clients see it (lowercase hex).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff("Compte rendu du comité\n".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "image/svg+xml"
        );
        assert_eq!(sniff(b"<!DOCTYPE html><script>"), "text/html");
        assert_eq!(sniff(&[0, 159, 146, 150]), "application/octet-stream");
        assert_eq!(sniff(b""), "text/plain; charset=utf-8");
    }
}
