//! kubectl version numbers: parsing (`1.29.4`, `v1.29.4`, `1.30.0-rc.1`), ordering, and the skew rule.
//!
//! Parsing is strict because a version ends up in a URL and a directory name: only digits, ASCII letters,
//! `.` and `-` can get through, so no `/`, `..` or `%` ever reaches the mirror or the data dir.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The semver pre-release part without its `-` (`rc.1`), empty for a release.
    pub pre: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{input}\" is not a kubectl version: expected MAJOR.MINOR.PATCH like 1.29.4 (a leading v is fine)"
)]
pub struct VersionError {
    pub input: String,
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = || VersionError {
            input: input.to_string(),
        };
        let s = input.strip_prefix('v').unwrap_or(input);
        let (core, pre) = match s.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (s, ""),
        };
        let mut parts = core.split('.');
        let mut number = || -> Result<u32, VersionError> {
            let p = parts.next().ok_or_else(err)?;
            // Leading zeros and signs are not versions; u32::from_str would accept "+1" and "007".
            if p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        let (major, minor, patch) = (number()?, number()?, number()?);
        if parts.next().is_some() {
            return Err(err());
        }
        let pre_ok = pre
            .split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !pre.is_empty() && !pre_ok || s.ends_with('-') {
            return Err(err());
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_pre(&self.pre, &other.pre))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semver precedence for pre-releases: a release outranks any pre-release; identifiers compare
/// numerically when both are numbers, else as ASCII, and a longer list wins a tie.
fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(n), Ok(m)) => n.cmp(&m),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// The minor version from an apiserver `/version` `minor` field. Managed clusters report values such as
/// `29+` (GKE, EKS), so only the leading digits count.
pub fn server_minor(minor_field: &str) -> Option<u32> {
    let digits: String = minor_field
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// kubectl is supported within one minor version of the apiserver (Kubernetes version skew policy).
/// Returns the warning to show when `kubectl_version` is further away than that from `server_minor`.
pub fn skew_warning(kubectl_version: &Version, server_minor: u32) -> Option<String> {
    let distance = kubectl_version.minor.abs_diff(server_minor);
    if kubectl_version.major == 1 && distance <= 1 {
        return None;
    }
    let direction = if kubectl_version.minor > server_minor {
        "newer"
    } else {
        "older"
    };
    Some(format!(
        "kubectl {kubectl_version} is {distance} minor versions {direction} than the server (1.{server_minor}); \
         kubectl supports one minor version of skew: install and pin a 1.{server_minor}.x kubectl \
         (`kdeck kubectl install 1.{server_minor}.0`, or pin `auto`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(v("1.29.4").to_string(), "1.29.4");
        assert_eq!(v("v1.29.4").to_string(), "1.29.4");
        assert_eq!(v("v1.30.0-rc.1").pre, "rc.1");
        assert_eq!(v("1.30.0-rc.1").to_string(), "1.30.0-rc.1");
    }

    #[test]
    fn rejects_what_must_not_reach_a_url() {
        for bad in [
            "",
            "1",
            "1.29",
            "1.29.4.1",
            "1.29.x",
            "../1.29.4",
            "1.29.4/../../x",
            "1.29.4-",
            "1.29.4-a..b",
            "1.29.4-a/b",
            "1.29.4 ",
            "+1.29.4",
            "01.29.4",
            "1.29.4%2f",
            "vv1.29.4",
            "system",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn orders_like_semver() {
        let mut list = [
            v("1.30.0"),
            v("1.9.0"),
            v("1.30.0-rc.1"),
            v("1.29.10"),
            v("1.29.4"),
            v("1.30.0-alpha.2"),
        ];
        list.sort();
        let shown: Vec<String> = list.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            shown,
            [
                "1.9.0",
                "1.29.4",
                "1.29.10",
                "1.30.0-alpha.2",
                "1.30.0-rc.1",
                "1.30.0"
            ]
        );
    }

    #[test]
    fn server_minor_ignores_vendor_suffixes() {
        assert_eq!(server_minor("29"), Some(29));
        assert_eq!(server_minor("29+"), Some(29));
        assert_eq!(server_minor(""), None);
    }

    #[test]
    fn skew_is_one_minor_either_way() {
        assert_eq!(skew_warning(&v("1.29.4"), 29), None);
        assert_eq!(skew_warning(&v("1.30.0"), 29), None);
        assert_eq!(skew_warning(&v("1.28.0"), 29), None);
        let w = skew_warning(&v("1.27.3"), 29).unwrap();
        assert!(w.contains("2 minor versions older"), "{w}");
        let w = skew_warning(&v("1.32.0"), 29).unwrap();
        assert!(w.contains("3 minor versions newer"), "{w}");
    }
}
