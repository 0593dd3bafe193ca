//! A local fake of LINE's HTTP API for development and tests, speaking LINE's wire format:
//! - `POST /oauth2/v2.1/verify` answers as LINE does (200 with the token's claims, or 400 with
//!   `{error, error_description}`); `GET /oauth2/v2.1/verify?access_token=…`, `GET /v2/profile`
//!   and `GET /friendship/v1/status` (`{"friendFlag"}`) for the LIFF access tokens it issued.
//! - `POST /v2/bot/message/push` answers as LINE does, honouring `X-Line-Retry-Key` (409 with
//!   `x-line-accepted-request-id` for a key it already accepted) and the monthly quota (429
//!   `{"message":"You have reached your monthly limit."}` once the accepted pushes reach it).
//! - `GET /v2/bot/message/quota` (`{"type":"none"}` or `{"type":"limited","value":N}`) and
//!   `GET /v2/bot/message/quota/consumption` (`{"totalUsage":M}`). As at LINE, a push counts
//!   once per recipient however many message objects it carries. Like push, both need
//!   `Authorization: Bearer …` (401 otherwise).
//! - LINE MINI App service messages: `POST /oauth2/v3/token` (stateless channel access tokens
//!   of a registered MINI App channel, form `grant_type=client_credentials`), `POST
//!   /message/v3/notifier/token {"liffAccessToken"}` (one notification token per LIFF access
//!   token, 5 sends, a year) and `POST /message/v3/notifier/send?target=service
//!   {"templateName","params","notificationToken"}`, which answers the renewed token
//!   (`{"notificationToken","expiresIn","remainingCount"}`); a used, expired or spent token is
//!   400 `{"message"}`.
//!
//! Test switches live under `/__fake/`:
//! - `POST /__fake/id-tokens` `{"sub","aud","name"?,"expires_in"?,"friend"?}` issues an ID token
//!   and a LIFF access token of that user (what a test hands to `@line/liff-mock` as
//!   `getIDToken` and `getAccessToken`); only issued tokens verify. `friend` (default true):
//!   whether the user is a friend of the channel's Official Account.
//! - `POST /__fake/friendship` `{"sub","friend"}`: the user adds or blocks the account.
//! - `POST /__fake/fail` `{"path","status","times","message"?}` makes the next `times` requests to `path`
//!   fail with `status` (0 = drop the connection after a delay, i.e. a timeout).
//! - `POST /__fake/quota` `{"limit": N | null}` sets the monthly limit (null: unlimited).
//! - `POST /__fake/accepted-keys` `{"retry_key"}` records a retry key as already accepted, as if
//!   LINE took the push and the answer never reached us; the next push with it gets 409. It
//!   counts towards the quota. Answers `{"accepted_request_id"}`.
//! - `GET /__fake/pushes` lists the pushes accepted through the API.
//! - `POST /__fake/mini-apps` `{"channel_id","channel_secret"}` makes a MINI App channel;
//!   `GET /__fake/service-messages` lists the service messages sent. A failure for
//!   `/message/v3/notifier/send#after` is answered after the message went (a lost answer).
//! - `POST /__fake/webhook` `{"url","channel_secret","events":[…],"destination"?}` sends a
//!   webhook as LINE does: the body `{"destination","events"}` (each event gets
//!   `webhookEventId`, `timestamp`, `mode: "active"` and `deliveryContext.isRedelivery: false`
//!   when missing), signed in `x-line-signature` (base64 HMAC-SHA256 of the raw body with the
//!   channel secret). `{"redeliver_last": true}` sends the previous events again with
//!   `isRedelivery: true` (same `webhookEventId`s). Answers `{"status","body","sent"}`: the
//!   target's status code and body, and the body that was sent.
//! - Rich menus (`rich_menu`): `GET /__fake/rich-menus` lists them (`{"default","menus"}`, each
//!   with its create body and what its image is); `GET /__fake/rich-menus/{id}/image` answers
//!   the uploaded picture. Failures are queued under `/v2/bot/richmenu` (create),
//!   `/v2/bot/richmenu/content` (upload), `/v2/bot/user/all/richmenu` (default) and
//!   `/v2/bot/richmenu/delete`.

