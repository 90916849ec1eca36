//! A tiny stand-in for the Kubernetes API on 127.0.0.1, enough for `kdeck ns`: LIST and GET of
//! namespaces (with `limit`/`continue` paging), a 403 mode for each, and a mode that accepts connections
//! but never answers. It records the requests it saw. To be replaced by the simulated cluster (src/sim)
//! once that exists.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// LIST answers 403; GET still works (a common namespaced-RBAC setup).
    ForbidList,
    /// LIST and GET answer 403.
    ForbidAll,
    /// Accepts and reads the request, then never answers.
    Hang,
}

struct State {
    namespaces: Vec<String>,
    mode: Mode,
    requests: Vec<String>,
}

pub struct FakeApiServer {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeApiServer {
    pub fn start(namespaces: &[&str], mode: Mode) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
            mode,
            requests: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        // The server thread lives until the test process exits; each test starts its own on a fresh port.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let state = Arc::clone(&shared);
                    tokio::spawn(async move {
                        let svc =
                            hyper::service::service_fn(move |req| handle(Arc::clone(&state), req));
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        FakeApiServer { url, state }
    }

    /// "METHOD path?query" of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// A kubeconfig whose contexts all point at this server (bearer-token user).
    pub fn kubeconfig(&self, contexts: &[(&str, Option<&str>)], current: &str) -> String {
        let mut s = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\nusers:\n- name: fake\n  user:\n    token: test-token\ncontexts:\n",
            self.url
        );
        for (name, ns) in contexts {
            s.push_str(&format!(
                "- name: {name}\n  context:\n    cluster: fake\n    user: fake\n"
            ));
            if let Some(ns) = ns {
                s.push_str(&format!("    namespace: {ns}\n"));
            }
        }
        s.push_str(&format!("current-context: {current}\n"));
        s
    }
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (mode, namespaces) = {
        let mut s = state.lock().unwrap();
        s.requests.push(format!("{} {path}?{query}", req.method()));
        (s.mode, s.namespaces.clone())
    };
    if mode == Mode::Hang {
        std::future::pending::<()>().await;
    }
    let param = |k: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.to_string())
    };
    let response = if path == "/api/v1/namespaces" {
        if mode == Mode::ForbidList || mode == Mode::ForbidAll {
            forbidden("list")
        } else {
            let start: usize = param("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
            let limit: usize = param("limit")
                .and_then(|c| c.parse().ok())
                .unwrap_or(usize::MAX);
            let end = start.saturating_add(limit).min(namespaces.len());
            let items: Vec<String> = namespaces[start.min(end)..end]
                .iter()
                .map(|n| namespace_json(n))
                .collect();
            let cont = if end < namespaces.len() {
                end.to_string()
            } else {
                String::new()
            };
            json(
                StatusCode::OK,
                format!(
                    r#"{{"kind":"NamespaceList","apiVersion":"v1","metadata":{{"resourceVersion":"1","continue":"{cont}"}},"items":[{}]}}"#,
                    items.join(",")
                ),
            )
        }
    } else if let Some(name) = path.strip_prefix("/api/v1/namespaces/") {
        if mode == Mode::ForbidAll {
            forbidden("get")
        } else if namespaces.iter().any(|n| n == name) {
            json(StatusCode::OK, namespace_json(name))
        } else {
            json(
                StatusCode::NOT_FOUND,
                format!(
                    r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"namespaces \"{name}\" not found","reason":"NotFound","details":{{"name":"{name}","kind":"namespaces"}},"code":404}}"#
                ),
            )
        }
    } else {
        json(
            StatusCode::NOT_FOUND,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"not found","reason":"NotFound","code":404}"#.into(),
        )
    };
    Ok(response)
}

fn namespace_json(name: &str) -> String {
    format!(
        r#"{{"kind":"Namespace","apiVersion":"v1","metadata":{{"name":"{name}","resourceVersion":"1"}},"spec":{{"finalizers":["kubernetes"]}},"status":{{"phase":"Active"}}}}"#
    )
}

fn forbidden(verb: &str) -> Response<Full<Bytes>> {
    json(
        StatusCode::FORBIDDEN,
        format!(
            r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"namespaces is forbidden: User \"test\" cannot {verb} resource \"namespaces\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{{"kind":"namespaces"}},"code":403}}"#
        ),
    )
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
