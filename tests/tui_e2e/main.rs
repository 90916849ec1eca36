//! End-to-end: the real `kdeck` binary in tmux against `kdeck sim serve`, checked through an independent
//! client. One test binary (each one links the whole crate); one module per area. Tests skip (with a
//! note) when tmux is not installed.

mod auth;
mod browse;
mod describe;
mod harness;
mod logs;
mod ops;
mod reconnect;
mod shell;
