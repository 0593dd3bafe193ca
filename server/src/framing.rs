//! The headers every response carries, and who may frame what. Each response has its own CSP
//! nonce: the pages' inline scripts (Leptos's hydration and resource scripts) carry it, so a
//! script anyone slips into a page does not run. The clinic's booking widget (`/w/{clinic}`)
//! may be framed by the websites the clinic listed (and by this server itself: the console's
//! preview); nothing else may be framed by anyone, the staff console and the LIFF pages above
//! all. Over TLS, browsers are told to keep to it (HSTS).

use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// What the pages may load: their own scripts, styles, images and data, and LINE's (what the
/// LIFF SDK asks LINE for, and the SDK itself when it comes from LINE's CDN); WASM compiled in
/// the page; style attributes (the widget's colours) but no `<style>` or inline script without
/// the nonce; no plugins, no `<base>`, forms only to this server.
fn policy(nonce: &Nonce, sdk_from_cdn: bool, frame_ancestors: &str) -> String {
    let cdn = if sdk_from_cdn { " https://static.line-scdn.net" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{cdn}; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: https://*.line-scdn.net; \
         connect-src 'self' https://*.line.me https://*.line-scdn.net https://*.line-apps.com; font-src 'self'; \
         frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {frame_ancestors}"
    )
}

pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let widget = widget_slug(request.uri().path()).map(str::to_owned);
    // Over TLS (at the reverse proxy in front of us, which says so): browsers keep to https.
    let tls = app::api::over_tls(request.uri(), request.headers());
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let frame_ancestors = match &widget {
        Some(slug) => frame_ancestors(&websites(&state, slug).await),
        None => "frame-ancestors 'none'".to_string(),
    };
    let headers = response.headers_mut();
    if tls {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // MIME sniffing would let an uploaded or mistyped body run as script; a referrer would carry
    // a LIFF URL or an appointment's reference to other sites.
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Origins were checked when saved and the nonce is base64, so the policy is a valid header;
    // were it not, nothing may run or frame the page.
    let sdk_from_cdn = state.liff_sdk == app::state::LiffSdk::Cdn;
    let policy = HeaderValue::from_str(&policy(&nonce, sdk_from_cdn, &frame_ancestors))
        .unwrap_or(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    headers.insert(CONTENT_SECURITY_POLICY, policy);
    if widget.is_none() {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// For the pages' rendering: the response's nonce (from [`headers`]) instead of the one Leptos
/// makes itself, so that the scripts carry the nonce the header names.
pub fn provide_response_nonce() {
    if let Some(nonce) = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}

/// `/w/{clinic}` and the widget's own pages under it.
fn widget_slug(path: &str) -> Option<&str> {
    path.strip_prefix("/w/")?.split('/').next().filter(|s| !s.is_empty())
}

/// The clinic's websites; none (so no framing at all) when it is not known or the database
/// does not answer: the widget is refused rather than opened to every site.
async fn websites(state: &AppState, slug: &str) -> Vec<String> {
    let lookup = async {
        let mut db = state.store.read().await?;
        match db.clinic_by_slug(slug).await? {
            Some(clinic) => db.website_origins(clinic.id).await,
            None => Ok(Vec::new()),
        }
    };
    lookup.await.unwrap_or_else(|e: app::store::StoreError| {
        tracing::warn!(error = %e, slug, "the widget's websites could not be read");
        Vec::new()
    })
}

/// `'self'` (the console's preview) and each listed origin. Origins were checked when saved
/// (`settings::check_origins`), so none can add a directive.
fn frame_ancestors(origins: &[String]) -> String {
    let mut policy = String::from("frame-ancestors 'self'");
    for origin in origins {
        policy.push(' ');
        policy.push_str(origin);
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_widget_is_framed_and_only_by_the_clinics_websites() {
        assert_eq!(widget_slug("/w/demo"), Some("demo"));
        assert_eq!(widget_slug("/w/demo/a/ABC"), Some("demo"));
        assert_eq!(widget_slug("/w/"), None);
        assert_eq!(widget_slug("/staff"), None);
        assert_eq!(widget_slug("/liff/demo"), None);
        assert_eq!(widget_slug("/wx/demo"), None);
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'self'");
        let nonce = Nonce::from_value("abc");
        assert!(policy(&nonce, false, "frame-ancestors 'none'").contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'; "));
        assert!(policy(&nonce, true, "frame-ancestors 'none'").contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval' https://static.line-scdn.net; "));
        assert!(policy(&nonce, false, "frame-ancestors 'none'").ends_with("; frame-ancestors 'none'"));
        assert_eq!(
            frame_ancestors(&["https://a.example".into(), "http://127.0.0.1:8080".into()]),
            "frame-ancestors 'self' https://a.example http://127.0.0.1:8080"
        );
    }
}
