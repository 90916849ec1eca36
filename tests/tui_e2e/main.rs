//! End-to-end: the real `kdeck` binary in tmux against `kdeck sim serve`, checked through an independent
//! client. One test binary (each one links the whole crate); one module per area. Without tmux or kubectl
//! the tests skip with a note, or fail in CI (see `tools`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod attach;
mod auth;
mod browse;
mod crds;
mod describe;
mod edit;
mod extensions;
mod fleet;
mod harness;
mod hung;
mod image;
mod kubelet;
mod logs;
mod marks;
mod merged;
mod nodes;
mod ops;
mod owner;
mod reconnect;
mod shell;
mod sort;
#[path = "../tools/mod.rs"]
mod tools;
mod trigger;
mod usage;
mod xray;
