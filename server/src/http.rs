//! The HTTP app: Leptos pages and server functions, static files and `/healthz`.

use std::net::SocketAddr;

use std::sync::Arc;

use app::line::LinePlatform;
use app::state::{AppState, LiffSdk};
use app::store::SharedStore;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use app::api::limits::PatientLimits;

use crate::config::{LiffSdkArg, ServeArgs};

pub fn router(state: AppState) -> Router {
    // Listing the routes renders the app in a special mode; do it once per process, before any
    // request is rendered (several routers in one process, as in tests, must not list them while
    // another renders a page).
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let options = state.leptos_options.clone();
    use crate::request_limits as limits;
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/line/webhook/{clinic}", axum::routing::post(crate::line::webhook::receive).layer(limits::webhook_body()))
        .route("/staff/export.csv", get(crate::export::export_csv))
        .route("/staff/consents.csv", get(crate::export::consents_csv))
        .route("/staff/access.csv", get(crate::export::access_csv))
        .route("/staff/patients/{id}/data.json", get(crate::export::patient_json))
        .route("/w/{clinic}/a/{reference}/ics", get(app::api::web_booking::ssr::ics))
        .leptos_routes_with_context(&state, routes, crate::framing::provide_response_nonce, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(crate::framing::provide_response_nonce, shell))
        .layer(axum::middleware::from_fn(limits::pictures))
        .layer(limits::body())
        .layer(limits::timeout())
        // Added after the timeout: the live updates stay open as long as the console does.
        .route("/staff/events", get(crate::staff_events::inbox_events))
        .route("/d/{clinic}/events", get(crate::queue_events::board_events))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::framing::headers));
    let hashed_assets = state.leptos_options.hash_files;
    crate::serving::layers(router.with_state(state), hashed_assets)
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Behind a reverse proxy every connection comes from the proxy; the client is the address the
/// proxy appended last to `X-Forwarded-For` (earlier entries are only the client's own word).
/// It replaces the connection's address for everything that asks (sign-in rate limiting).
pub fn behind_proxy(router: Router) -> Router {
    async fn client_from_forwarded_for(mut request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok());
        if let Some(ip) = forwarded {
            request.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::new(ip, 0)));
        }
        next.run(request).await
    }
    router.layer(axum::middleware::from_fn(client_from_forwarded_for))
}

pub async fn serve(store: SharedStore, line: Arc<dyn LinePlatform>, args: ServeArgs) -> anyhow::Result<()> {
    let mut leptos_options = get_configuration(None)?.leptos_options;
    if let Some(addr) = args.addr {
        leptos_options.site_addr = addr;
    }
    let addr = leptos_options.site_addr;
    // `cargo leptos build` (hash-files) leaves the hashed asset names next to the binary; the
    // pages must link those names, whoever starts the server.
    let hash_file = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(leptos_options.hash_file.as_ref())));
    leptos_options.hash_files |= hash_file.is_some_and(|f| f.exists());
    let liff_sdk = match args.liff_sdk {
        LiffSdkArg::Bundled => LiffSdk::Bundled,
        LiffSdkArg::Cdn => LiffSdk::Cdn,
        LiffSdkArg::Mock => {
            tracing::warn!("LIFF pages load LINE's mock SDK: for tests and development only");
            LiffSdk::Mock
        }
    };
    let limits = Arc::new(PatientLimits::per_minute(args.patient_requests_per_minute));
    let mut app = router(AppState { leptos_options, store, line, liff_sdk, limits });
    if args.behind_proxy {
        app = behind_proxy(app);
    }
    // Replies are written whole; Nagle's algorithm would only hold back their last segment.
    let listener = axum::serve::ListenerExt::tap_io(tokio::net::TcpListener::bind(addr).await?, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    tracing::info!(%addr, "listening on http://{addr}");
    // The peer address reaches sign-in's rate limiting through `ConnectInfo`.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
    // Open event streams end, so the graceful shutdown does not wait for them forever.
    crate::live::SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::Relaxed);
}
