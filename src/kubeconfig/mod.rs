//! Kubeconfig resolution, merging and writing, with kubectl's rules (client-go `tools/clientcmd`).
//!
//! Owns: which files are in effect ([`Resolution`]), the merged view with each entry's source file
//! ([`KubeconfigSet`], [`Sourced`]), a passthrough per-file model that keeps unknown fields and key order
//! ([`KubeconfigDoc`]), and atomic, locked writes ([`write::atomic_write`], [`lock::FileLock`]).
//! [`QuickView`] is the fast path for reading and switching the current context on files in kubectl's
//! plain block style ([`skim`]); it hands over to [`KubeconfigSet`] for anything else.
//! Pure file work: no network, no printing. Callers (ctx/ns, shell, TUI) decide what to tell the user.
//!
//! Files are never written back through `kube::config::Kubeconfig`: it rewrites relative paths to absolute
//! ones and drops fields it does not know.

pub mod cleanup;
mod document;
mod error;
pub mod lock;
mod quick;
mod set;
pub mod skim;
pub mod write;

pub use document::{KubeconfigDoc, Section, entry_name};
pub use error::KubeconfigError;
pub use quick::QuickView;
pub use set::{ContextInfo, KubeconfigSet, Origin, Resolution, Sourced};
