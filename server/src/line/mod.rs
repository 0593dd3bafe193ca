//! LINE's HTTP API: the real client (`api`) and a local fake that speaks the same wire format
//! (`fake`) for development and tests. The base URL is configuration (`YOYAKU_LINE_API_URL`).

pub mod api;
pub mod fake;
pub mod webhook;

pub const DEFAULT_API_URL: &str = "https://api.line.me";
