//! One recorded exchange (`cases/NNN-*.json` of the kube-apiserver 1.28 corpus) and the answer it got.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::shape::{Answer, Body};

/// Where the corpus is: `$KDECK_APISERVER_CORPUS`, or `shared/apiserver-1.28` beside the checkout or
/// beside one of its parents (a git worktree sits one level deeper than the main checkout).
pub fn corpus_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KDECK_APISERVER_CORPUS") {
        return PathBuf::from(d);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in manifest.ancestors().skip(1) {
        let c = dir.join("shared/apiserver-1.28");
        if c.join("cases").is_dir() {
            return c;
        }
    }
    panic!(
        "the kube-apiserver 1.28 corpus must sit beside the checkout (shared/apiserver-1.28) or be named by \
         KDECK_APISERVER_CORPUS"
    );
}

#[derive(Debug, Clone)]
pub struct Case {
    /// `001-version.json`.
    pub file: String,
    pub num: u32,
    pub method: String,
    pub path: String,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Value>,
    pub user: String,
    /// Extra request headers (not Authorization).
    pub headers: Vec<(String, String)>,
    pub recorded: Answer,
    /// The recording read a stream of JSON lines.
    pub stream: bool,
}

impl Case {
    pub fn load(path: &Path) -> Case {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let req = &doc["request"];
        let resp = &doc["response"];
        let headers = req["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
            .collect();
        let stream = resp.get("stream").is_some();
        let body = match &resp["body"] {
            Value::Null => Body::None,
            Value::String(s) if s.is_empty() => Body::Empty,
            Value::String(s) if s.starts_with("<omitted") => Body::Omitted,
            Value::String(s) if s.starts_with("<binary") => Body::Binary,
            Value::String(s) => Body::Text(s.clone()),
            Value::Array(evs) if stream => Body::Events(evs.clone()),
            // `/readyz?verbose` and `/metrics` are recorded as lines of text.
            Value::Array(lines) => Body::Text(
                lines
                    .iter()
                    .map(|l| l.as_str().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            v => Body::Json(v.clone()),
        };
        let resp_headers = resp["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.to_lowercase(), v.as_str().unwrap_or("").to_string()))
            .collect();
        Case {
            num: file[..3].parse().unwrap(),
            file,
            method: req["method"].as_str().unwrap().to_string(),
            path: req["path"].as_str().unwrap().to_string(),
            accept: req["accept"].as_str().map(str::to_string),
            content_type: req["content_type"].as_str().map(str::to_string),
            body: req.get("body").filter(|b| !b.is_null()).cloned(),
            user: req["user"].as_str().unwrap_or("admin").to_string(),
            headers,
            recorded: Answer {
                status: resp["status"].as_u64().unwrap() as u16,
                headers: resp_headers,
                body,
            },
            stream,
        }
    }

    /// `timeoutSeconds` of a watch.
    pub fn timeout_seconds(&self) -> Option<u64> {
        self.path
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix("timeoutSeconds="))
            .and_then(|t| t.parse().ok())
    }
}

/// Every case, in capture order.
pub fn all() -> Vec<Case> {
    let dir = corpus_dir().join("cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.iter().map(|p| Case::load(p)).collect()
}
