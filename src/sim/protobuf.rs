//! Request bodies in `application/vnd.kubernetes.protobuf`, decoded into JSON.
//!
//! kubectl's typed commands (`create deployment|namespace|configmap|secret|service|job|cronjob|role|
//! clusterrole|rolebinding|clusterrolebinding|serviceaccount`, `run`) send protobuf
//! and do not fall back to JSON, so the sim decodes the envelope (`k8s\0` + runtime.Unknown) and the
//! messages those commands produce. The schema below is a hand-kept subset of the API's field numbers;
//! fields outside it are skipped, which loses them, so anything richer should come through
//! `kubectl apply`/`create -f` (JSON). Responses are always JSON (clients accept it second).

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::status::ApiError;

/// Message name → "number name type; …". Types: string int bool bytes time ios (IntOrString) qty
/// (Quantity) map (string→string) mapb (string→bytes) mapq (string→Quantity), or a message name;
/// a leading `*` marks a repeated field.
const SCHEMA: &[(&str, &str)] = &[
    (
        "Unknown",
        "1 typeMeta TypeMeta; 2 raw bytes; 3 contentEncoding string; 4 contentType string",
    ),
    ("TypeMeta", "1 apiVersion string; 2 kind string"),
    (
        "ObjectMeta",
        "1 name string; 2 generateName string; 3 namespace string; 5 uid string; 6 resourceVersion string; 7 generation int; 8 creationTimestamp time; 9 deletionTimestamp time; 10 deletionGracePeriodSeconds int; 11 labels map; 12 annotations map; 13 ownerReferences *OwnerReference; 14 finalizers *string",
    ),
    (
        "OwnerReference",
        "1 kind string; 3 name string; 4 uid string; 5 apiVersion string; 6 controller bool; 7 blockOwnerDeletion bool",
    ),
    (
        "LabelSelector",
        "1 matchLabels map; 2 matchExpressions *LabelSelectorRequirement",
    ),
    (
        "LabelSelectorRequirement",
        "1 key string; 2 operator string; 3 values *string",
    ),
    (
        "Deployment",
        "1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status Empty",
    ),
    (
        "DeploymentSpec",
        "1 replicas int; 2 selector LabelSelector; 3 template PodTemplateSpec; 4 strategy DeploymentStrategy; 5 minReadySeconds int; 6 revisionHistoryLimit int; 7 paused bool; 9 progressDeadlineSeconds int",
    ),
    (
        "DeploymentStrategy",
        "1 type string; 2 rollingUpdate RollingUpdateDeployment",
    ),
    (
        "RollingUpdateDeployment",
        "1 maxUnavailable ios; 2 maxSurge ios",
    ),
    ("PodTemplateSpec", "1 metadata ObjectMeta; 2 spec PodSpec"),
    (
        "Pod",
        "1 metadata ObjectMeta; 2 spec PodSpec; 3 status Empty",
    ),
    (
        "PodSpec",
        "1 volumes *Volume; 2 containers *Container; 3 restartPolicy string; 4 terminationGracePeriodSeconds int; 5 activeDeadlineSeconds int; 6 dnsPolicy string; 7 nodeSelector map; 8 serviceAccountName string; 9 serviceAccount string; 10 nodeName string; 11 hostNetwork bool; 16 hostname string; 17 subdomain string; 19 schedulerName string; 20 initContainers *Container; 21 automountServiceAccountToken bool; 22 tolerations *Toleration; 24 priorityClassName string; 25 priority int; 30 enableServiceLinks bool; 31 preemptionPolicy string",
    ),
    (
        "Container",
        "1 name string; 2 image string; 3 command *string; 4 args *string; 5 workingDir string; 6 ports *ContainerPort; 7 env *EnvVar; 8 resources ResourceRequirements; 9 volumeMounts *VolumeMount; 13 terminationMessagePath string; 14 imagePullPolicy string; 16 stdin bool; 17 stdinOnce bool; 18 tty bool; 20 terminationMessagePolicy string",
    ),
    (
        "ContainerPort",
        "1 name string; 2 hostPort int; 3 containerPort int; 4 protocol string; 5 hostIP string",
    ),
    ("EnvVar", "1 name string; 2 value string"),
    ("ResourceRequirements", "1 limits mapq; 2 requests mapq"),
    (
        "VolumeMount",
        "1 name string; 2 readOnly bool; 3 mountPath string; 4 subPath string",
    ),
    ("Volume", "1 name string"),
    (
        "Toleration",
        "1 key string; 2 operator string; 3 value string; 4 effect string; 5 tolerationSeconds int",
    ),
    (
        "Namespace",
        "1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status Empty",
    ),
    ("NamespaceSpec", "1 finalizers *string"),
    (
        "ConfigMap",
        "1 metadata ObjectMeta; 2 data map; 3 binaryData mapb; 4 immutable bool",
    ),
    (
        "Secret",
        "1 metadata ObjectMeta; 2 data mapb; 3 type string; 4 stringData map; 5 immutable bool",
    ),
    (
        "Service",
        "1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status Empty",
    ),
    (
        "ServiceSpec",
        "1 ports *ServicePort; 2 selector map; 3 clusterIP string; 4 type string; 5 externalIPs *string; 7 sessionAffinity string; 10 externalName string; 11 externalTrafficPolicy string; 17 ipFamilyPolicy string; 18 clusterIPs *string; 19 ipFamilies *string; 22 internalTrafficPolicy string",
    ),
    (
        "ServicePort",
        "1 name string; 2 protocol string; 3 port int; 4 targetPort ios; 5 nodePort int; 6 appProtocol string",
    ),
    (
        "Job",
        "1 metadata ObjectMeta; 2 spec JobSpec; 3 status Empty",
    ),
    (
        "JobSpec",
        "1 parallelism int; 2 completions int; 3 activeDeadlineSeconds int; 4 selector LabelSelector; 5 manualSelector bool; 6 template PodTemplateSpec; 7 backoffLimit int; 8 ttlSecondsAfterFinished int; 9 completionMode string; 10 suspend bool",
    ),
    (
        "CronJob",
        "1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status Empty",
    ),
    (
        "CronJobSpec",
        "1 schedule string; 2 startingDeadlineSeconds int; 3 concurrencyPolicy string; 4 suspend bool; 5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit int; 7 failedJobsHistoryLimit int; 8 timeZone string",
    ),
    ("JobTemplateSpec", "1 metadata ObjectMeta; 2 spec JobSpec"),
    ("SelfSubjectReview", "1 metadata ObjectMeta; 2 status Empty"),
    (
        "SelfSubjectAccessReview",
        "1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec; 3 status Empty",
    ),
    (
        "SelfSubjectAccessReviewSpec",
        "1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes",
    ),
    (
        "ResourceAttributes",
        "1 namespace string; 2 verb string; 3 group string; 4 version string; 5 resource string; 6 subresource string; 7 name string",
    ),
    ("NonResourceAttributes", "1 path string; 2 verb string"),
    (
        "SelfSubjectRulesReview",
        "1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec; 3 status Empty",
    ),
    ("SelfSubjectRulesReviewSpec", "1 namespace string"),
    ("Role", "1 metadata ObjectMeta; 2 rules *PolicyRule"),
    (
        "ClusterRole",
        "1 metadata ObjectMeta; 2 rules *PolicyRule; 3 aggregationRule AggregationRule",
    ),
    ("AggregationRule", "1 clusterRoleSelectors *LabelSelector"),
    (
        "PolicyRule",
        "1 verbs *string; 2 apiGroups *string; 3 resources *string; 4 resourceNames *string; 5 nonResourceURLs *string",
    ),
    (
        "RoleBinding",
        "1 metadata ObjectMeta; 2 subjects *Subject; 3 roleRef RoleRef",
    ),
    (
        "ClusterRoleBinding",
        "1 metadata ObjectMeta; 2 subjects *Subject; 3 roleRef RoleRef",
    ),
    (
        "Subject",
        "1 kind string; 2 apiGroup string; 3 name string; 4 namespace string",
    ),
    ("RoleRef", "1 apiGroup string; 2 kind string; 3 name string"),
    (
        "ServiceAccount",
        "1 metadata ObjectMeta; 2 secrets *ObjectReference; 3 imagePullSecrets *LocalObjectReference; 4 automountServiceAccountToken bool",
    ),
    (
        "ObjectReference",
        "1 kind string; 2 namespace string; 3 name string; 4 uid string; 5 apiVersion string; 6 resourceVersion string; 7 fieldPath string",
    ),
    ("LocalObjectReference", "1 name string"),
    // Messages whose shape differs between versions are keyed by "apiVersion Kind".
    (
        "autoscaling/v1 HorizontalPodAutoscaler",
        "1 metadata ObjectMeta; 2 spec HorizontalPodAutoscalerSpecV1; 3 status Empty",
    ),
    (
        "HorizontalPodAutoscalerSpecV1",
        "1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas int; 3 maxReplicas int; 4 targetCPUUtilizationPercentage int",
    ),
    (
        "CrossVersionObjectReference",
        "1 kind string; 2 name string; 3 apiVersion string",
    ),
    ("Empty", ""),
];

