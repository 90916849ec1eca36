//! The full-screen TUI: app loop, views, widgets, themes and keymaps.
//!
//! Data flows one way: watch events → store → view model → widget; key → action → update → effect →
//! message. Views never await the network, and background tasks never touch widgets.
//!
//! - [`app`] and [`update`]: state and `update(Msg) -> Vec<Effect>`, pure and synchronous.
//! - [`event_loop`]: the terminal, input, coalesced rendering and the effects that do I/O.
//! - [`render`], [`views`], [`widgets`]: drawing a frame from `&App`.
//! - [`keymap`], [`theme`], [`action`], [`command`], [`filter`], [`nav`]: the pieces the user configures
//!   or types.

pub mod action;
pub mod app;
pub mod command;
pub mod filter;
pub mod input;
pub mod keymap;
pub mod nav;
pub mod render;
pub mod theme;
pub mod update;
pub mod views;
pub mod widgets;

use crate::cli::{DemoArgs, GlobalArgs, TuiArgs};

/// `kdeck` with no subcommand.
pub fn run(_global: &GlobalArgs, _args: &TuiArgs) -> anyhow::Result<()> {
    anyhow::bail!("TUI not built yet")
}

/// `kdeck demo`.
pub fn run_demo(_global: &GlobalArgs, _args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("demo not built yet")
}

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
pub(crate) mod test_support;