mod login;
mod messaging;
mod mini_app;
mod rich_menu;
mod webhook;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub use messaging::{AcceptedPush, QUOTA_EXHAUSTED_MESSAGE};
pub use mini_app::{ServiceMessage, SENDS_PER_TOKEN};
pub use rich_menu::{RichMenu, RichMenuImage};
pub use webhook::{sign, WebhookAnswer, WebhookError, DEFAULT_DESTINATION};

use login::{AccessToken, IssuedToken};
use webhook::SentWebhook;

/// Everything the fake remembers, behind one lock.
#[derive(Default)]
pub(crate) struct FakeState {
    pub(crate) tokens: HashMap<String, IssuedToken>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    /// Per path: the status to fail with, how many more times, and the error message (for a
    /// 429: LINE's monthly-limit text unless another is given, e.g. a plain rate limit).
    pub(crate) failures: HashMap<String, (u16, u32, Option<String>)>,
    pub(crate) pushes: Vec<AcceptedPush>,
    /// The retry key of every push attempt, accepted or not, in order.
    pub(crate) push_attempts: Vec<Option<String>>,
    /// Retry keys accepted outside the API (`/__fake/accepted-keys`) → their request id.
    pub(crate) preaccepted: HashMap<String, String>,
    /// The monthly message limit; `None`: unlimited.
    pub(crate) quota_limit: Option<u64>,
    /// The last webhook sent, for `redeliver_last`.
    pub(crate) last_webhook: Option<SentWebhook>,
    pub(crate) mini_app: mini_app::MiniAppState,
    pub(crate) rich_menus: rich_menu::RichMenuState,
}

impl FakeState {
    /// Messages counted this month: one per recipient of each accepted push.
    pub(crate) fn usage(&self) -> u64 {
        (self.pushes.len() + self.preaccepted.len()) as u64
    }

    /// The request id LINE gave the push accepted with `key`, if any.
    pub(crate) fn accepted_request_id(&self, key: &str) -> Option<String> {
        self.pushes.iter().find(|p| p.retry_key.as_deref() == Some(key)).map(|p| p.request_id.clone()).or_else(|| self.preaccepted.get(key).cloned())
    }
}

#[derive(Clone)]
pub struct FakeLine {
    state: Arc<Mutex<FakeState>>,
    http: reqwest::Client,
}

