//! The simulated Kubernetes apiserver behind `kdeck sim serve` and `kdeck demo`.
//!
//! Owns: an in-memory object store with real resourceVersion semantics, the HTTPS API (discovery, CRUD,
//! watch, patch, Table output, subresources), controllers that make the cluster look alive, scenarios and
//! fault injection. It must behave as a real kube-apiserver does; it never depends on the TUI.

use crate::cli::SimServeArgs;

/// `kdeck sim serve`.
pub fn serve(_args: SimServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("sim not built yet")
}
