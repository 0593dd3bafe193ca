//! How responses travel: compressed when the client accepts it, and cached as long as they
//! stay true. Static build output is precompressed (brotli and gzip, at build time, see
//! `scripts/lib.sh`) and served as such by leptos_axum's file handler; pages and server
//! function answers are compressed here on the fly.

use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::compression::CompressionLayer;

/// Build output whose file names carry a hash of their content (`cargo leptos` with
/// `hash-files`): a new build has new names, so a copy never goes stale. Only the WASM and the
/// CSS: cargo-leptos names the JavaScript before it rewrites the split loader's name inside it,
/// so a JS file may change under the same name.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Pages carry a session's CSRF token and a patient's or staff member's data: the browser keeps
/// them but asks again each time (cheap: a revalidation), no shared cache keeps them.
const PAGE: HeaderValue = HeaderValue::from_static("private, no-cache");
/// Answers of server functions and exports are the state of the moment.
const ANSWER: HeaderValue = HeaderValue::from_static("no-store");
/// Other public files (icons, LINE's SDK bundle) keep their names across builds.
const PUBLIC_FILE: HeaderValue = HeaderValue::from_static("public, max-age=3600");
/// Build output that may change under its name: kept, but checked (a 304 when unchanged).
const REVALIDATE: HeaderValue = HeaderValue::from_static("public, no-cache");

pub fn layers(router: Router, hashed_assets: bool) -> Router {
    router.layer(axum::middleware::from_fn(move |request: Request, next: Next| cache_control(request, next, hashed_assets))).layer(
        // The default predicate leaves small bodies, images and event streams (the staff
        // console's live updates) alone; the default level is brotli 4 and gzip 6, as nginx
        // does on the fly.
        CompressionLayer::new().br(true).gzip(true),
    )
}

async fn cache_control(request: Request, next: Next, hashed_assets: bool) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.headers().contains_key(CACHE_CONTROL) {
        return response;
    }
    let is_html = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    let value = if !response.status().is_success() && !response.status().is_redirection() {
        ANSWER
    } else if is_html {
        PAGE
    } else if path.starts_with("/pkg/") {
        // wasm-bindgen's snippets keep their names, so they are not immutable.
        let hashed = hashed_assets && !path.starts_with("/pkg/snippets/") && (path.ends_with(".wasm") || path.ends_with(".css"));
        if hashed {
            IMMUTABLE
        } else {
            REVALIDATE
        }
    } else if path.starts_with("/api/") || path.starts_with("/staff/") || path.starts_with("/line/") || path == "/healthz" {
        ANSWER
    } else {
        PUBLIC_FILE
    };
    // Static files come precompressed (brotli, gzip or plain, as the browser accepts): a shared
    // cache must keep them apart. (The compression layer says so itself for what it compresses.)
    if value == IMMUTABLE || value == PUBLIC_FILE || value == REVALIDATE {
        response.headers_mut().append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response.headers_mut().insert(CACHE_CONTROL, value);
    response
}
