//! What a failed request to an apiserver looks like, and the one way a server's refusal is shown.
//!
//! Owns: [`ApiStatus`] (a `metav1.Status` the server answered with, rendered `message (code Reason)`
//! everywhere kdeck shows one) and [`RequestError`] (that Status, or a transport failure). Must not:
//! decide what a caller does about a code (403 fallbacks, 401 re-authentication stay with the caller).

/// The server's refusal: its own message, the HTTP code and the machine-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code}{})", if reason.is_empty() { String::new() } else { format!(" {reason}") })]
pub struct ApiStatus {
    pub code: u16,
    /// `Forbidden`, `NotFound`, `Conflict`, ... (empty when the server gave none).
    pub reason: String,
    pub message: String,
}

impl From<&kube::core::Status> for ApiStatus {
    fn from(s: &kube::core::Status) -> Self {
        ApiStatus {
            code: s.code,
            reason: s.reason.clone(),
            message: s.message.clone(),
        }
    }
}

/// A request that failed: the server answered with a Status, or it could not be asked at all.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Refused(ApiStatus),
    /// Connection, TLS, auth-plugin or decoding trouble; its causes say what happened.
    #[error("{}", crate::error::chain(.0))]
    Transport(kube::Error),
}

impl From<kube::Error> for RequestError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => RequestError::Refused(ApiStatus::from(status.as_ref())),
            other => RequestError::Transport(other),
        }
    }
}

impl RequestError {
    /// The HTTP code when the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            RequestError::Refused(s) => Some(s.code),
            RequestError::Transport(_) => None,
        }
    }

    /// The server answered with something kdeck could not decode (asking again gets the same).
    pub fn is_undecodable(&self) -> bool {
        matches!(self, RequestError::Transport(kube::Error::SerdeError(_)))
    }

    /// The server's Status, when it answered with one.
    pub fn status(&self) -> Option<&ApiStatus> {
        match self {
            RequestError::Refused(s) => Some(s),
            RequestError::Transport(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_reads_message_code_and_reason() {
        let status = kube::core::Status::failure("deployments.apps \"web\" not found", "NotFound")
            .with_code(404);
        let e = RequestError::from(kube::Error::Api(Box::new(status)));
        assert_eq!(e.code(), Some(404));
        assert_eq!(
            e.to_string(),
            "deployments.apps \"web\" not found (404 NotFound)"
        );
        let bare = ApiStatus {
            code: 500,
            reason: String::new(),
            message: "boom".into(),
        };
        assert_eq!(bare.to_string(), "boom (500)");
    }
}
