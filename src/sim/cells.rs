//! Table cells described as data: the small expression language of `kinds.yaml` columns and of CRD
//! `additionalPrinterColumns`, parsed once when a kind is registered and evaluated per row.
//!
//! Owns: reading a path out of an object and the handful of printer functions the apiserver's built-in
//! printers apply (access modes, quota usage, job durations, HPA targets…). It must not touch the store.

use serde_json::{Value, json};

use super::printers::{access_modes, special};
use super::table::{age_of, containers_images, human_duration, n, s, selector_text};

/// A path into an object: `.spec.template.spec`, with `[N]` indexes and `[*]` mapping over a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
    Each,
}

impl Path {
    /// Parses `.a.b[0].c[*]`; a CRD's jsonPath may also be written `{.a.b}`.
    pub fn parse(text: &str) -> Result<Path, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t);
        let Some(rest) = t.strip_prefix('.') else {
            return Err(format!("a path starts with '.': {text}"));
        };
        let mut steps = Vec::new();
        for part in rest.split('.').filter(|p| !p.is_empty()) {
            let (field, mut tail) = part.split_once('[').map_or((part, ""), |(f, t)| (f, t));
            if !field.is_empty() {
                steps.push(Step::Field(field.to_string()));
            }
            while !tail.is_empty() {
                let (inside, after) = tail
                    .split_once(']')
                    .ok_or_else(|| format!("unclosed '[' in {text}"))?;
                steps.push(match inside {
                    "*" => Step::Each,
                    i => Step::Index(
                        i.parse()
                            .map_err(|_| format!("bad index [{i}] in {text}"))?,
                    ),
                });
                tail = after.strip_prefix('[').unwrap_or(after);
            }
        }
        Ok(Path(steps))
    }

    /// The value at the path; `[*]` yields an array of what each element holds (missing ones dropped).
    pub fn get(&self, obj: &Value) -> Value {
        fn walk(v: &Value, steps: &[Step]) -> Value {
            let Some((first, rest)) = steps.split_first() else {
                return v.clone();
            };
            match first {
                Step::Field(f) => v.get(f).map_or(Value::Null, |x| walk(x, rest)),
                Step::Index(i) => v.get(*i).map_or(Value::Null, |x| walk(x, rest)),
                Step::Each => Value::Array(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|x| walk(x, rest))
                        .filter(|x| !x.is_null())
                        .collect(),
                ),
            }
        }
        walk(obj, &self.0)
    }
}

/// What an empty cell becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    Blank,
    None,
    Unset,
    NotApplicable,
}

/// One cell's computation.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// The value at a path, as stored (numbers stay numbers).
    Path(Path),
    /// A scalar at a path, as text (`1`, `50%`).
    Str(Path),
    Int(Path),
    Bool {
        path: Path,
        default: bool,
    },
    /// `True`/`False` as text.
    BoolTitle(Path),
    Count(Path),
    Join(Path),
    Labels(Path),
    Selector(Path),
    Containers(Path),
    Images(Path),
    AccessModes(Path),
    /// Human duration since the timestamp at a path, `<none>` when unset.
    Since(Path),
    /// Human duration of a number of seconds, `<none>` when unset.
    Seconds(Path),
    ClaimRef(Path),
    ScaleRef(Path),
    Age,
    Special(Special),
    /// A CRD additionalPrinterColumn: the jsonPath's value, null when absent; `date` columns as ages.
    Crd {
        path: Path,
        date: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    QuotaRequest,
    QuotaLimit,
    ControllerRef,
    JobStatus,
    JobCompletions,
    JobDuration,
    HpaTargets,
    IngressHosts,
    IngressAddress,
    IngressPorts,
    ClassParams,
    SlicePorts,
    SliceEndpoints,
    ApiServiceService,
    ApiServiceAvailable,
    CsrCondition,
    MissingPl,
    ComponentHealth,
}

/// A parsed `cell:` expression with what its empty value prints as.
#[derive(Debug, Clone, PartialEq)]
pub struct CellExpr {
    pub cell: Cell,
    pub empty: Empty,
}

