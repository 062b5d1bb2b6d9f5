//! The invitation email: the link to make an account, put in the outbox in the transaction that
//! makes (or renews) the invitation, so it survives a restart and any instance may send it.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::INVITATION_LIFETIME;
use super::invitations::AccountInvitation;
use crate::email::layout::Content;
use crate::email::outbox::{self, Recipient};
use crate::error::ApiResult;
use crate::html::escape;
use crate::notifications::email::framed;
use crate::notifications::text::Language;
use crate::services::Services;

/// Emails `invitation`'s link `url`, in the language of the admin who sends it (`inviter`,
/// named in the email); nothing without an SMTP server.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    services: &Services,
    invitation: &AccountInvitation,
    url: &str,
    inviter: &crate::users::User,
) -> ApiResult<()> {
    if services.mailer.is_none() {
        return Ok(());
    }
    let organization = crate::organization::model::get(conn).await?;
    let language = Language::of(&inviter.locale);
    let days = INVITATION_LIFETIME.num_days();
    let (heading, invitation_text, button, validity) = match language {
        Language::English => (
            format!("Join {} on the intranet", organization.name),
            format!(
                "{} invites you to the intranet of {}. Choose how you appear and a password:",
                inviter.display_name, organization.name
            ),
            "Make my account",
            format!("The link works once, for {days} days."),
        ),
        Language::French => (
            format!("Rejoignez {} sur l’intranet", organization.name),
            format!(
                "{} vous invite sur l’intranet de {}. Choisissez votre nom et un mot de passe :",
                inviter.display_name, organization.name
            ),
            "Créer mon compte",
            format!("Le lien ne sert qu’une fois, pendant {days} jours."),
        ),
    };
    let body_html = format!(
        "<p style=\"margin:0 0 16px\">{}</p><p style=\"margin:0 0 16px\"><a href=\"{url}\">{}</a></p>\
         <p style=\"margin:0;color:#616e7c\">{}</p>",
        escape(&invitation_text),
        escape(button),
        escape(&validity),
        url = escape(url),
    );
    let body_text = format!("{invitation_text}\n{url}\n\n{validity}");
    let content = Content {
        language,
        heading: &heading,
        body_html: &body_html,
        body_text: &body_text,
        unsubscribe_url: None,
    };
    let email = framed(conn, services, "invitation", &heading, &content).await?;
    let recipient = Recipient {
        user_id: None,
        name: invitation.display_name.as_deref(),
        address: &invitation.email,
    };
    outbox::enqueue_to(conn, services, recipient, &email, Utc::now()).await?;
    Ok(())
}
