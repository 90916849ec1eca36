//! kubectl version management: `.tool-versions` resolution, sha256-verified installs, and the `kubectl`
//! shim that execs the pinned version.

use std::ffi::OsString;

use crate::cli::{GlobalArgs, KubectlCommand};

pub fn run(_global: &GlobalArgs, _cmd: KubectlCommand) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}

/// Entry point when invoked as `kubectl` through the shim.
pub fn shim_main(_argv: Vec<OsString>) -> i32 {
    eprintln!("kdeck kubectl shim: not built yet");
    1
}
