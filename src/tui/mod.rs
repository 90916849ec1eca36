//! The full-screen TUI: app loop, views, widgets, themes and keymaps.
//!
//! Data flows one way: watch events → store → view model → widget; key → action → update → effect →
//! message. Views never await the network, and background tasks never touch widgets.

pub mod action;
pub mod keymap;

use crate::cli::{DemoArgs, DescribeArgs, GlobalArgs, TuiArgs};

/// `kdeck` with no subcommand.
pub fn run(_global: &GlobalArgs, _args: &TuiArgs) -> anyhow::Result<()> {
    anyhow::bail!("TUI not built yet")
}

/// `kdeck demo`.
pub fn run_demo(_global: &GlobalArgs, _args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("demo not built yet")
}

/// `kdeck describe KIND NAME`.
pub fn describe_to_stdout(_global: &GlobalArgs, _args: &DescribeArgs) -> anyhow::Result<i32> {
    anyhow::bail!("describe not built yet")
}
