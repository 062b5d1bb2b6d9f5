//! GraphiQL for admins, served from this binary (no CDN, so it works on an air-gapped network).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};

use crate::app::App;

/// The bundles build.rs makes with esbuild, as `(name under /graphiql/assets/, bytes)`: GraphiQL's
/// script and stylesheet, and the Monaco editor's web workers.
const ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));
/// The tab icon: GraphQL's hexagon in the product's colour.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><path d="M16 5 25.5 10.5v11L16 27 6.5 21.5v-11z" fill="none" stroke="#fff" stroke-width="2"/><circle cx="16" cy="16" r="3.5" fill="#fff"/></svg>"##;

/// Everything the page loads comes from this origin: no inline script, the workers from
/// /graphiql/assets/; Monaco sets inline styles and GraphiQL's fonts are data: URLs.
const POLICY: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; font-src 'self' data:; object-src 'none'; base-uri 'none'";

/// graphiql.js (graphiql/main.js) renders GraphiQL into #graphiql.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" type="image/svg+xml" href="/graphiql/assets/favicon.svg">
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css">
  <script src="/graphiql/assets/graphiql.js" defer></script>
</head>
<body style="margin: 0">
  <div id="graphiql" style="height: 100vh">Loading GraphiQL…</div>
</body>
</html>
"##;

/// The page, titled with the organization's name (white label).
pub async fn page(State(app): State<Arc<App>>) -> Response {
    let name = crate::organization::branding::organization_name(&app.services).await;
    let title = crate::html::escape(&format!("{name} · GraphiQL"));
    let html = PAGE.replacen("{title}", &title, 1);
    ([(CONTENT_SECURITY_POLICY, POLICY)], Html(html)).into_response()
}

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type) = match ASSETS.iter().find(|(name, _)| *name == file) {
        Some((name, body)) => (*body, media_type(name)),
        None if file == "favicon.svg" => (FAVICON.as_bytes(), "image/svg+xml"),
        None => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

fn media_type(asset: &str) -> &'static str {
    if asset.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    }
}
