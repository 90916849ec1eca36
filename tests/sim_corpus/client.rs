//! Raw HTTP against the sim as the corpus's four users: `admin`, `viewer`, `anonymous` (no credentials)
//! and `bad-token` (a bearer token the server never issued). Answers are read whole, or as a stream of
//! JSON lines for watches.

use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::Value;

use super::shape::{Answer, Body};

pub struct Clients {
    admin: kube::Client,
    viewer: kube::Client,
    anonymous: kube::Client,
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    pub user: String,
    pub headers: Vec<(String, String)>,
}

impl Req {
    pub fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.into(),
            path: path.into(),
            accept: Some("application/json".into()),
            content_type: None,
            body: None,
            user: "admin".into(),
            headers: Vec::new(),
        }
    }

    pub fn json(mut self, body: &Value) -> Req {
        self.body = Some(serde_json::to_vec(body).unwrap());
        self.content_type.get_or_insert("application/json".into());
        self
    }

    pub fn content_type(mut self, ct: &str) -> Req {
        self.content_type = Some(ct.into());
        self
    }
}

/// Never retried (a 429 or 504 is an answer to compare) and never compressed.
fn plain(mut cfg: kube::Config) -> kube::Client {
    cfg.default_retry = false;
    cfg.disable_compression = true;
    kube::Client::try_from(cfg).unwrap()
}

impl Clients {
    pub async fn new(t: &crate::sim_support::TestSim) -> Clients {
        let admin = t.config(kdeck::sim::ADMIN_CONTEXT).await;
        let viewer = t.config(kdeck::sim::VIEWER_CONTEXT).await;
        let mut anonymous = admin.clone();
        anonymous.auth_info = Default::default();
        Clients {
            admin: plain(admin),
            viewer: plain(viewer),
            anonymous: plain(anonymous),
        }
    }

    /// Sends `req`; a 200 answer to a `stream` request is read as JSON lines until the server ends it,
    /// `max_events` lines arrived or `wait` passed.
    pub async fn send(&self, req: &Req, stream: bool, wait: Duration) -> Answer {
        let mut b = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.path.as_str());
        if let Some(a) = &req.accept {
            b = b.header("Accept", a);
        }
        if let Some(ct) = &req.content_type {
            b = b.header("Content-Type", ct);
        }
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let client = match req.user.as_str() {
            "admin" => &self.admin,
            "viewer" => &self.viewer,
            "bad-token" => {
                b = b.header("Authorization", "Bearer this-is-not-a-valid-bearer-token");
                &self.anonymous
            }
            _ => &self.anonymous,
        };
        let http_req = b
            .body(kube::client::Body::from(
                req.body.clone().unwrap_or_default(),
            ))
            .unwrap();
        let resp = tokio::time::timeout(Duration::from_secs(60), client.send(http_req))
            .await
            .unwrap_or_else(|_| panic!("{} {}: no answer in 60s", req.method, req.path))
            .unwrap_or_else(|e| panic!("{} {}: {e}", req.method, req.path));
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let ct = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut body = resp.into_body();
        if req.method == "HEAD" {
            return Answer {
                status,
                headers,
                body: Body::None,
            };
        }
        if stream && status == 200 {
            let events = read_lines(&mut body, 20, wait).await;
            return Answer {
                status,
                headers,
                body: Body::Events(events),
            };
        }
        let bytes = tokio::time::timeout(wait, body.collect())
            .await
            .unwrap_or_else(|_| {
                panic!("{} {}: body not complete in {wait:?}", req.method, req.path)
            })
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        Answer {
            status,
            headers,
            body: classify(&ct, &bytes),
        }
    }
}

fn classify(ct: &str, bytes: &[u8]) -> Body {
    if bytes.is_empty() {
        return Body::Empty;
    }
    if ct.contains("protobuf") {
        return Body::Binary;
    }
    if (ct.contains("json") || matches!(bytes.first(), Some(b'{' | b'[')))
        && let Ok(v) = serde_json::from_slice::<Value>(bytes)
    {
        return Body::Json(v);
    }
    Body::Text(String::from_utf8_lossy(bytes).into_owned())
}

async fn read_lines(body: &mut kube::client::Body, max: usize, wait: Duration) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    loop {
        while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line).trim().to_string();
            if line.is_empty() {
                continue;
            }
            out.push(serde_json::from_str(&line).unwrap_or(Value::String(line)));
            if out.len() >= max {
                return out;
            }
        }
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(f))) => {
                if let Ok(d) = f.into_data() {
                    buf.extend_from_slice(&d);
                }
            }
            // Ended by the server, broken, or still open at the deadline: what arrived is the answer.
            _ => return out,
        }
    }
}
