//! HTML shared by every server-rendered page and email: escaping, and the layout of the small
//! branded pages (sign-in, invitations, unsubscribing, newsletter links).

use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::organization::Organization;
use crate::services::Services;

/// Inline styles only; nothing may load from elsewhere, and no page may frame this one.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// Text made safe inside HTML elements and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The organization's branding for `page`; Parvis's when the database cannot say.
pub async fn branding(services: &Services) -> Option<Organization> {
    let mut conn = services.pool.get().await.ok()?;
    crate::organization::model::get(&mut conn).await.ok()
}

/// A small page in the organization's colours, with its logo and sign-in message above
/// `content` (already safe HTML).
pub fn page(status: StatusCode, brand: Option<&Organization>, content: &str) -> Response {
    let (name, colour, header) = match brand {
        Some(org) => {
            let logo = match org.logo_attachment_id {
                Some(id) => format!("<img class=\"logo\" src=\"/branding/logo?v={id}\" alt=\"\">"),
                None => String::new(),
            };
            let message = org
                .login_message
                .as_deref()
                .map(crate::markdown::to_safe_html)
                .unwrap_or_default();
            (
                escape(&org.name),
                org.primary_color.clone(),
                format!("{logo}<h1>{}</h1>{message}", escape(&org.name)),
            )
        }
        None => ("Parvis".into(), "#3b4cca".into(), "<h1>Parvis</h1>".into()),
    };
    let favicon = brand
        .and_then(|org| org.favicon_attachment_id)
        .map(|id| format!("<link rel=\"icon\" href=\"/branding/favicon?v={id}\">"))
        .unwrap_or_default();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in · {name}</title>{favicon}<style>{STYLE}:root{{--brand:{colour}}}</style></head>\
         <body><main>{header}{content}</main></body></html>"
    );
    let mut response = (status, Html(page)).into_response();
    response.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    response
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}\
main{max-width:22rem;margin:12vh auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002}\
h1{margin-top:0;color:var(--brand)}.logo{max-height:3rem}label{display:block;margin:.8rem 0;font-size:.9rem}\
input{display:block;width:100%;box-sizing:border-box;padding:.55rem;margin-top:.25rem;border:1px solid #c5c9d3;border-radius:6px}\
button,.button{display:block;width:100%;box-sizing:border-box;padding:.65rem;margin:.5rem 0;border:0;border-radius:6px;\
background:var(--brand);color:#fff;font-size:1rem;text-align:center;text-decoration:none;cursor:pointer}\
.or{text-align:center;color:#6b7280}.error{background:#fde8e8;color:#9b1c1c;padding:.6rem;border-radius:6px}\
code{font-size:.8rem;color:#6b7280}";
