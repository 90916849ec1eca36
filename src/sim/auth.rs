//! Bearer-token authentication of the sim's two users (authorization is `rbac`'s).
//!
//! Owns: the admin token (a member of system:masters), the viewer token (bound to a read-all
//! ClusterRole) and the scenario's token expiry (401 after it). Tokens are random per
//! start and never printed or logged; they only leave the process inside the 0600 kubeconfig.

use std::time::{Duration, Instant};

use super::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Viewer,
}

impl Role {
    pub fn user(self) -> &'static str {
        match self {
            Role::Admin => "kdeck-sim-admin",
            Role::Viewer => "kdeck-sim-viewer",
        }
    }

    /// The user the token authenticates, with its groups.
    pub fn info(self) -> UserInfo {
        let groups: &[&str] = match self {
            Role::Admin => &["system:masters", "system:authenticated"],
            Role::Viewer => &["system:authenticated"],
        };
        UserInfo {
            name: self.user().to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }
}

/// Whom a request acts as: the authenticated user, or the one it impersonates (`rbac::impersonate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

pub struct Auth {
    admin_token: String,
    viewer_token: String,
    expires: Option<Instant>,
}

fn random_token() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}

/// Compares in time independent of where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Auth {
    pub fn new(token_ttl: Option<Duration>) -> Self {
        Auth {
            admin_token: random_token(),
            viewer_token: random_token(),
            expires: token_ttl.map(|d| Instant::now() + d),
        }
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    pub fn viewer_token(&self) -> &str {
        &self.viewer_token
    }

    /// Authenticates an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Role, ApiError> {
        let token = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        if self.expires.is_some_and(|e| Instant::now() >= e) {
            return Err(ApiError::unauthorized());
        }
        if same(token, &self.admin_token) {
            Ok(Role::Admin)
        } else if same(token, &self.viewer_token) {
            Ok(Role::Viewer)
        } else {
            Err(ApiError::unauthorized())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_map_to_roles() {
        let a = Auth::new(None);
        let admin = format!("Bearer {}", a.admin_token());
        let viewer = format!("Bearer {}", a.viewer_token());
        assert_eq!(a.authenticate(Some(&admin)).unwrap(), Role::Admin);
        assert_eq!(a.authenticate(Some(&viewer)).unwrap(), Role::Viewer);
        assert_eq!(a.authenticate(Some("Bearer nope")).unwrap_err().code, 401);
        assert_eq!(a.authenticate(None).unwrap_err().code, 401);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let a = Auth::new(Some(Duration::ZERO));
        let admin = format!("Bearer {}", a.admin_token());
        assert_eq!(a.authenticate(Some(&admin)).unwrap_err().code, 401);
    }
}
