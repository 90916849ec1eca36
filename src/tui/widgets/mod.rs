//! Widgets shared by every view: the header, the connection banner, the command/filter line, the footer
//! (hints and flash) and the help overlay.
//!
//! Each draws from the data it is handed plus the theme. Must not: name the app or hold state of its
//! own between frames.

pub mod banner;
pub mod footer;
pub mod header;
pub mod help;
pub mod prompt;
