//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `1e3`) as plain numbers, shared by the
//! sim's metrics and the clients that read them.

/// A quantity in base units (cores or bytes): `250m`, `1.5`, `128Mi`, `1G`, `1e3`.
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        _ => return None,
    };
    Some(n * mult)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suffixes_scale_to_base_units() {
        assert_eq!(super::parse("250m"), Some(0.25));
        assert_eq!(super::parse("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(super::parse("2"), Some(2.0));
        assert_eq!(super::parse("1e3"), Some(1000.0));
        assert_eq!(super::parse("12x"), None);
    }
}
