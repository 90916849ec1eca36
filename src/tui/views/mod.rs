//! Views: the tables a screen shows under the header. [`table`] is the view component (its state, keys
//! and drawing); [`contexts`] builds the contexts view's rows from kubeconfig.
//!
//! Must not: name the app or do I/O.

pub mod contexts;
pub mod table;
