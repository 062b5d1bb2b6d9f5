//! Uploads through the GraphQL multipart request spec, and files to upload.

use serde_json::{Value, json};

use super::{TestApp, TestUser};

impl TestApp {
    /// Sends `query` with `input.file` as a multipart upload of `bytes` named `name`.
    pub async fn upload(
        &self,
        user: &TestUser,
        query: &str,
        input: Value,
        name: &str,
        bytes: Vec<u8>,
    ) -> Value {
        let operations = json!({ "query": query, "variables": { "input": input } });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.input.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_owned())
                    .mime_str("application/octet-stream")
                    .expect("a MIME type"),
            );
        self.http
            .post(self.url("/graphql"))
            .bearer_auth(&user.token)
            .header("graphql-require-preflight", "1")
            .multipart(form)
            .send()
            .await
            .expect("upload")
            .json()
            .await
            .expect("JSON")
    }

    /// GETs `url` as `user` (or signed out).
    pub async fn get_as(&self, user: Option<&TestUser>, url: &str) -> reqwest::Response {
        let mut request = self.http.get(url);
        if let Some(user) = user {
            request = request.bearer_auth(&user.token);
        }
        request.send().await.expect("GET")
    }

    /// GETs `url` until it answers 200 (a preview made by a job), for at most four seconds.
    pub async fn get_when_ready(&self, user: &TestUser, url: &str) -> reqwest::Response {
        for _ in 0..40 {
            let response = self.get_as(Some(user), url).await;
            if response.status() == 200 {
                return response;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.get_as(Some(user), url).await
    }
}

/// Bytes that compress badly and repeat nowhere.
pub fn noise(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A PNG of one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode a PNG");
    out
}
