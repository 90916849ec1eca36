//! kubectl version management: which kubectl runs in a directory (`.tool-versions`, `.kdeck.yaml`,
//! `KDECK_KUBECTL_VERSION`), sha256-verified installs from the release mirror, and the `kubectl` shim
//! that execs the pinned version.
//!
//! Owns `<data>/kubectl/<ver>/`, `<data>/shims/` and the server-version cache. Parsing and resolution
//! rules are pure ([`tool_versions`], [`resolve`], [`version`]); disk, network and PATH live at the edges
//! ([`locate`], [`store`], [`install`], [`download`], [`server`], [`shim`]).
//! It must not change kubeconfig, and reads `.kdeck.yaml` only through [`crate::dirconfig`]; the
//! shell hook belongs to [`crate::shell`], the `.kdeck.yaml` trust store to [`crate::dirconfig`].

mod commands;
pub mod download;
pub mod install;
pub mod locate;
mod progress;
pub mod resolve;
pub mod server;
mod shim;
pub mod store;
pub mod tool_versions;
pub mod version;

pub use commands::run;
pub use locate::{KubectlNote, Resolved, resolve_for_dir, skew_note};
pub use shim::shim_main;
pub use version::{Version, skew_warning};
