//! The frame of every email: the organization's name and colours around a body, an unsubscribe
//! footer, in the recipient's language; HTML with inline styles (mail clients drop style sheets)
//! and the same content as plain text.

use crate::html::escape;
use crate::notifications::text::Language;
use crate::organization::model::Organization;

/// The organization as emails show it.
#[derive(Debug, Clone)]
pub struct Branding {
    pub name: String,
    pub primary_color: String,
    pub accent_color: String,
    /// Where the intranet is for people (links in emails start here): the front end
    /// (`--web-app-url`) when there is one.
    pub app_url: String,
}

impl Branding {
    pub fn of(organization: &Organization, app_url: &str) -> Self {
        Self {
            name: organization.name.clone(),
            primary_color: organization.primary_color.clone(),
            accent_color: organization.accent_color.clone(),
            app_url: app_url.to_owned(),
        }
    }
}

/// One email's content before framing.
#[derive(Debug, Clone)]
pub struct Content<'a> {
    pub language: Language,
    /// The heading at the top.
    pub heading: &'a str,
    /// Already safe HTML (escaped or sanitised by the caller).
    pub body_html: &'a str,
    pub body_text: &'a str,
    /// Why the person gets this email, and how to stop it ("unsubscribe" link).
    pub unsubscribe_url: Option<&'a str>,
}

/// The HTML of a framed email.
pub fn html(branding: &Branding, content: &Content<'_>) -> String {
    let name = escape(&branding.name);
    let heading = escape(content.heading);
    let primary = escape(&branding.primary_color);
    let accent = escape(&branding.accent_color);
    let open = escape(&branding.app_url);
    let (open_label, unsubscribe_label, why) = labels(content.language);
    let footer = match content.unsubscribe_url {
        Some(url) => format!(
            "<p style=\"margin:0\">{why} <a href=\"{}\" style=\"color:{accent}\">{unsubscribe_label}</a></p>",
            escape(url)
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{heading}</title></head>\
         <body style=\"margin:0;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933\">\
         <table role=\"presentation\" width=\"100%\" cellspacing=\"0\" cellpadding=\"0\"><tr><td align=\"center\" style=\"padding:24px\">\
         <table role=\"presentation\" width=\"600\" cellspacing=\"0\" cellpadding=\"0\" style=\"max-width:600px;background:#ffffff;border-radius:8px\">\
         <tr><td style=\"background:{primary};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600;border-radius:8px 8px 0 0\">{name}</td></tr>\
         <tr><td style=\"padding:24px\"><h1 style=\"font-size:20px;margin:0 0 16px\">{heading}</h1>{body}\
         <p style=\"margin:24px 0 0\"><a href=\"{open}\" style=\"background:{accent};color:#ffffff;padding:10px 16px;border-radius:4px;text-decoration:none\">{open_label}</a></p></td></tr>\
         <tr><td style=\"padding:16px 24px;color:#616e7c;font-size:12px;border-top:1px solid #e4e7eb\">{footer}</td></tr>\
         </table></td></tr></table></body></html>\n",
        lang = content.language.tag(),
        body = content.body_html,
    )
}

/// The plain-text alternative of a framed email.
pub fn text(branding: &Branding, content: &Content<'_>) -> String {
    let (open_label, unsubscribe_label, why) = labels(content.language);
    let mut text = format!(
        "{}\n\n{}\n\n{}\n\n{open_label}: {}\n",
        branding.name, content.heading, content.body_text, branding.app_url
    );
    if let Some(url) = content.unsubscribe_url {
        text.push_str(&format!("\n--\n{why} {unsubscribe_label}: {url}\n"));
    }
    text
}

fn labels(language: Language) -> (&'static str, &'static str, &'static str) {
    match language {
        Language::English => (
            "Open the intranet",
            "Unsubscribe",
            "You receive this email because of your notification settings.",
        ),
        Language::French => (
            "Ouvrir l’intranet",
            "Se désabonner",
            "Vous recevez cet e-mail en raison de vos préférences de notification.",
        ),
    }
}
