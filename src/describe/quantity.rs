//! Just enough of apimachinery's `resource.Quantity` for describe: parse, add, compare, and print in
//! canonical form (`1500m`, `2`, `128Mi`), so sums in the node view print as kubectl prints them.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
}

/// A quantity in nano-units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quantity {
    nanos: i128,
    format: Format,
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    pub fn zero_binary() -> Self {
        Quantity {
            nanos: 0,
            format: Format::BinarySi,
        }
    }

    pub fn zero_decimal() -> Self {
        Quantity {
            nanos: 0,
            format: Format::DecimalSi,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(t.len());
        let (num, suffix) = t.split_at(split);
        let (mul, div, format): (i128, i128, Format) = match suffix {
            "" => (1, 1, Format::DecimalSi),
            "n" => (1, NANO, Format::DecimalSi),
            "u" => (1, 1_000_000, Format::DecimalSi),
            "m" => (1, 1_000, Format::DecimalSi),
            "k" => (1_000, 1, Format::DecimalSi),
            "M" => (1_000_000, 1, Format::DecimalSi),
            "G" => (1_000_000_000, 1, Format::DecimalSi),
            "T" => (1_000_000_000_000, 1, Format::DecimalSi),
            "P" => (1_000_000_000_000_000, 1, Format::DecimalSi),
            "E" => (1_000_000_000_000_000_000, 1, Format::DecimalSi),
            "Ki" => (1 << 10, 1, Format::BinarySi),
            "Mi" => (1 << 20, 1, Format::BinarySi),
            "Gi" => (1 << 30, 1, Format::BinarySi),
            "Ti" => (1 << 40, 1, Format::BinarySi),
            "Pi" => (1 << 50, 1, Format::BinarySi),
            "Ei" => (1 << 60, 1, Format::BinarySi),
            _ => return None,
        };
        let negative = num.starts_with('-');
        let num = num.trim_start_matches(['+', '-']);
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let frac_digits = frac_part.len().min(18) as u32;
        let frac: i128 = if frac_part.is_empty() {
            0
        } else {
            frac_part[..frac_digits as usize].parse().ok()?
        };
        let scale = 10i128.pow(frac_digits);
        let nanos = (int * scale + frac) * mul * NANO / div / scale;
        Some(Quantity {
            nanos: if negative { -nanos } else { nanos },
            format,
        })
    }

    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Self::parse(s),
            Value::Number(n) => Self::parse(&n.to_string()),
            _ => None,
        }
    }

    /// A JSON quantity as kubectl prints it; an unparseable one as it is.
    pub fn display(v: &Value) -> String {
        match Self::from_value(v) {
            Some(q) => q.to_string(),
            None => super::writer::s(Some(v)),
        }
    }

    pub fn add(&mut self, other: Quantity) {
        if self.nanos == 0 {
            self.format = other.format;
        }
        self.nanos += other.nanos;
    }

    pub fn milli_value(&self) -> i128 {
        ceil_div(self.nanos, 1_000_000)
    }

    pub fn value(&self) -> i128 {
        ceil_div(self.nanos, NANO)
    }
}

fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 { q + 1 } else { q }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let n = self.nanos.abs();
        if self.format == Format::BinarySi && n % NANO == 0 && n / NANO >= 1024 {
            let mut v = n / NANO;
            let mut i = 0;
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
            while v % 1024 == 0 && i < 6 {
                v /= 1024;
                i += 1;
            }
            return write!(f, "{sign}{v}{}", suffixes[i]);
        }
        // Decimal SI: the largest power-of-1000 suffix that keeps the mantissa whole.
        let steps: [(i128, &str); 10] = [
            (NANO * 1_000_000_000_000_000_000, "E"),
            (NANO * 1_000_000_000_000_000, "P"),
            (NANO * 1_000_000_000_000, "T"),
            (NANO * 1_000_000_000, "G"),
            (NANO * 1_000_000, "M"),
            (NANO * 1_000, "k"),
            (NANO, ""),
            (1_000_000, "m"),
            (1_000, "u"),
            (1, "n"),
        ];
        for (unit, suffix) in steps {
            if n % unit == 0 {
                return write!(f, "{sign}{}{suffix}", n / unit);
            }
        }
        write!(f, "{sign}{n}n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> String {
        Quantity::parse(s).unwrap().to_string()
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(q("100m"), "100m");
        assert_eq!(q("2000m"), "2");
        assert_eq!(q("0.5"), "500m");
        assert_eq!(q("1500m"), "1500m");
        assert_eq!(q("128Mi"), "128Mi");
        assert_eq!(q("1024Ki"), "1Mi");
        assert_eq!(q("1G"), "1G");
        assert_eq!(q("1000"), "1k");
        assert_eq!(q("0"), "0");
        assert_eq!(q("110"), "110");
        assert!(Quantity::parse("12x").is_none());
    }

    #[test]
    fn sums_keep_the_first_format() {
        let mut a = Quantity::zero_binary();
        a.add(Quantity::parse("64Mi").unwrap());
        a.add(Quantity::parse("64Mi").unwrap());
        assert_eq!(a.to_string(), "128Mi");
        assert_eq!(Quantity::parse("250m").unwrap().milli_value(), 250);
        assert_eq!(Quantity::parse("1Gi").unwrap().value(), 1 << 30);
    }
}
