//! LINE's HTTP API: the client (`api`) and the webhook LINE calls (`webhook`). The base URL is
//! configuration (`YOYAKU_LINE_API_URL`); development and tests point it at the `fake-line`
//! binary (`server/fake-line`), which is not part of this one.

pub mod api;
mod rich_menu;
pub mod service;
pub mod webhook;

pub const DEFAULT_API_URL: &str = "https://api.line.me";
/// LINE's host for uploads (a rich menu's picture).
pub const DEFAULT_DATA_API_URL: &str = "https://api-data.line.me";