impl CellExpr {
    pub fn parse(text: &str) -> Result<CellExpr, String> {
        let (expr, empty) = match text.split_once('|') {
            Some((e, tail)) => (
                e.trim(),
                match tail.trim() {
                    "none" => Empty::None,
                    "unset" => Empty::Unset,
                    "na" => Empty::NotApplicable,
                    other => return Err(format!("unknown empty marker '{other}' in {text}")),
                },
            ),
            None => (text.trim(), Empty::Blank),
        };
        let mut words = expr.split_whitespace();
        let head = words.next().ok_or("an empty cell expression")?;
        let arg = words.next();
        if words.next().is_some() {
            return Err(format!("too many arguments in {text}"));
        }
        let path = || -> Result<Path, String> {
            Path::parse(arg.ok_or_else(|| format!("{head} needs a path"))?)
        };
        let special = Cell::Special;
        let cell = match head {
            p if p.starts_with('.') => Cell::Path(Path::parse(p)?),
            "age" => Cell::Age,
            "str" => Cell::Str(path()?),
            "int" => Cell::Int(path()?),
            "bool" => Cell::Bool {
                path: path()?,
                default: false,
            },
            "bool_or_true" => Cell::Bool {
                path: path()?,
                default: true,
            },
            "bool_title" => Cell::BoolTitle(path()?),
            "count" => Cell::Count(path()?),
            "join" => Cell::Join(path()?),
            "labels" => Cell::Labels(path()?),
            "selector" => Cell::Selector(path()?),
            "containers" => Cell::Containers(path()?),
            "images" => Cell::Images(path()?),
            "access_modes" => Cell::AccessModes(path()?),
            "since" => Cell::Since(path()?),
            "seconds" => Cell::Seconds(path()?),
            "claim_ref" => Cell::ClaimRef(path()?),
            "scale_ref" => Cell::ScaleRef(path()?),
            "quota_request" => special(Special::QuotaRequest),
            "quota_limit" => special(Special::QuotaLimit),
            "controller_ref" => special(Special::ControllerRef),
            "job_status" => special(Special::JobStatus),
            "job_completions" => special(Special::JobCompletions),
            "job_duration" => special(Special::JobDuration),
            "hpa_targets" => special(Special::HpaTargets),
            "ingress_hosts" => special(Special::IngressHosts),
            "ingress_address" => special(Special::IngressAddress),
            "ingress_ports" => special(Special::IngressPorts),
            "class_params" => special(Special::ClassParams),
            "slice_ports" => special(Special::SlicePorts),
            "slice_endpoints" => special(Special::SliceEndpoints),
            "apiservice_service" => special(Special::ApiServiceService),
            "apiservice_available" => special(Special::ApiServiceAvailable),
            "csr_condition" => special(Special::CsrCondition),
            "missing_pl" => special(Special::MissingPl),
            "component_health" => special(Special::ComponentHealth),
            other => return Err(format!("unknown cell function '{other}'")),
        };
        Ok(CellExpr { cell, empty })
    }

