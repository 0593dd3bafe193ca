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
        /// Domains the mail server may send for, lower case.
        domains: Vec<String>,
        public_url: String,
    },
}

/// Whom e-mails come from: the deployment's address, and the domains its mail server may also
/// send for (a clinic's own address elsewhere would fail SPF and DMARC, or be someone else's).
pub struct Sender<'a> {
    pub from: &'a str,
    pub domains: &'a [String],
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
    pub fn smtp(url: &str, user: Option<&str>, password: Option<String>, sender: Sender<'_>, public_url: &str) -> anyhow::Result<Mailer> {
        let from = sender.from;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (user, password) {
            builder = builder.credentials(Credentials::new(user.to_string(), password));
        }
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("the mail from-address {from:?}: {e}"))?;
        let domains = sender.domains.iter().map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).collect();
        Ok(Mailer::Smtp { transport: builder.build(), from, domains, public_url: public_url.trim_end_matches('/').to_string() })
    }

    /// Sends `email` to `to` under the clinic's name: from its own address (`own_from`) when the
    /// mail server may send for its domain, else from the deployment's with the clinic's
    /// address to reply to.
    pub async fn send(&self, clinic_name: &str, own_from: Option<&str>, to: &str, email: &Email, retry_key: &str) -> MailOutcome {
        let Mailer::Smtp { transport, from, domains, public_url } = self else {
            return MailOutcome::Sent { id: SANDBOX_ID.into() };
        };
        let Ok(to) = to.parse::<Mailbox>() else {
            return MailOutcome::Rejected("the patient's e-mail address cannot be used".into());
        };
        let own: Option<lettre::Address> = own_from.and_then(|a| a.parse().ok());
        let (address, reply_to) = match own {
            Some(a) if domains.iter().any(|d| d.eq_ignore_ascii_case(a.domain())) => (a, None),
            Some(a) => (from.email.clone(), Some(a)),
            None => (from.email.clone(), None),
        };
        let from = Mailbox::new(Some(clinic_name.to_string()), address);
        let id = format!("<{retry_key}@{}>", from.email.domain());
        let mut message = Message::builder().from(from).to(to);
        if let Some(reply_to) = reply_to {
            message = message.reply_to(Mailbox::new(Some(clinic_name.to_string()), reply_to));
        }
        let message = message
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
