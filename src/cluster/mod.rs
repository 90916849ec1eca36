//! kube-rs clients built from kdeck's merged kubeconfig, plus watch stores and actions on resources.
//!
//! Owns: turning a [`crate::kubeconfig`] context into a `kube::Client`, namespace listing for `kubens`,
//! watchers/reflectors feeding the TUI's stores ([`watch`], [`store`]), the row model of each kind
//! ([`rows`], [`columns`]), discovery ([`discovery`], [`kinds`]) and mutating actions. It never draws
//! anything and never touches kubeconfig files.

pub mod actions;
mod client;
pub mod columns;
pub mod discovery;
pub mod error;
pub mod exec_auth;
pub mod forward;
pub mod kinds;
pub mod known_kinds;
pub mod logs;
pub mod merged;
pub mod metrics;
pub mod nodes;
pub mod rows;
pub mod selector;
pub mod session;
pub mod sort;
pub mod store;
pub mod table_watch;
pub mod trigger;
pub mod watch;
pub mod xray;

pub use client::{ClientError, client_config, connect};
pub use error::{ApiStatus, RequestError};
