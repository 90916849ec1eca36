//! kdeck: one binary that is the terminal cockpit for Kubernetes.
//!
//! The crate is split by responsibility; each folder opens with a `//!` doc saying what it owns and what it
//! must not do. See ARCHITECTURE.md for the data flow between them.
//!
//! - [`kubeconfig`]: resolve, merge and write kubeconfig files exactly as kubectl does (pure, no network).
//! - [`switch`]: the kubectx/kubens faces (`kdeck ctx`, `kdeck ns`, argv[0] `kubectx`/`kubens`).
//! - [`cluster`]: kube-rs clients built from the merged kubeconfig, watch stores and actions.
//! - [`describe`]: native describers (`kubectl describe` output) for the TUI and `kdeck describe`.
//! - [`sim`]: the simulated apiserver behind `kdeck sim serve` and `kdeck demo`.
//! - [`tui`]: the full-screen app loop, views, widgets, themes and keymaps.
//! - [`shell`]: prompt segment, shell hooks, per-shell and per-directory contexts, trust.
//! - [`kubectl`]: kubectl version resolution, verified installs and the `kubectl` shim.
//! - [`dirconfig`]: the per-directory `.kdeck.yaml` model and its allow/deny trust store.
//! - [`safety`]: the read-only and guarded-context policy for mutating actions.
//! - [`escape`]: names from kubeconfigs and clusters made safe to print on a terminal.
//! - [`cli`]: clap definitions only; [`yaml`]: the one module that touches serde_yaml.
//! - [`error`]: the one formatter that turns an error and its causes into the text a user reads.
#![deny(unsafe_code)]

pub mod cli;
pub mod cluster;
pub mod config;
pub mod describe;
pub mod dirconfig;
pub mod duration;
pub mod error;
pub mod escape;
pub mod fleet;
pub mod kubeconfig;
pub mod kubectl;
pub mod labels;
pub mod paths;
pub mod quantity;
pub mod safety;
pub mod shell;
pub mod sim;
pub mod switch;
pub mod tui;
pub mod yaml;
