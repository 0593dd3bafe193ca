//! The Content-Security-Policy: every response carries one; each names a nonce of its own, and
//! every inline script of a page (Leptos's hydration) carries exactly that nonce, so nothing else
//! inline runs; plugins, `<base>` and forms to other sites are refused everywhere. Chromium runs
//! every page under it (`end2end/tests/csp.spec.ts`); framing is `widget.rs`.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use support::web::*;
use support::*;
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    policy: String,
    body: String,
}

async fn fetch(site: &Site, request: Request<Body>) -> Page {
    let response = site.router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let policy = response.headers().get(header::CONTENT_SECURITY_POLICY).map(|v| v.to_str().expect("ascii").to_string()).unwrap_or_default();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Page { status, policy, body: String::from_utf8_lossy(&body).into_owned() }
}

async fn page(site: &Site, path: &str) -> Page {
    fetch(site, Request::get(path).header(header::HOST, "127.0.0.1").body(Body::empty()).expect("request")).await
}

/// The nonce the policy allows scripts with.
fn nonce(policy: &str) -> &str {
    let script_src = policy.split("; ").find(|d| d.starts_with("script-src ")).unwrap_or_else(|| panic!("no script-src: {policy}"));
    script_src.split(' ').find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\'')).unwrap_or_else(|| panic!("no nonce: {policy}"))
}

/// The opening tags of the page's inline scripts (those without `src`).
fn inline_scripts(html: &str) -> Vec<&str> {
    html.split("<script").skip(1).filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag)).filter(|tag| !tag.contains("src=")).collect()
}

fn assert_strict(path: &str, policy: &str) {
    for directive in ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "style-src 'self'"] {
        assert!(policy.split("; ").any(|d| d == directive), "{path}: {directive} in {policy}");
    }
    // Style attributes only (the widget's colours): never inline script, never eval.
    assert!(policy.split("; ").filter(|d| d.contains("'unsafe-inline'")).all(|d| d.starts_with("style-src-attr ")), "{path}: {policy}");
    assert!(!policy.contains("'unsafe-eval'"), "{path}: {policy}");
}

#[test]
fn every_pages_inline_scripts_carry_the_nonce_of_its_own_policy() {
    run(async {
        let db = TestDb::sqlite().await;
        let site = site(&db).await;
        let (cookie, _, _) = staff_cookie(&site, app::store::StaffRole::Owner).await;
        let mut seen = Vec::new();
        for path in ["/", "/c/demo", "/liff/demo", "/w/demo", "/staff", "/staff/settings", "/staff/calendar", "/no-such-page"] {
            for signed_in in [false, true] {
                let mut request = Request::get(path).header(header::HOST, "127.0.0.1");
                if signed_in {
                    request = request.header(header::COOKIE, &cookie);
                }
                let p = fetch(&site, request.body(Body::empty()).expect("request")).await;
                assert!(p.status == StatusCode::OK || (path == "/no-such-page" && p.status == StatusCode::NOT_FOUND), "{path}: {}", p.status);
                assert_strict(path, &p.policy);
                let nonce = nonce(&p.policy).to_string();
                assert!(nonce.len() >= 22, "128 bits or more: {nonce}");
                assert!(!seen.contains(&nonce), "{path}: a nonce is never used twice");
                let scripts = inline_scripts(&p.body);
                assert!(!scripts.is_empty(), "{path}: the page hydrates with an inline script");
                for tag in scripts {
                    assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: an inline script without the response's nonce: <script{tag}>");
                }
                seen.push(nonce);
            }
        }

        // Not only pages: a server function's answer, a static file, the health check.
        let api = Request::post("/api/clinic_overview")
            .header(header::HOST, "127.0.0.1")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from("slug=demo&lang=ja"))
            .expect("request");
        let answer = fetch(&site, api).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_strict("/api/clinic_overview", &answer.policy);
        for path in ["/healthz", "/favicon.svg", "/embed.js"] {
            let p = page(&site, path).await;
            assert_strict(path, &p.policy);
        }
    })
}
