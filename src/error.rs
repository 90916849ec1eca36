//! How an error becomes the text a user reads.
//!
//! Owns: the one cause-chain formatter. Library errors are thiserror types that keep their causes; the
//! places that show a message (the binary's `main`, the TUI, a face's stderr) turn them into text here.
//! Must not: word any module's errors (each module's own error type does that).

use std::error::Error;

/// The error's message followed by its causes, skipping a cause the text already spells out (many
/// errors repeat their source in their own message; hyper and kube-rs put the useful part, such as
/// "connection refused", only in a cause).
pub fn chain(e: &dyn Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct E {
        text: &'static str,
        #[source]
        cause: Option<Box<E>>,
    }

    fn e(text: &'static str, cause: Option<E>) -> E {
        E {
            text,
            cause: cause.map(Box::new),
        }
    }

    #[test]
    fn causes_follow_the_message_once() {
        let refused = e("Connection refused (os error 111)", None);
        let connect = e("client error (Connect)", Some(refused));
        assert_eq!(
            chain(&e("GET /version failed", Some(connect))),
            "GET /version failed: client error (Connect): Connection refused (os error 111)"
        );
        // A cause the message already quotes is not repeated.
        let io = e("permission denied", None);
        assert_eq!(
            chain(&e("cannot write x: permission denied", Some(io))),
            "cannot write x: permission denied"
        );
    }
}
