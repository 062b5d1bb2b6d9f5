//! Email: an SMTP mailer (`lettre`) configured by the operator, and a durable outbox. Emails are
//! rendered once into their exact MIME message and stored in `outgoing_emails` in the transaction
//! that calls for them; a job sends each one. A failed SMTP server leaves the job to retry with
//! backoff, and `sent_at` (set in the job's transaction) makes sending one twice impossible.

pub mod layout;
pub mod mailer;
pub mod outbox;
pub mod unsubscribe;

pub use mailer::{Mailer, SmtpSettings, SmtpTls};
pub use outbox::OutgoingEmail;
