//! The Yoyaku server: configuration, storage backends, the HTTP app and the admin commands.
//! `main.rs` only parses the command line and calls in here.

pub mod backup;
pub mod config;
pub mod db;
pub mod export;
pub mod framing;
pub mod http;
pub mod line;
pub mod live;
pub mod mail;
pub mod notify;
pub mod queue_events;
pub mod request_limits;
pub mod seed;
pub mod serving;
pub mod staff;
pub mod staff_events;
