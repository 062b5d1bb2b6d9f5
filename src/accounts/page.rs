//! `/invitations/{token}`: the page an invitation link opens. The person picks a name and a
//! password; the account is made and they are signed in. Server-rendered like the sign-in page.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::invitations::{self, Acceptance};
use crate::auth::Client;
use crate::error::ApiError;
use crate::html::{self, escape};
use crate::services::Services;
use crate::sso::login_page::signed_in_response;

/// The link sent to an invited person.
pub fn url(services: &Services, secret: &str) -> String {
    format!("{}/invitations/{secret}", services.config.public_url)
}

pub async fn page(State(services): State<Arc<Services>>, Path(token): Path<String>) -> Response {
    form(&services, &token, None, StatusCode::OK).await
}

async fn form(
    services: &Services,
    token: &str,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let notice = problem
        .map(|text| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(text)))
        .unwrap_or_default();
    let content = format!(
        "<p>You are invited. Choose how you appear and a password.</p>{notice}\
         <form method=\"post\" action=\"/invitations/{}\">\
           <label>Your name<input name=\"display_name\" autocomplete=\"name\"></label>\
           <label>Username (optional)<input name=\"username\" autocomplete=\"username\"></label>\
           <label>Password (10 characters or more)<input name=\"password\" type=\"password\" \
             autocomplete=\"new-password\" minlength=\"10\" required></label>\
           <button type=\"submit\">Join</button>\
         </form>",
        escape(token)
    );
    html::page(status, html::branding(services).await.as_ref(), &content)
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    username: String,
    password: String,
}

pub async fn accept(
    State(services): State<Arc<Services>>,
    client: Client,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(input): Form<AcceptForm>,
) -> Response {
    if let Some(origin) = headers.get(ORIGIN).and_then(|origin| origin.to_str().ok())
        && !services.config.is_trusted_origin(origin)
    {
        return (StatusCode::FORBIDDEN, "Cross-site form refused.").into_response();
    }
    let filled = |text: String| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let acceptance = Acceptance {
        secret: token.clone(),
        username: filled(input.username),
        display_name: filled(input.display_name),
        password: input.password,
    };
    match invitations::accept(&services, &client, acceptance).await {
        Ok(user) => {
            signed_in_response(&services, &headers, &user, "", |_| {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Signing in did not work.",
                )
                    .into_response()
            })
            .await
        }
        Err(ApiError::Internal(cause)) => {
            tracing::error!(error = ?cause, "accepting an invitation failed");
            let problem = "Something went wrong; please try again.";
            form(
                &services,
                &token,
                Some(problem),
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .await
        }
        Err(error @ ApiError::Unavailable) => error.into_response(),
        Err(error) => {
            let problem = error.message();
            form(&services, &token, Some(&problem), StatusCode::BAD_REQUEST).await
        }
    }
}
