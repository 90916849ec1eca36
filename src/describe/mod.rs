//! Native describers: the sections, fields and event table of `kubectl describe`, computed from objects.
//!
//! Pure functions on objects and events; fetching them is the caller's job.

use crate::cli::{DescribeArgs, GlobalArgs};

/// `kdeck describe KIND NAME [-n NS]`.
pub fn run_cli(_global: &GlobalArgs, _args: &DescribeArgs) -> anyhow::Result<i32> {
    anyhow::bail!("describe not built yet")
}
