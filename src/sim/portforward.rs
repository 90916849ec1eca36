//! `pods/portforward`. kubectl speaks SPDY (`spdy`), tunneled in a WebSocket or on an upgraded
//! connection. kube-rs's Portforwarder speaks WebSocket in the `v4.channel.k8s.io` framing:
//! for the i-th requested port, channel 2i carries data and 2i+1 errors; the first frame the server sends
//! on each carries the port as 2 bytes little-endian; every later frame is `[channel, payload…]`.
//!
//! Behind each pod, every declared container port is served by a tiny HTTP/1.1 server that answers with
//! the pod's name, and port 7 (when declared) is a TCP echo. A port nothing listens on gets the kubelet's
//! "connection refused" message on its error channel.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, protocol::Role};

use super::Sim;
use super::resources::idx;
use super::server::{Body, Query, ResourceRoute, full};
use super::spdy;
use super::status::ApiError;
use super::store::meta_str;

const PROTOCOL: &str = "v4.channel.k8s.io";
const ECHO_PORT: u16 = 7;

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let ns = r.ns.clone().unwrap_or_default();
    let name = r.name.clone().unwrap_or_default();
    let pod = sim
        .store
        .get(idx::PODS, &ns, &name)
        .ok_or_else(|| ApiError::not_found("", "pods", &name))?;
    if pod["status"]["phase"] != "Running" {
        return Err(ApiError::bad_request(format!(
            "pod {name} is not running and cannot be port-forwarded"
        )));
    }
    let declared = declared_ports(&pod);
    let connect = connector(
        declared.clone(),
        meta_str(&pod, "name").to_string(),
        meta_str(&pod, "uid").to_string(),
        ns.clone(),
    );
    // kubectl speaks SPDY: tunneled in a WebSocket (1.31+ try this first) or on an upgraded connection.
    if let Some((resp, tunneled)) = spdy_answer(req.headers()) {
        let shutdown = sim.shutdown.clone();
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(req).await else {
                return;
            };
            let io = TokioIo::new(upgraded);
            if tunneled {
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                spdy::serve(websocket_pipe(ws), connect, shutdown).await;
            } else {
                spdy::serve(io, connect, shutdown).await;
            }
        });
        return Ok(resp);
    }
    let ports: Vec<u16> = q
        .get("ports")
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().parse::<u16>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|_| {
            ApiError::bad_request("ports: each port must be a number between 1 and 65535")
        })?
        .unwrap_or_default();
    if ports.is_empty() || ports.contains(&0) {
        return Err(ApiError::bad_request(
            "at least one port must be specified, and ports must be between 1 and 65535",
        ));
    }
    let headers = req.headers();
    let is_ws = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let offered = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec());
    let (true, true, Some(key)) = (is_ws, offered, key) else {
        return Err(ApiError::bad_request(format!(
            "port-forward needs a WebSocket upgrade with subprotocol {PROTOCOL} or {SPDY_PROTOCOL}, or an upgrade to SPDY/3.1"
        )));
    };
    let shutdown = sim.shutdown.clone();
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        run(ws, ports, connect, shutdown).await;
    });
    Ok(switching_protocols(&key, PROTOCOL))
}

/// The 101 answer to a WebSocket upgrade with `protocol` chosen.
pub fn switching_protocols(key: &[u8], protocol: &'static str) -> Response<Body> {
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key);
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol),
    );
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

/// One `v4`/`v5.channel.k8s.io` frame: the channel byte, then the payload.
pub fn framed(ch: u8, payload: &[u8]) -> Message {
    let mut v = Vec::with_capacity(payload.len() + 1);
    v.push(ch);
    v.extend_from_slice(payload);
    Message::binary(v)
}

