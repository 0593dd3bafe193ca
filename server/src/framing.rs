//! Who may frame what, and the headers every response carries. The clinic's booking widget
//! (`/w/{clinic}`) may be framed by the websites the clinic listed (and by this server itself:
//! the console's preview); nothing else may be framed by anyone, the staff console and the
//! LIFF pages above all. Over TLS, browsers are told to keep to it (HSTS).

use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::middleware::Next;
use axum::response::Response;

const NO_FRAMING: HeaderValue = HeaderValue::from_static("frame-ancestors 'none'");

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let widget = widget_slug(request.uri().path()).map(str::to_owned);
    // Over TLS (at the reverse proxy in front of us, which says so): browsers keep to https.
    let tls = app::api::over_tls(request.uri(), request.headers());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if tls {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // MIME sniffing would let an uploaded or mistyped body run as script; a referrer would carry
    // a LIFF URL or an appointment's reference to other sites.
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    match widget {
        Some(slug) => {
            let policy = frame_ancestors(&websites(&state, &slug).await);
            headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap_or(NO_FRAMING));
        }
        None => {
            headers.insert(CONTENT_SECURITY_POLICY, NO_FRAMING);
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    response
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
        assert_eq!(
            frame_ancestors(&["https://a.example".into(), "http://127.0.0.1:8080".into()]),
            "frame-ancestors 'self' https://a.example http://127.0.0.1:8080"
        );
    }
}