impl Default for FakeLine {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeLine {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().unwrap_or_default();
        FakeLine { state: Arc::default(), http }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/oauth2/v2.1/verify", post(login::verify).get(login::verify_access_token))
            .route("/v2/profile", get(login::profile))
            .route("/friendship/v1/status", get(login::friendship))
            .route("/__fake/id-tokens", post(login::issue_token))
            .route("/__fake/friendship", post(login::set_friendship))
            .route("/__fake/fail", post(fail))
            .route("/v2/bot/message/push", post(messaging::push))
            .route("/__fake/pushes", get(messaging::pushes))
            .route("/v2/bot/message/quota", get(messaging::quota))
            .route("/v2/bot/message/quota/consumption", get(messaging::consumption))
            .route("/__fake/quota", post(messaging::set_quota))
            .route("/__fake/accepted-keys", post(messaging::accept_key))
            .route("/__fake/webhook", post(webhook::send))
            .route("/oauth2/v3/token", post(mini_app::stateless_token))
            .route("/message/v3/notifier/token", post(mini_app::notification_token))
            .route("/message/v3/notifier/send", post(mini_app::send))
            .route("/__fake/mini-apps", post(mini_app::register))
            .route("/__fake/service-messages", get(mini_app::sent))
            .route("/v2/bot/richmenu", post(rich_menu::create))
            .route("/v2/bot/richmenu/list", get(rich_menu::list))
            .route("/v2/bot/richmenu/{id}", axum::routing::delete(rich_menu::delete))
            // Above LINE's 1 MB, so that a larger picture is answered as LINE answers it.
            .route("/v2/bot/richmenu/{id}/content", post(rich_menu::upload).layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024)))
            .route("/v2/bot/user/all/richmenu", get(rich_menu::get_default).delete(rich_menu::clear_default))
            .route("/v2/bot/user/all/richmenu/{id}", post(rich_menu::set_default))
            .route("/__fake/rich-menus", get(rich_menu::listed))
            .route("/__fake/rich-menus/{id}/image", get(rich_menu::image))
            .with_state(self.clone())
    }

    /// Makes the next `times` requests to `path` answer `status` (0: time out).
    pub fn fail_next(&self, path: &str, status: u16, times: u32) {
        self.lock().failures.insert(path.to_string(), (status, times, None));
    }

    /// Like [`FakeLine::fail_next`], answering with `message` (LINE's `{"message"}` body).
    pub fn fail_next_with(&self, path: &str, status: u16, times: u32, message: &str) {
        self.lock().failures.insert(path.to_string(), (status, times, Some(message.to_string())));
    }

    /// The retry key of every push attempt so far (accepted, refused or failed), oldest first.
    pub fn push_attempt_keys(&self) -> Vec<Option<String>> {
        self.lock().push_attempts.clone()
    }

    /// The pushes accepted so far, oldest first.
    pub fn accepted_pushes(&self) -> Vec<AcceptedPush> {
        self.lock().pushes.clone()
    }

    /// Sets the monthly message limit (`None`: unlimited, the default).
    pub fn set_quota_limit(&self, limit: Option<u64>) {
        self.lock().quota_limit = limit;
    }

    /// Messages counted this month (`totalUsage`).
    pub fn quota_usage(&self) -> u64 {
        self.lock().usage()
    }

    /// Records `retry_key` as accepted (as if LINE took the push and its answer was lost) and
    /// returns the request id LINE will name in `x-line-accepted-request-id`.
    pub fn accept_retry_key(&self, retry_key: &str) -> String {
        let mut state = self.lock();
        if let Some(id) = state.accepted_request_id(retry_key) {
            return id;
        }
        let id = uuid::Uuid::new_v4().to_string();
        state.preaccepted.insert(retry_key.to_string(), id.clone());
        id
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the maps half-written; keep serving.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The status to fail `path` with, if a failure is queued (after the delay of a timeout).
    pub(crate) async fn take_failure(&self, path: &str) -> Option<(StatusCode, Option<String>)> {
        let (status, message) = {
            let mut state = self.lock();
            let entry = state.failures.get_mut(path)?;
            if entry.1 == 0 {
                return None;
            }
            entry.1 -= 1;
            (entry.0, entry.2.clone())
        };
        if status == 0 {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
        Some((StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), message))
    }

    /// Serves the fake on `addr` until the process ends.
    pub async fn serve(self, addr: std::net::SocketAddr) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(%addr, "fake LINE API listening on http://{addr}");
        axum::serve(listener, self.router()).await?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct Fail {
    path: String,
    status: u16,
    times: u32,
    /// The `{"message"}` of the error (a 429 defaults to the monthly-limit text).
    #[serde(default)]
    message: Option<String>,
}

async fn fail(State(fake): State<FakeLine>, Json(req): Json<Fail>) -> StatusCode {
    fake.lock().failures.insert(req.path, (req.status, req.times, req.message));
    StatusCode::NO_CONTENT
}

/// A request id like the ones LINE puts in `x-line-request-id`.
pub(crate) fn new_request_id() -> axum::http::HeaderValue {
    axum::http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap_or(axum::http::HeaderValue::from_static("0"))
}
