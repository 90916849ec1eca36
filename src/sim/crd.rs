//! CustomResourceDefinitions: turning a CRD into the kind it serves, and the status the apiextensions
//! controllers give it.
//!
//! Owns: CRD validation (the 422s a real apiserver gives for the common mistakes), the Table of a custom
//! kind (its additionalPrinterColumns, or Name and Age), its subresources and names. The store calls in
//! here when a CRD is written, under its lock, so the kind is served the moment the CRD is stored.
//!
//! One version is served per CRD: the storage version. The apiserver also serves every other version
//! marked `served`, converting between them; the sim does not, and a request for such a version is a 404.

use serde_json::{Value, json};

use super::cells::{Cell, CellExpr, Empty, Path};
use super::meta::now_rfc3339;
use super::resources::{Column, Printer, ResourceType, ScalePaths};

const NAME_RULES: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The kinds a CRD serves, or the problems that make the apiserver refuse it (422 causes).
pub fn kinds_of(crd: &Value) -> Result<Vec<ResourceType>, Vec<String>> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let group = str_at(spec, "group");
    let plural = str_at(names, "plural");
    let kind = str_at(names, "kind");
    let mut problems = Vec::new();
    if group.is_empty() {
        problems.push("spec.group: Required value".to_string());
    } else if !group.contains('.') {
        problems.push(format!(
            "spec.group: Invalid value: \"{group}\": should be a domain with at least one dot"
        ));
    }
    if plural.is_empty() {
        problems.push("spec.names.plural: Required value".into());
    } else if !is_dns_label(plural) {
        problems.push(format!(
            "spec.names.plural: Invalid value: \"{plural}\": {NAME_RULES}"
        ));
    }
    if kind.is_empty() {
        problems.push("spec.names.kind: Required value".into());
    }
    let name = crd["metadata"]["name"].as_str().unwrap_or("");
    if !plural.is_empty() && !group.is_empty() && name != format!("{plural}.{group}") {
        problems.push(format!(
            "metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"
        ));
    }
    let scope = str_at(spec, "scope");
    if scope != "Namespaced" && scope != "Cluster" {
        problems.push(format!(
            "spec.scope: Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\""
        ));
    }
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    if versions.is_empty() {
        problems.push("spec.versions: Invalid value: null: must have exactly one version marked as storage version".into());
    }
    let storage: Vec<&Value> = versions
        .iter()
        .filter(|v| v["storage"] == json!(true))
        .collect();
    if !versions.is_empty() && storage.len() != 1 {
        problems.push(format!(
            "spec.versions: Invalid value: {}: must have exactly one version marked as storage version",
            storage.len()
        ));
    }
    let mut columns = Vec::new();
    if let Some(v) = storage.first() {
        if !is_dns_label(str_at(v, "name")) {
            problems.push(format!(
                "spec.versions[0].name: Invalid value: \"{}\": {NAME_RULES}",
                str_at(v, "name")
            ));
        }
        for (i, c) in v["additionalPrinterColumns"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            match Path::parse(str_at(c, "jsonPath")) {
                Ok(path) => columns.push(Column {
                    name: str_at(c, "name").to_string(),
                    ty: str_at(c, "type").to_string(),
                    format: str_at(c, "format").to_string(),
                    priority: c["priority"].as_u64().unwrap_or(0).min(255) as u8,
                    description: c["description"].as_str().map_or_else(
                        || {
                            format!(
                                "Custom resource definition column (in JSONPath format): {}",
                                str_at(c, "jsonPath")
                            )
                        },
                        str::to_string,
                    ),
                    cell: CellExpr {
                        cell: Cell::Crd {
                            date: str_at(c, "type") == "date",
                            path,
                        },
                        empty: Empty::Blank,
                    },
                }),
                Err(e) => problems.push(format!(
                    "spec.versions[0].additionalPrinterColumns[{i}].JSONPath: Invalid value: \"{}\": {e}",
                    str_at(c, "jsonPath")
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some(v) = storage.first() else {
        return Ok(Vec::new());
    };
    if columns.is_empty() {
        columns.push(Column {
            name: "Age".into(),
            ty: "date".into(),
            format: String::new(),
            priority: 0,
            description: "CreationTimestamp is a timestamp representing the server time when this object was created.".into(),
            cell: CellExpr {
                cell: Cell::Crd {
                    path: Path::parse(".metadata.creationTimestamp").map_err(|e| vec![e])?,
                    date: true,
                },
                empty: Empty::Blank,
            },
        });
    }
    let subs = &v["subresources"];
    let scale = subs["scale"].is_object().then(|| ScalePaths {
        spec_replicas: str_at(&subs["scale"], "specReplicasPath").to_string(),
        status_replicas: str_at(&subs["scale"], "statusReplicasPath").to_string(),
        label_selector: subs["scale"]["labelSelectorPath"]
            .as_str()
            .map(str::to_string),
    });
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let served = v["served"] != json!(false);
    Ok(vec![ResourceType {
        index: 0,
        group: group.to_string(),
        version: str_at(v, "name").to_string(),
        kind: kind.to_string(),
        plural: plural.to_string(),
        singular: names["singular"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map_or_else(|| kind.to_lowercase(), str::to_string),
        namespaced: scope == "Namespaced",
        short_names: strings(&names["shortNames"]),
        categories: strings(&names["categories"]),
        scale,
        status: subs["status"].is_object(),
        printer: Printer::Columns(columns),
        crd: Some(name.to_string()),
        served,
        computed: false,
        stored_as: None,
        returns_deleted: false,
        generation: true,
        field_selectors: Vec::new(),
        schema: v["schema"]["openAPIV3Schema"]
            .is_object()
            .then(|| std::sync::Arc::new(v["schema"]["openAPIV3Schema"].clone())),
        deprecated: v["deprecated"].as_bool().filter(|d| *d).map(|_| {
            v["deprecationWarning"].as_str().map_or_else(
                || format!("{group}/{} {kind} is deprecated", str_at(v, "name")),
                str::to_string,
            )
        }),
    }]
    .into_iter()
    .filter(|k| k.served)
    .collect())
}

/// The status the apiextensions controllers write: the names accepted and the CRD Established.
pub fn set_established(crd: &mut Value) {
    let now = now_rfc3339();
    let mut accepted = crd["spec"]["names"].clone();
    if accepted["singular"].as_str().is_none_or(str::is_empty) {
        accepted["singular"] = json!(str_at(&accepted, "kind").to_lowercase());
    }
    if accepted["listKind"].as_str().is_none_or(str::is_empty) {
        accepted["listKind"] = json!(format!("{}List", str_at(&accepted, "kind")));
    }
    let stored: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["storage"] == json!(true))
        .map(|v| v["name"].clone())
        .collect();
    crd["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now,
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": now,
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ],
        "storedVersions": stored,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget_crd() -> Value {
        json!({"metadata": {"name": "widgets.example.com"}, "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                    "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}})
    }

    #[test]
    fn a_crd_becomes_a_kind_with_its_columns_and_subresources() {
        let kinds = kinds_of(&widget_crd()).unwrap();
        let k = &kinds[0];
        assert_eq!(
            (k.group.as_str(), k.version.as_str(), k.plural.as_str()),
            ("example.com", "v1", "widgets")
        );
        assert_eq!(k.singular, "widget");
        assert_eq!(k.short_names, vec!["wd".to_string()]);
        assert!(k.status && k.scale.is_some() && k.namespaced);
        let Printer::Columns(cols) = &k.printer else {
            panic!("columns")
        };
        assert_eq!(cols[0].name, "Size");
        assert_eq!(cols[0].cell.eval(&json!({"spec": {"size": 3}}), 0), 3);
    }

    #[test]
    fn bad_crds_get_the_apiservers_causes() {
        let mut crd = widget_crd();
        crd["metadata"]["name"] = json!("wrong");
        crd["spec"]["group"] = json!("nodot");
        crd["spec"]["versions"][0]["storage"] = json!(false);
        let problems = kinds_of(&crd).unwrap_err();
        assert!(
            problems.iter().any(|p| p.starts_with("spec.group")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("metadata.name")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("storage version")),
            "{problems:?}"
        );
    }

    #[test]
    fn established_status_names_the_accepted_names() {
        let mut crd = widget_crd();
        set_established(&mut crd);
        assert_eq!(crd["status"]["acceptedNames"]["listKind"], "WidgetList");
        assert_eq!(crd["status"]["conditions"][1]["type"], "Established");
        assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
    }
}
