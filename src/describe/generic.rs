//! Every other kind: kubectl's generic describer (metadata, then the rest of the object as an indented
//! tree of smart-labelled keys), plus the describer for Event objects.

use serde_json::Value;

use super::events::describe_events;
use super::writer::{Doc, annotations, labels_ml, s};

const SKIP: &[&str] = &[
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
];

pub(crate) fn describe_generic(doc: &mut Doc, obj: &Value, events: Option<&[Value]>) {
    doc.w(0, &format!("Name:\t{}\n", s(obj.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(obj.pointer("/metadata/namespace"))),
    );
    labels_ml(doc, "Labels", obj.pointer("/metadata/labels"));
    annotations(doc, "Annotations", obj.pointer("/metadata/annotations"));
    if let Some(map) = obj.as_object() {
        print_content(doc, 0, map, "");
    }
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

fn print_content(doc: &mut Doc, level: usize, map: &serde_json::Map<String, Value>, prefix: &str) {
    let mut fields: Vec<&String> = map.keys().collect();
    fields.sort();
    for field in fields {
        let path = format!("{prefix}.{field}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match &map[field] {
            Value::Object(child) => {
                doc.w(level, &format!("{}:\n", smart_label(field)));
                print_content(doc, level + 1, child, &path);
            }
            Value::Array(items) => {
                doc.w(level, &format!("{}:\n", smart_label(field)));
                for item in items {
                    match item {
                        Value::Object(child) => print_content(doc, level + 1, child, &path),
                        other => doc.w(level + 1, &format!("{}\n", go_value(other))),
                    }
                }
            }
            other => doc.w(
                level,
                &format!("{}:\t{}\n", smart_label(field), go_value(other)),
            ),
        }
    }
}

/// A scalar as Go's `%v` prints a decoded JSON value: numbers are float64 in `%g` form (`3`, `1.5`,
/// `1e+06`).
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) => go_float(f),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let e = format!("{f:e}");
        let (mantissa, power) = e.split_once('e').unwrap_or((&e, "0"));
        let power: i32 = power.parse().unwrap_or(0);
        let sign = if power < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", power.abs());
    }
    format!("{f}")
}

/// kubectl's `smartLabelFor`: camelCase split into Title Case words, common acronyms upper-cased;
/// fields with characters other than letters and '-' are left alone.
pub(crate) fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let chars: Vec<char> = field.chars().collect();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && ((c.is_uppercase() && chars[i - 1].is_lowercase())
                || (c.is_uppercase()
                    && chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase()))
                || (c.is_alphabetic() != chars[i - 1].is_alphabetic()));
        if boundary && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
        .into_iter()
        .map(|p| {
            let upper = p.to_uppercase();
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&upper.as_str()) {
                upper
            } else {
                let mut c = p.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `kubectl describe` on an Event falls to the generic describer; the same here, with no events of
/// its own.
pub(crate) fn describe_event(doc: &mut Doc, ev: &Value) {
    describe_generic(doc, ev, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_labels() {
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("involvedObject"), "Involved Object");
        assert_eq!(smart_label("firstTimestamp"), "First Timestamp");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("kind"), "Kind");
        assert_eq!(smart_label("a_b"), "a_b");
        assert_eq!(smart_label("resourceVersion"), "Resource Version");
        assert_eq!(go_float(3.0), "3");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.5), "0.5");
    }
}