async fn run<S>(
    ws: WebSocketStream<S>,
    ports: Vec<u16>,
    connect: spdy::Connector,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(m) = out_rx.recv().await {
            if sink.send(m).await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let mut to_pod: Vec<Option<tokio::io::WriteHalf<DuplexStream>>> = Vec::new();
    for (i, &port) in ports.iter().enumerate() {
        let (data_ch, err_ch) = (2 * i as u8, 2 * i as u8 + 1);
        let le = port.to_le_bytes();
        let _ = out_tx.send(framed(data_ch, &le)).await;
        let _ = out_tx.send(framed(err_ch, &le)).await;
        let ours = match connect(port) {
            Ok(pipe) => pipe,
            Err(msg) => {
                let _ = out_tx.send(framed(err_ch, msg.as_bytes())).await;
                to_pod.push(None);
                continue;
            }
        };
        let (mut rd, wr) = tokio::io::split(ours);
        to_pod.push(Some(wr));
        let out = out_tx.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if out.send(framed(data_ch, &buf[..n])).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
    drop(out_tx);
    loop {
        let msg = tokio::select! {
            _ = shutdown.changed() => break,
            m = stream.next() => m,
        };
        match msg {
            Some(Ok(Message::Binary(b))) if b.len() > 1 => {
                let ch = b[0] as usize;
                if ch % 2 == 1 {
                    continue;
                }
                if let Some(Some(w)) = to_pod.get_mut(ch / 2)
                    && w.write_all(&b[1..]).await.is_err()
                {
                    to_pod[ch / 2] = None;
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    for w in to_pod.iter_mut().flatten() {
        let _ = w.shutdown().await;
    }
    writer.abort();
}

/// The container ports a pod declares.
fn declared_ports(pod: &serde_json::Value) -> Vec<u16> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| {
            p["containerPort"]
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
        })
        .collect()
}

/// What answers on a pod's ports: a declared port gets its server (echo on 7, else an HTTP responder
/// naming the pod); any other port the kubelet's "connection refused".
fn connector(declared: Vec<u16>, pod: String, uid: String, ns: String) -> spdy::Connector {
    Box::new(move |port| {
        if !declared.contains(&port) {
            return Err(format!(
                "error forwarding port {port} to pod {pod}, uid {uid}: failed to connect to localhost:{port} inside namespace \"{ns}\": connection refused"
            ));
        }
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        if port == ECHO_PORT {
            tokio::spawn(echo(theirs));
        } else {
            tokio::spawn(http_server(theirs, pod.clone()));
        }
        Ok(ours)
    })
}

const SPDY_PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";

/// The 101 for a SPDY port-forward request, and whether the SPDY session is tunneled in a WebSocket;
/// None when the request is not asking for SPDY.
fn spdy_answer(headers: &http::HeaderMap) -> Option<(Response<Body>, bool)> {
    let get = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    let upgrade = get(header::UPGRADE)?;
    if upgrade.eq_ignore_ascii_case("websocket") {
        let offered = get(header::SEC_WEBSOCKET_PROTOCOL)?
            .split(',')
            .any(|p| p.trim() == SPDY_PROTOCOL);
        let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
        return offered.then(|| (switching_protocols(key.as_bytes(), SPDY_PROTOCOL), true));
    }
    if !upgrade.eq_ignore_ascii_case("SPDY/3.1") {
        return None;
    }
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("SPDY/3.1"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(
        "X-Stream-Protocol-Version",
        HeaderValue::from_static("portforward.k8s.io"),
    );
    Some((resp, false))
}

/// A WebSocket whose binary messages carry a byte stream, as an AsyncRead + AsyncWrite.
fn websocket_pipe<S>(ws: WebSocketStream<S>) -> DuplexStream
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (mut rd, mut wr) = tokio::io::split(ours);
    let (mut sink, mut stream) = ws.split();
    tokio::spawn(async move {
        while let Some(Ok(m)) = stream.next().await {
            match m {
                Message::Binary(b) if wr.write_all(&b).await.is_err() => break,
                Message::Close(_) => break,
                _ => {}
            }
        }
        let _ = wr.shutdown().await;
    });
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sink.send(Message::binary(buf[..n].to_vec())).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = sink.close().await;
    });
    theirs
}

async fn echo(io: DuplexStream) {
    let (mut r, mut w) = tokio::io::split(io);
    let _ = tokio::io::copy(&mut r, &mut w).await;
}

async fn http_server(io: DuplexStream, pod: String) {
    let svc = hyper::service::service_fn(move |_req: Request<Incoming>| {
        let body = format!("{pod}\n");
        async move {
            let mut r = Response::new(http_body_util::Full::new(Bytes::from(body)));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            Ok::<_, Infallible>(r)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), svc)
        .await;
}
