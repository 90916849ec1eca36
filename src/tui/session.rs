//! Who and where the TUI is: the context, cluster, user and namespace in use ([`Session`]) and the state
//! of the connection ([`Connection`]). Plain data: the app updates it, the header and banner draw it.
//!
//! Owns: these two types. Must not: decide policy (read-only comes from `crate::safety`) or do I/O.

/// Who and where: what the header shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    /// The namespace views open in; None = all namespaces.
    pub namespace: Option<String>,
    pub server_version: Option<String>,
    /// The local kubectl and its skew against the server.
    pub kubectl: Option<crate::kubectl::KubectlNote>,
    pub readonly: bool,
    /// Why the session is read-only, as shown when an action is refused.
    pub readonly_reason: Option<String>,
    pub guarded: bool,
    /// The cluster's CPU and memory use against its nodes' allocatable (header); None until known.
    pub usage: Option<crate::cluster::metrics::ClusterUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// No context selected, or not connected yet.
    Idle,
    Connecting(String),
    /// The kubeconfig changed the credentials of the context in use: every watch, log stream and
    /// port-forward is being moved to a new client, and the view stays as it is.
    Reconnecting(String),
    Connected,
    /// Watches fail and are retried with backoff.
    Lost(String),
    /// The initial connection failed.
    Failed(String),
}