    /// The cell for one object at time `now` (unix seconds).
    pub fn eval(&self, o: &Value, now: i64) -> Value {
        let v = self.cell.eval(o, now);
        let blank = v.is_null() || v.as_str().is_some_and(str::is_empty);
        if !blank {
            return v;
        }
        match self.empty {
            Empty::Blank if matches!(self.cell, Cell::Crd { .. }) => Value::Null,
            Empty::Blank => json!(""),
            Empty::None => json!("<none>"),
            Empty::Unset => json!("<unset>"),
            Empty::NotApplicable => json!("N/A"),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Array(items) => items.iter().map(s).collect::<Vec<_>>().join(","),
        other => s(other),
    }
}

impl Cell {
    fn eval(&self, o: &Value, now: i64) -> Value {
        match self {
            Cell::Path(p) => match p.get(o) {
                Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
                    json!(text(&json!(items)))
                }
                v => v,
            },
            Cell::Str(p) => json!(text(&p.get(o))),
            Cell::Int(p) => json!(n(&p.get(o))),
            Cell::Bool { path, default } => json!(path.get(o).as_bool().unwrap_or(*default)),
            Cell::BoolTitle(p) => json!(if p.get(o).as_bool().unwrap_or(false) {
                "True"
            } else {
                "False"
            }),
            Cell::Count(p) => {
                let v = p.get(o);
                json!(
                    v.as_array()
                        .map(Vec::len)
                        .or_else(|| v.as_object().map(|m| m.len()))
                        .unwrap_or(0)
                )
            }
            Cell::Join(p) => json!(text(&p.get(o))),
            Cell::Labels(p) => {
                let mut pairs: Vec<String> = p
                    .get(o)
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", s(v)))
                    .collect();
                pairs.sort();
                json!(pairs.join(","))
            }
            Cell::Selector(p) => json!(selector_text(&p.get(o))),
            Cell::Containers(p) => json!(containers_images(&p.get(o)).0),
            Cell::Images(p) => json!(containers_images(&p.get(o)).1),
            Cell::AccessModes(p) => json!(access_modes(&p.get(o))),
            Cell::Since(p) => match p.get(o) {
                Value::Null => json!("<none>"),
                ts => json!(age_of(&ts, now)),
            },
            Cell::Seconds(p) => match p.get(o).as_i64() {
                Some(secs) => json!(human_duration(secs)),
                None => json!("<none>"),
            },
            Cell::ClaimRef(p) => {
                let r = p.get(o);
                if r.is_null() {
                    json!("")
                } else {
                    json!(format!("{}/{}", s(&r["namespace"]), s(&r["name"])))
                }
            }
            Cell::ScaleRef(p) => {
                let r = p.get(o);
                json!(format!("{}/{}", s(&r["kind"]), s(&r["name"])))
            }
            Cell::Age => json!(age_of(&o["metadata"]["creationTimestamp"], now)),
            Cell::Special(sp) => special(*sp, o, now),
            Cell::Crd { path, date } => {
                let v = path.get(o);
                match (&v, date) {
                    (Value::String(_), true) => json!(age_of(&v, now)),
                    (Value::Array(items), _) => {
                        json!(items.iter().map(text).collect::<Vec<_>>().join(","))
                    }
                    (Value::Object(_), _) => json!(v.to_string()),
                    _ => v,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str, o: &Value) -> Value {
        CellExpr::parse(expr).unwrap().eval(o, 1_000_000)
    }

    #[test]
    fn paths_index_and_map_over_lists() {
        let o = json!({"spec": {"tokenRequests": [{"audience": "a"}, {"audience": "b"}], "x": [{"y": 3}]}});
        assert_eq!(eval("join .spec.tokenRequests[*].audience", &o), "a,b");
        assert_eq!(eval(".spec.x[0].y", &o), 3);
        assert_eq!(eval(".spec.missing | none", &o), "<none>");
        assert_eq!(eval(".spec.missing | unset", &o), "<unset>");
        assert_eq!(eval(".spec.missing", &o), "");
        assert!(CellExpr::parse("frobnicate .x").is_err());
        assert!(CellExpr::parse(".a[x]").is_err());
    }

    #[test]
    fn printer_functions_read_like_kubectl() {
        let pvc =
            json!({"status": {"accessModes": ["ReadWriteOnce", "ReadWriteOnce", "ReadOnlyMany"]}});
        assert_eq!(eval("access_modes .status.accessModes", &pvc), "RWO,ROX");
        let job = json!({"spec": {"completions": 3}, "status": {"succeeded": 1,
            "conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(eval("job_completions", &job), "1/3");
        assert_eq!(eval("job_status", &job), "Complete");
        let hpa = json!({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 60}}}]}});
        assert_eq!(eval("hpa_targets", &hpa), "cpu: <unknown>/60%");
        let q =
            json!({"status": {"hard": {"pods": "50", "limits.cpu": "4"}, "used": {"pods": "9"}}});
        assert_eq!(eval("quota_request", &q), "pods: 9/50");
        assert_eq!(eval("quota_limit", &q), "limits.cpu: 0/4");
        let cr = json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
            "name": "agent", "controller": true}]}});
        assert_eq!(eval("controller_ref", &cr), "daemonset.apps/agent");
    }

    #[test]
    fn crd_columns_keep_types_and_age_dates() {
        let c = CellExpr {
            cell: Cell::Crd {
                path: Path::parse(".spec.size").unwrap(),
                date: false,
            },
            empty: Empty::Blank,
        };
        assert_eq!(c.eval(&json!({"spec": {"size": 3}}), 0), 3);
        assert_eq!(c.eval(&json!({}), 0), Value::Null);
    }
}
