//! GraphiQL for admins, served from this binary (no CDN, so it works on an air-gapped network).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};

use crate::app::App;

macro_rules! asset {
    ($name:literal) => {
        include_bytes!(concat!(env!("PARVIS_GRAPHIQL_ASSETS"), "/", $name))
    };
}

const REACT: &[u8] = asset!("react.js");
const REACT_DOM: &[u8] = asset!("react-dom.js");
const GRAPHIQL_JS: &[u8] = asset!("graphiql.js");
const GRAPHIQL_CSS: &[u8] = asset!("graphiql.css");
/// The tab icon: GraphQL's hexagon in the product's colour.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><path d="M16 5 25.5 10.5v11L16 27 6.5 21.5v-11z" fill="none" stroke="#fff" stroke-width="2"/><circle cx="16" cy="16" r="3.5" fill="#fff"/></svg>"##;

/// Everything the page loads comes from this origin.
const POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; font-src 'self' data:";

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" type="image/svg+xml" href="/graphiql/assets/favicon.svg">
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script>
    const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
    const fetcher = GraphiQL.createFetcher({
      url: "/graphql",
      subscriptionUrl: wsUrl,
      // The session cookie rides along; a token can be given in the headers tab instead.
      fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
    });
    const defaultQuery = [
      "# Welcome to the Parvis API.",
      "#",
      "# The schema (docs, autocompletion) is shown to",
      "# signed-in people only: run SignIn below with your",
      "# own identifier, then press the refresh button",
      "# (bottom left). Or, in the Headers tab, put",
      "# {\"Authorization\": \"Bearer <access token>\"}",
      "mutation SignIn {",
      "  signIn(input: { identifier: \"you@example.com\", password: \"...\" }) {",
      "    user { displayName }",
      "  }",
      "}",
      "",
      "query Viewer {",
      "  viewer { id displayName title department site }",
      "}",
      "",
    ].join("\n");
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true })
    );
  </script>
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
    let (body, content_type) = match file.as_str() {
        "react.js" => (REACT, "text/javascript; charset=utf-8"),
        "react-dom.js" => (REACT_DOM, "text/javascript; charset=utf-8"),
        "graphiql.js" => (GRAPHIQL_JS, "text/javascript; charset=utf-8"),
        "graphiql.css" => (GRAPHIQL_CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON.as_bytes(), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
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
