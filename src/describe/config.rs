//! ConfigMaps and Secrets. Secret values are never shown unless the caller asked to reveal them (and
//! the safety policy allowed it); otherwise each shows its size, as kubectl does.

use base64::Engine;
use serde_json::Value;

use super::events::describe_events;
use super::writer::{Doc, annotations, labels_ml, s};

fn sorted(map: Option<&Value>) -> Vec<(&String, &Value)> {
    let mut kv: Vec<_> = map
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    // kubectl iterates a Go map (random order); kdeck sorts so the view is stable.
    kv.sort_by(|a, b| a.0.cmp(b.0));
    kv
}

pub(crate) fn describe_configmap(doc: &mut Doc, cm: &Value, events: Option<&[Value]>) {
    doc.w(0, &format!("Name:\t{}\n", s(cm.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(cm.pointer("/metadata/namespace"))),
    );
    labels_ml(doc, "Labels", cm.pointer("/metadata/labels"));
    annotations(doc, "Annotations", cm.pointer("/metadata/annotations"));
    doc.w(0, "\nData\n====\n");
    for (k, v) in sorted(cm.get("data")) {
        doc.w(0, &format!("{k}:\n----\n"));
        doc.w(0, &format!("{}\n", s(Some(v))));
        doc.w(0, "\n");
    }
    doc.w(0, "\nBinaryData\n====\n");
    for (k, v) in sorted(cm.get("binaryData")) {
        doc.w(0, &format!("{k}: {} bytes\n", decoded_len(v)));
    }
    doc.w(0, "\n");
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

fn decode(v: &Value) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or_default())
        .ok()
}

fn decoded_len(v: &Value) -> usize {
    decode(v).map_or(0, |b| b.len())
}

pub(crate) fn describe_secret(doc: &mut Doc, secret: &Value, reveal: bool) {
    doc.w(
        0,
        &format!("Name:\t{}\n", s(secret.pointer("/metadata/name"))),
    );
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(secret.pointer("/metadata/namespace"))),
    );
    labels_ml(doc, "Labels", secret.pointer("/metadata/labels"));
    annotations(doc, "Annotations", secret.pointer("/metadata/annotations"));
    let ty = s(secret.get("type"));
    doc.w(0, &format!("\nType:\t{ty}\n"));
    doc.w(0, "\nData\n====\n");
    for (k, v) in sorted(secret.get("data")) {
        let bytes = decode(v).unwrap_or_default();
        // kubectl shows a service-account token itself; everything else only by size.
        let show = reveal || (k == "token" && ty == "kubernetes.io/service-account-token");
        if show {
            match String::from_utf8(bytes) {
                Ok(text) => doc.w(0, &format!("{k}:\t{text}\n")),
                Err(e) => doc.w(
                    0,
                    &format!("{k}:\t<{} bytes of binary data>\n", e.into_bytes().len()),
                ),
            }
        } else {
            doc.w(0, &format!("{k}:\t{} bytes\n", bytes.len()));
        }
    }
}