#[derive(Debug, Clone)]
struct Field {
    name: &'static str,
    ty: &'static str,
    repeated: bool,
}

fn schema() -> &'static HashMap<&'static str, HashMap<u64, Field>> {
    static S: OnceLock<HashMap<&'static str, HashMap<u64, Field>>> = OnceLock::new();
    S.get_or_init(|| {
        SCHEMA
            .iter()
            .map(|(msg, spec)| {
                let fields = spec
                    .split(';')
                    .filter_map(|f| {
                        let mut it = f.split_whitespace();
                        let n = it.next()?.parse().ok()?;
                        let name = it.next()?;
                        let ty = it.next()?;
                        let (repeated, ty) = match ty.strip_prefix('*') {
                            Some(t) => (true, t),
                            None => (false, ty),
                        };
                        Some((n, Field { name, ty, repeated }))
                    })
                    .collect();
                (*msg, fields)
            })
            .collect()
    })
}

fn err(what: &str) -> ApiError {
    ApiError::bad_request(format!("error decoding protobuf body: {what}"))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| err("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(err("varint too long"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], ApiError> {
        let len = self.varint()? as usize;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| err("truncated field"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn skip(&mut self, wire: u64) -> Result<(), ApiError> {
        match wire {
            0 => self.varint().map(drop),
            1 => self.advance(8),
            2 => self.bytes().map(drop),
            5 => self.advance(4),
            _ => Err(err("unsupported wire type")),
        }
    }

    fn advance(&mut self, n: usize) -> Result<(), ApiError> {
        if self.pos + n > self.buf.len() {
            return Err(err("truncated fixed field"));
        }
        self.pos += n;
        Ok(())
    }
}

fn string(b: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(b.to_vec()).map_err(|_| err("string is not UTF-8"))
}

fn decode_value(ty: &str, r: &mut Reader<'_>, wire: u64) -> Result<Value, ApiError> {
    Ok(match ty {
        "int" => json!(r.varint()? as i64),
        "bool" => json!(r.varint()? != 0),
        "string" => json!(string(r.bytes()?)?),
        "bytes" => json!(base64::engine::general_purpose::STANDARD.encode(r.bytes()?)),
        _ if wire != 2 => return Err(err("expected a length-delimited field")),
        "time" => {
            let m = decode_message("Time", r.bytes()?)?;
            let secs = m["seconds"].as_i64().unwrap_or(0);
            // Go's zero time.Time encodes as year 1; JSON has it as null.
            match jiff::Timestamp::from_second(secs) {
                Ok(t) if secs > -62_135_596_800 => {
                    json!(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                }
                _ => Value::Null,
            }
        }
        "ios" => {
            let m = decode_message("IntOrString", r.bytes()?)?;
            if m["type"].as_i64() == Some(1) {
                m["strVal"].clone()
            } else {
                json!(m["intVal"].as_i64().unwrap_or(0))
            }
        }
        "qty" => decode_message("Quantity", r.bytes()?)?["string"].clone(),
        msg => decode_message(msg, r.bytes()?)?,
    })
}

fn decode_message(msg: &str, buf: &[u8]) -> Result<Value, ApiError> {
    let builtin: HashMap<u64, Field> = match msg {
        "Time" => [(
            1,
            Field {
                name: "seconds",
                ty: "int",
                repeated: false,
            },
        )]
        .into(),
        "IntOrString" => [
            (
                1,
                Field {
                    name: "type",
                    ty: "int",
                    repeated: false,
                },
            ),
            (
                2,
                Field {
                    name: "intVal",
                    ty: "int",
                    repeated: false,
                },
            ),
            (
                3,
                Field {
                    name: "strVal",
                    ty: "string",
                    repeated: false,
                },
            ),
        ]
        .into(),
        "Quantity" => [(
            1,
            Field {
                name: "string",
                ty: "string",
                repeated: false,
            },
        )]
        .into(),
        _ => HashMap::new(),
    };
    let fields = schema().get(msg).unwrap_or(&builtin);
    let mut out = Map::new();
    let mut r = Reader { buf, pos: 0 };
    while r.pos < buf.len() {
        let tag = r.varint()?;
        let (num, wire) = (tag >> 3, tag & 7);
        let Some(f) = fields.get(&num) else {
            r.skip(wire)?;
            continue;
        };
        if let Some(value_ty) = match f.ty {
            "map" => Some("string"),
            "mapb" => Some("bytes"),
            "mapq" => Some("qty"),
            _ => None,
        } {
            let entry = r.bytes()?;
            let mut er = Reader { buf: entry, pos: 0 };
            let (mut k, mut v) = (String::new(), Value::Null);
            while er.pos < entry.len() {
                let t = er.varint()?;
                match t >> 3 {
                    1 => k = string(er.bytes()?)?,
                    2 => v = decode_value(value_ty, &mut er, t & 7)?,
                    _ => er.skip(t & 7)?,
                }
            }
            let m = out.entry(f.name).or_insert_with(|| json!({}));
            m[k] = if v.is_null() && value_ty == "string" {
                json!("")
            } else {
                v
            };
            continue;
        }
        let v = decode_value(f.ty, &mut r, wire)?;
        if f.repeated {
            if let Value::Array(a) = out.entry(f.name).or_insert_with(|| json!([])) {
                a.push(v);
            }
        } else if !v.is_null() && v != "" {
            // Go encodes every set string, empty ones too; the JSON the apiserver serves omits them.
            out.insert(f.name.to_string(), v);
        }
    }
    Ok(Value::Object(out))
}

/// Decodes a protobuf request body (with the `k8s\0` envelope) into the object's JSON form.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let inner = body
        .strip_prefix(b"k8s\x00")
        .ok_or_else(|| err("missing the k8s protobuf envelope"))?;
    let unknown = decode_message("Unknown", inner)?;
    let kind = unknown["typeMeta"]["kind"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let api_version = unknown["typeMeta"]["apiVersion"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(unknown["raw"].as_str().unwrap_or(""))
        .map_err(|_| err("bad raw payload"))?;
    let versioned = format!("{api_version} {kind}");
    let message = if schema().contains_key(versioned.as_str()) {
        versioned.as_str()
    } else {
        kind.as_str()
    };
    if !schema().contains_key(message) || kind == "Unknown" || kind == "Empty" {
        return Err(ApiError::unsupported_media_body(&format!(
            "application/vnd.kubernetes.protobuf ({kind})"
        )));
    }
    let mut obj = decode_message(message, &raw)?;
    obj["apiVersion"] = json!(api_version);
    obj["kind"] = json!(kind);
    if let Some(m) = obj.as_object_mut() {
        m.remove("status");
    }
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(num: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3 | 2) as u8, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_a_namespace_envelope() {
        let meta = field(1, b"team-a");
        let obj = field(1, &meta);
        let type_meta = [field(1, b"v1"), field(2, b"Namespace")].concat();
        let unknown = [field(1, &type_meta), field(2, &obj)].concat();
        let body = [b"k8s\x00".to_vec(), unknown].concat();
        let v = decode(&body).unwrap();
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["metadata"]["name"], "team-a");
    }

    #[test]
    fn decodes_maps_ints_and_int_or_string() {
        let entry = [field(1, b"app"), field(2, b"web")].concat();
        let sel = field(1, &entry);
        let spec = [vec![0x08, 0x03], field(2, &sel)].concat();
        let v = decode_message("DeploymentSpec", &spec).unwrap();
        assert_eq!(v["replicas"], 3);
        assert_eq!(v["selector"]["matchLabels"]["app"], "web");
        let ios = [vec![0x08, 0x01], field(3, b"25%")].concat();
        let ru = field(1, &ios);
        assert_eq!(
            decode_message("RollingUpdateDeployment", &ru).unwrap()["maxUnavailable"],
            "25%"
        );
        assert!(decode(b"garbage").is_err());
        assert!(decode_message("PodSpec", &[0x12, 0xff]).is_err());
    }
}
