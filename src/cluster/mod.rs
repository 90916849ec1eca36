//! kube-rs clients built from kdeck's merged kubeconfig, plus watch stores and actions on resources.
//!
//! Owns: turning a [`crate::kubeconfig`] context into a `kube::Client`, namespace listing for `kubens`,
//! watchers/reflectors feeding the TUI's stores, and mutating actions. It never draws anything and never
//! touches kubeconfig files.

pub mod actions;
mod client;
pub mod forward;
pub mod kinds;
pub mod logs;
pub mod selector;

pub use client::{ClientError, client_config, connect};
