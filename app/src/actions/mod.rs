//! The use cases: one function per user action. Each runs inside the caller's write transaction
//! (`store.write()` … `commit()`), so that the server functions, LINE's webhook, the worker,
//! seeding and the command line all do one thing one way. What an action decides comes from the
//! pure rules (`booking`, `notify`, `settings`); what it keeps goes through the storage
//! interface; what can go wrong is a [`Problem`](crate::error::Problem).

pub mod access;
pub mod booking;
pub mod data_rights;
pub mod notices;
pub mod patients;
pub mod queue;
pub mod reception;
pub mod retention;
pub mod rich_menu;
pub mod settings;
pub mod web;
