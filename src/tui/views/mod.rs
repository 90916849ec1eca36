//! Views: how each kind of screen turns state into widgets. Pure functions of `&App`.

pub mod contexts;
pub mod table;
