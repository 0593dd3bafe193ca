//! Staff sign-in and sessions. The browser holds a random token in an HttpOnly cookie; the
//! database holds its digest, the staff member and a CSRF token that every change must send
//! back. Failed sign-ins are counted per account and per network address.

use axum::http::header::{HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use leptos::prelude::*;

use crate::api::cookie;
use crate::booking::model::Clinic;
use crate::error::Problem;
use crate::store::{Reads, StaffAccount, StaffRole, StaffSession};

pub const COOKIE_NAME: &str = "yoyaku_staff";
/// A session lasts one working day.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins counted over this window …
pub const LOCKOUT_MINUTES: i64 = 15;
/// … lock the account after this many (until the window has passed) …
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// … and the network address after this many, whatever accounts it tries.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;

/// The signed-in staff member and their clinic (the tenant every query is scoped to).
#[derive(Clone, Debug)]
pub struct StaffContext {
    pub staff: StaffAccount,
    pub clinic: Clinic,
    pub csrf_token: String,
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The network address the request came from (the TCP peer; a proxy in front is one address).
fn client_address() -> String {
    crate::api::client_ip().map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

/// A request whose `Origin` names another site is refused: browsers send it on cross-site
/// posts, which the CSRF token refuses anyway; this is a second lock on the same door.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// The staff member and clinic of a session token: one account and one clinic read.
async fn signed_in(db: &mut dyn Reads, token: &str) -> Result<Option<StaffContext>, crate::store::StoreError> {
    let Some(session) = db.staff_session(token, Utc::now()).await? else { return Ok(None) };
    // A disabled account has no sessions; this also refuses one that was being used meanwhile.
    let Some(staff) = db.staff_account(session.staff_id).await?.filter(|s| !s.disabled && s.clinic_id == session.clinic_id) else { return Ok(None) };
    let clinic = db.clinic(session.clinic_id).await?;
    Ok(clinic.map(|clinic| StaffContext { staff, clinic, csrf_token: session.csrf_token }))
}

/// The staff member signed in by these request headers, if any.
pub async fn staff_from_headers(store: &dyn crate::store::Store, headers: &HeaderMap) -> Option<StaffContext> {
    let token = cookie::read(headers, COOKIE_NAME)?;
    signed_in(store.read().await.ok()?.as_mut(), &token).await.ok().flatten()
}

/// The signed-in staff member, or `None`.
pub async fn current() -> Result<Option<StaffContext>, Problem> {
    let Some(token) = cookie::from_request(COOKIE_NAME) else { return Ok(None) };
    Ok(signed_in(crate::state::store()?.read().await?.as_mut(), &token).await?)
}

/// Any signed-in staff member. `csrf`: `Some` for a change (it must match the session's token,
/// else [`Problem::CsrfRejected`]), `None` for a read. [`Problem::SignInRequired`] when not
/// signed in.
pub async fn staff(csrf: Option<&str>) -> Result<StaffContext, Problem> {
    let ctx = current().await?.ok_or(Problem::SignInRequired)?;
    if let Some(sent) = csrf {
        let headers = parts().map(|p| p.headers).unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), ctx.csrf_token.as_bytes()) || !same_origin(&headers) {
            tracing::warn!(staff = %ctx.staff.id, "refused a change without a valid CSRF token");
            return Err(Problem::CsrfRejected);
        }
    }
    Ok(ctx)
}

/// Like [`staff`], for the owner only ([`Problem::OwnerOnly`] for other staff).
pub async fn owner(csrf: Option<&str>) -> Result<StaffContext, Problem> {
    let ctx = staff(csrf).await?;
    if ctx.staff.role != StaffRole::Owner {
        return Err(Problem::OwnerOnly);
    }
    Ok(ctx)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the password against an Argon2id PHC string.
pub fn password_matches(password: &str, phc: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Checks the password (against the decoy when there is no account) on a blocking thread, at
/// most two at a time: Argon2 takes a core for a while, and the server must keep answering.
async fn verify_off_the_runtime(password: String, hash: Option<String>) -> Result<bool, Problem> {
    static CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = CHECKS.acquire().await.map_err(Problem::internal)?;
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password_matches(&password, &hash),
        None => {
            let _ = password_matches(&password, DECOY_HASH);
            false
        }
    })
    .await
    .map_err(Problem::internal)
}

/// A valid hash of a random password: checked when the e-mail is unknown, so an unknown
/// address takes as long to refuse as a wrong password.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0Vq8ZxF3G6cWl0X0mW4xq8a6m2yWb7cP5HkJ0QbI3nE";

/// Signs a staff member in: rate-limited, then the password checked, then a new session.
pub async fn sign_in(email: &str, password: &str) -> Result<StaffContext, Problem> {
    // A sign-in posted from another site (login CSRF) would sign the desk into someone else's
    // account.
    if !same_origin(&parts().map(|p| p.headers).unwrap_or_default()) {
        return Err(Problem::CsrfRejected);
    }
    let store = crate::state::store()?;
    let now = Utc::now();
    let email = email.trim().to_lowercase();
    let address = client_address();
    // The attempt counts as a failure until the password proves right, and is counted (and
    // committed) before the password is checked: a burst of parallel guesses cannot slip under
    // the limits.
    let mut tx = store.write().await?;
    let attempt = tx.record_sign_in(&email, &address, now).await?;
    tx.commit().await?;
    let mut db = store.read().await?;
    let failures = db.failed_sign_ins(&email, &address, now - Duration::minutes(LOCKOUT_MINUTES)).await?;
    if failures.account > MAX_FAILURES_PER_ACCOUNT || failures.address > MAX_FAILURES_PER_ADDRESS {
        tracing::warn!(%email, %address, ?failures, "sign-in refused: too many failures");
        return Err(Problem::TooManyAttempts { minutes: LOCKOUT_MINUTES });
    }
    // A disabled account is refused exactly like an unknown address.
    let account = db.staff_by_email(&email).await?.filter(|a| !a.disabled);
    drop(db);
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = verify_off_the_runtime(password.to_string(), hash).await?;
    let Some(staff) = account.filter(|_| matches) else {
        tracing::info!(%email, %address, "sign-in failed");
        return Err(Problem::WrongPassword);
    };
    let token = cookie::random_token();
    let session =
        StaffSession { staff_id: staff.id, clinic_id: staff.clinic_id, csrf_token: cookie::random_token(), expires_at: now + Duration::hours(SESSION_HOURS) };
    let mut tx = store.write().await?;
    tx.sign_in_succeeded(attempt).await?;
    tx.insert_staff_session(&token, &session, now).await?;
    tx.commit().await?;
    cookie::set(COOKIE_NAME, &token, SESSION_HOURS * 3600);
    tracing::info!(staff = %staff.id, "staff signed in");
    signed_in(store.read().await?.as_mut(), &token).await?.ok_or(Problem::WrongPassword)
}

/// The session token of the request being answered (to keep this device signed in).
pub fn session_token() -> Option<String> {
    cookie::from_request(COOKIE_NAME)
}

/// Ends the session on the server and clears the cookie.
pub async fn sign_out() -> Result<(), Problem> {
    if let Some(token) = cookie::from_request(COOKIE_NAME) {
        let mut tx = crate::state::store()?.write().await?;
        tx.delete_staff_session(&token).await?;
        tx.commit().await?;
    }
    cookie::set(COOKIE_NAME, "", 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_decoy_hash_parses_and_matches_nothing_useful() {
        assert!(argon2::PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!password_matches("", DECOY_HASH));
        assert!(!password_matches("password", "not a hash"));
    }

    #[test]
    fn origin_must_be_this_host() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("clinic.example.jp"));
        assert!(same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("https://clinic.example.jp"));
        assert!(same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
    }
}
