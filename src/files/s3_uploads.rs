//! Incomplete multipart uploads on S3-compatible storage. A process killed while streaming an
//! upload leaves its parts in the bucket, invisible to listings and billed, until someone aborts
//! the upload; `object_store` can neither list nor abort uploads it no longer holds, so this
//! module speaks the two S3 calls itself (ListMultipartUploads, AbortMultipartUpload), signed
//! with `object_store`'s own SigV4 signer and credentials.

use std::collections::HashSet;

use axum::http::{Method, Request};
use chrono::{DateTime, Utc};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey, AwsAuthorizer};
use object_store::client::HttpRequestBody;
use serde::Deserialize;

/// Pages of the upload listing read per sweep (1,000 uploads each), so one sweep is bounded.
const MAX_PAGES: usize = 20;

#[derive(Debug, Clone)]
pub struct S3Uploads {
    s3: AmazonS3,
    /// The bucket's URL, without a trailing slash (path style, or the virtual host).
    bucket_url: String,
    region: String,
    /// The store's key prefix: only uploads under it are Parvis's.
    prefix: String,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListMultipartUploadsResult {
    #[serde(default)]
    upload: Vec<Upload>,
    #[serde(default)]
    is_truncated: bool,
    next_key_marker: Option<String>,
    next_upload_id_marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Upload {
    key: String,
    upload_id: String,
    initiated: DateTime<Utc>,
}

impl S3Uploads {
    /// For `s3://bucket/prefix` with the same options the store was built with.
    pub fn new(
        url: &url::Url,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let builder = options.into_iter().fold(
            AmazonS3Builder::new().with_url(url.as_str()),
            |builder, (key, value)| match key.to_ascii_lowercase().parse() {
                Ok(key) => builder.with_config(key, value),
                Err(_) => builder,
            },
        );
        let bucket = url
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("{url} names no bucket"))?
            .to_owned();
        let region = builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        let virtual_hosted = builder
            .get_config_value(&AmazonS3ConfigKey::VirtualHostedStyleRequest)
            .is_some_and(|value| value == "true");
        let bucket_url = match builder.get_config_value(&AmazonS3ConfigKey::Endpoint) {
            // With virtual-hosted requests, a configured endpoint already names the bucket.
            Some(endpoint) if virtual_hosted => endpoint.trim_end_matches('/').to_owned(),
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        let prefix = url.path().trim_matches('/').to_owned();
        Ok(Self {
            s3: builder.build()?,
            bucket_url,
            region,
            prefix: if prefix.is_empty() {
                prefix
            } else {
                format!("{prefix}/")
            },
            http: reqwest::Client::new(),
        })
    }

    /// Aborts the uploads under the store's prefix started before `before`, but those of the keys
    /// in `spared`; returns how many.
    pub async fn abort_started_before(
        &self,
        before: DateTime<Utc>,
        spared: &HashSet<String>,
    ) -> anyhow::Result<usize> {
        let mut aborted = 0;
        let mut markers: Option<(String, String)> = None;
        for _ in 0..MAX_PAGES {
            let page = self.list(markers.as_ref()).await?;
            let due = page.upload.iter().filter(|upload| {
                let key = upload.key.strip_prefix(&self.prefix).unwrap_or(&upload.key);
                upload.initiated < before && !spared.contains(key)
            });
            for upload in due {
                self.abort(upload).await?;
                aborted += 1;
            }
            markers = match (
                page.is_truncated,
                page.next_key_marker,
                page.next_upload_id_marker,
            ) {
                (true, Some(key), Some(upload_id)) => Some((key, upload_id)),
                _ => break,
            };
        }
        Ok(aborted)
    }

    async fn list(
        &self,
        markers: Option<&(String, String)>,
    ) -> anyhow::Result<ListMultipartUploadsResult> {
        let mut url = url::Url::parse(&format!("{}/", self.bucket_url))?;
        url.query_pairs_mut()
            .append_pair("uploads", "")
            .append_pair("prefix", &self.prefix);
        if let Some((key, upload_id)) = markers {
            url.query_pairs_mut()
                .append_pair("key-marker", key)
                .append_pair("upload-id-marker", upload_id);
        }
        let body = self.send(Method::GET, url).await?;
        Ok(quick_xml::de::from_str(&body)?)
    }

    async fn abort(&self, upload: &Upload) -> anyhow::Result<()> {
        let mut url = url::Url::parse(&format!("{}/", self.bucket_url))?;
        url.path_segments_mut()
            .map_err(|_| anyhow::anyhow!("the bucket URL cannot hold a key"))?
            .pop_if_empty()
            .extend(upload.key.split('/'));
        url.query_pairs_mut()
            .append_pair("uploadId", &upload.upload_id);
        self.send(Method::DELETE, url).await.map(drop)
    }

    /// Sends a signed request without a body; returns the response's text.
    async fn send(&self, method: Method, url: url::Url) -> anyhow::Result<String> {
        let credential = self.s3.credentials().get_credential().await?;
        let mut request = Request::builder()
            .method(method.clone())
            .uri(url.as_str())
            .body(HttpRequestBody::empty())?;
        AwsAuthorizer::new(&credential, "s3", &self.region).try_authorize(&mut request, None)?;
        let response = self
            .http
            .request(method, url.as_str())
            .headers(request.headers().clone())
            .send()
            .await?
            .error_for_status()?;
        Ok(response.text().await?)
    }
}
