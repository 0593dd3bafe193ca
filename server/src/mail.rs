//! Sending the outbox's e-mails: by SMTP (lettre) when the deployment configures it, otherwise
//! to the console's sandbox (the demo), like LINE messages of a clinic without LINE channels.
//!
//! SMTP has no retry key: a message the server accepted but whose answer was lost is sent again
//! on the next attempt. Each message carries a `Message-ID` made from the notice's retry key, so
//! the patient's mail program shows a repeat as the same message.

use std::time::Duration;

use app::notify::email::Email;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// What the worker records on an e-mail sent to the sandbox.
pub const SANDBOX_ID: &str = app::api::staff::sandbox::SANDBOX_DELIVERY;

pub enum Mailer {
    /// No SMTP server: e-mails are kept for the console's sandbox.
    Sandbox,
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        public_url: String,
    },
}

/// How an attempt ended.
#[derive(Debug, PartialEq, Eq)]
pub enum MailOutcome {
    Sent {
        id: String,
    },
    /// The server is down, busy or answered 4xx: try again.
    RetryLater(String),
    /// A permanent refusal (5xx, an address that cannot be one): do not try again.
    Rejected(String),
}

impl Mailer {
    /// `url`: `smtp://host:port` (STARTTLS when offered; `?tls=required` to insist),
    /// `smtps://host:port` (TLS from the start); the password comes from the environment, never
    /// from the URL. `public_url`: this server's address as patients reach it, for the links.
    pub fn smtp(url: &str, user: Option<&str>, password: Option<String>, from: &str, public_url: &str) -> anyhow::Result<Mailer> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (user, password) {
            builder = builder.credentials(Credentials::new(user.to_string(), password));
        }
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("the mail from-address {from:?}: {e}"))?;
        Ok(Mailer::Smtp { transport: builder.build(), from, public_url: public_url.trim_end_matches('/').to_string() })
    }

    /// Sends `email` to `to`, from the clinic's name at its own address (`own_from`) or else at
    /// the deployment's.
    pub async fn send(&self, clinic_name: &str, own_from: Option<&str>, to: &str, email: &Email, retry_key: &str) -> MailOutcome {
        let Mailer::Smtp { transport, from, public_url } = self else {
            return MailOutcome::Sent { id: SANDBOX_ID.into() };
        };
        let Ok(to) = to.parse::<Mailbox>() else {
            return MailOutcome::Rejected("the patient's e-mail address cannot be used".into());
        };
        let address = own_from.and_then(|a| a.parse().ok()).unwrap_or_else(|| from.email.clone());
        let from = Mailbox::new(Some(clinic_name.to_string()), address);
        let id = format!("<{retry_key}@{}>", from.email.domain());
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(&email.subject)
            .message_id(Some(id.clone()))
            .multipart(MultiPart::alternative_plain_html(email.text(public_url), email.html(public_url)));
        let message = match message {
            Ok(m) => m,
            Err(e) => return MailOutcome::Rejected(format!("the e-mail could not be made: {e}")),
        };
        match transport.send(message).await {
            Ok(_) => MailOutcome::Sent { id },
            Err(e) if e.is_permanent() => MailOutcome::Rejected(format!("the mail server refused it: {e}")),
            Err(e) => MailOutcome::RetryLater(format!("the mail server could not take it: {e}")),
        }
    }
}
