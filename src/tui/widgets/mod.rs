//! Widgets shared by every view: header, footer (hints and flash), banner, command line and help.

pub mod footer;
pub mod header;
pub mod help;
