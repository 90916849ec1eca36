//! What a pod uses, as xray nodes below it: the ConfigMaps and Secrets its volumes, environment and
//! image pulls name, its PVCs with their phase, and its ServiceAccount. Each is checked against what
//! could be listed: found, missing (an error unless every use is optional), or unchecked when its kind
//! could not be listed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use super::tree::{Names, Node, Objects, ns_name};
use crate::cluster::rows::Tone;

/// A reference that exists, is missing (an error unless it is optional), or cannot be checked.
fn referenced(
    order: u8,
    kind: &'static str,
    plural: &str,
    ns: &str,
    name: &str,
    optional: bool,
    known: Option<bool>,
) -> Node {
    let (status, tone) = match known {
        Some(true) => ("Found", Tone::Normal),
        Some(false) if optional => ("Missing (optional)", Tone::Normal),
        Some(false) => ("Missing", Tone::Error),
        None => ("", Tone::Normal),
    };
    Node::reference(order, kind, plural, ns, name).with(String::new(), status, tone)
}

/// The ConfigMaps, Secrets, PVCs and ServiceAccount a pod uses, each once.
pub(super) fn references(p: &Pod, ns: &str, objs: &Objects) -> Vec<Node> {
    let Some(spec) = p.spec.as_ref() else {
        return Vec::new();
    };
    // (kind, name) → optional (a reference is optional only if every use of it is).
    let mut cms: BTreeMap<String, bool> = BTreeMap::new();
    let mut secrets: BTreeMap<String, bool> = BTreeMap::new();
    let mut claims: Vec<String> = Vec::new();
    let note = |map: &mut BTreeMap<String, bool>, name: &str, optional: Option<bool>| {
        let o = optional.unwrap_or(false);
        map.entry(name.to_string())
            .and_modify(|e| *e &= o)
            .or_insert(o);
    };
    for v in spec.volumes.iter().flatten() {
        if let Some(c) = &v.config_map {
            note(&mut cms, &c.name, c.optional);
        }
        if let Some(s) = &v.secret
            && let Some(name) = &s.secret_name
        {
            note(&mut secrets, name, s.optional);
        }
        if let Some(c) = &v.persistent_volume_claim {
            claims.push(c.claim_name.clone());
        }
        for src in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(c) = &src.config_map {
                note(&mut cms, &c.name, c.optional);
            }
            if let Some(s) = &src.secret {
                note(&mut secrets, &s.name, s.optional);
            }
        }
    }
    let all = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    for c in all {
        for e in c.env_from.iter().flatten() {
            if let Some(r) = &e.config_map_ref {
                note(&mut cms, &r.name, r.optional);
            }
            if let Some(r) = &e.secret_ref {
                note(&mut secrets, &r.name, r.optional);
            }
        }
        for e in c.env.iter().flatten() {
            let from = e.value_from.as_ref();
            if let Some(r) = from.and_then(|f| f.config_map_key_ref.as_ref()) {
                note(&mut cms, &r.name, r.optional);
            }
            if let Some(r) = from.and_then(|f| f.secret_key_ref.as_ref()) {
                note(&mut secrets, &r.name, r.optional);
            }
        }
    }
    for s in spec.image_pull_secrets.iter().flatten() {
        note(&mut secrets, &s.name, Some(false));
    }
    let exists = |names: &Names, name: &str| {
        names
            .as_ref()
            .map(|set| set.contains(&(ns.to_string(), name.to_string())))
    };
    let mut out = Vec::new();
    for (name, optional) in &cms {
        let known = exists(&objs.configmaps, name);
        out.push(referenced(
            1,
            "ConfigMap",
            "configmaps",
            ns,
            name,
            *optional,
            known,
        ));
    }
    for (name, optional) in &secrets {
        let known = exists(&objs.secrets, name);
        out.push(referenced(
            1, "Secret", "secrets", ns, name, *optional, known,
        ));
    }
    claims.sort();
    claims.dedup();
    for name in claims {
        let phase = objs
            .pvcs
            .as_ref()
            .map(|m| m.get(&(ns.to_string(), name.clone())).cloned());
        let (status, tone) = match phase.as_ref().map(|p| p.as_deref()) {
            None => (String::new(), Tone::Normal),
            Some(None) => ("Missing".to_string(), Tone::Error),
            Some(Some("Bound")) => ("Bound".to_string(), Tone::Ok),
            Some(Some("Lost")) => ("Lost".to_string(), Tone::Error),
            Some(Some(p)) => (p.to_string(), Tone::Pending),
        };
        out.push(
            Node::reference(
                1,
                "PersistentVolumeClaim",
                "persistentvolumeclaims",
                ns,
                &name,
            )
            .with(String::new(), status, tone),
        );
    }
    let sa = spec
        .service_account_name
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into());
    let known = exists(&objs.serviceaccounts, &sa);
    out.push(referenced(
        1,
        "ServiceAccount",
        "serviceaccounts",
        ns,
        &sa,
        false,
        known,
    ));
    out
}

/// A claim's phase, as [`Objects::pvcs`] keeps it.
pub fn pvc_phase(c: &PersistentVolumeClaim) -> ((String, String), String) {
    (
        ns_name(&c.metadata),
        c.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into()),
    )
}
