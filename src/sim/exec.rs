//! `pods/exec` and `pods/attach` over WebSocket, as the apiserver and kubelet answer them to kubectl
//! 1.31+ and kube-rs:
//! subprotocol `v5.channel.k8s.io` (preferred) or `v4.channel.k8s.io`, every binary frame
//! `[channel, payload…]` with 0 stdin, 1 stdout, 2 stderr, 3 the final `Status` JSON, 4 resize
//! `{"Width":W,"Height":H}`, and in v5 `[255, 0]` for "stdin closed".
//!
//! Owns: request validation with the apiserver's Status errors, the upgrade, and pumping frames between
//! the socket and a `fakesh::FakeShell` (no process is ever started). Must not: know shell semantics.
//!
//! Attach joins the container's own process rather than starting one: its tty setting is the
//! container's (`spec.containers[].tty`, whatever the client asked, as the kubelet decides), a container
//! started with `stdin: true` answers as the shell its command runs, and one without stdin is a process
//! that reads nothing and prints nothing here (its output is its log). Leaving an attach does not stop
//! the container; typing `exit` in it ends the session only (the sim's container keeps running).

use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use http::{Request, Response, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use super::Sim;
use super::fakesh::{FakeShell, Output, PodContext};
use super::portforward::{framed, switching_protocols};
use super::resources::idx;
use super::server::{Body, ResourceRoute};
use super::status::ApiError;

const V5: &str = "v5.channel.k8s.io";
const V4: &str = "v4.channel.k8s.io";

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// Which streams the client asked for (`stdin`, `stdout`, `stderr`, `tty` query flags).
#[derive(Debug, Clone, Copy)]
struct Streams {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    req: Request<Incoming>,
    attach: bool,
) -> Result<Response<Body>, ApiError> {
    let ns = r.ns.clone().unwrap_or_default();
    let name = r.name.clone().unwrap_or_default();
    let pod = sim
        .store
        .get(idx::PODS, &ns, &name)
        .ok_or_else(|| ApiError::not_found("", "pods", &name))?;
    // `command` repeats, so the shared single-valued query map cannot carry it.
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let flag = |k: &str| {
        pairs
            .iter()
            .any(|(n, v)| n == k && (v == "true" || v == "1"))
    };
    let argv: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "command")
        .map(|(_, v)| v.clone())
        .collect();
    let requested = pairs
        .iter()
        .find(|(n, v)| n == "container" && !v.is_empty())
        .map(|(_, v)| v.as_str());
    let container = pick_container(&pod, &name, requested)?;
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let spec = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container.as_str());
    let spec_flag = |k: &str| spec.is_some_and(|c| c[k] == true);
    let tty = if attach {
        spec_flag("tty")
    } else {
        flag("tty")
    };
    let streams = Streams {
        stdin: flag("stdin"),
        stdout: flag("stdout"),
        // The kubelet drops stderr when a tty is requested: a terminal has one output stream.
        stderr: flag("stderr") && !tty,
        tty,
    };
    if !(streams.stdin || streams.stdout || flag("stderr")) {
        return Err(ApiError::bad_request(
            "you must specify at least 1 of stdin, stdout, stderr",
        ));
    }
    let argv = if attach {
        // The container's own process: its command and args, else the image's shell.
        let words = |k: &str| -> Vec<String> {
            spec.and_then(|c| c[k].as_array())
                .into_iter()
                .flatten()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        };
        let mut argv = words("command");
        argv.extend(words("args"));
        if argv.is_empty() {
            argv.push("sh".into());
        }
        argv
    } else if argv.is_empty() {
        return Err(ApiError::bad_request("you must specify at least 1 command"));
    } else {
        argv
    };
    let interactive = !attach || spec_flag("stdin");
    let running = pod["status"]["phase"] == "Running"
        && pod["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["name"] == container.as_str() && c["state"]["running"].is_object());
    if !running {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: container not found (\"{container}\")"
        )));
    }
    let headers = req.headers();
    let is_ws = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let offered: Vec<String> = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|p| p.trim().to_string()))
        .collect();
    let protocol = [V5, V4]
        .into_iter()
        .find(|p| offered.iter().any(|o| o == p));
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec());
    let (true, Some(protocol), Some(key)) = (is_ws, protocol, key) else {
        return Err(ApiError::bad_request(format!(
            "{} needs a WebSocket upgrade with subprotocol {V5} or {V4} (SPDY is not supported by the kdeck sim)",
            if attach { "attach" } else { "exec" }
        )));
    };
    let ctx = pod_context(&pod, &ns, &name, &container);
    let shutdown = sim.shutdown.clone();
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let streams = Streams {
            stdin: streams.stdin && interactive,
            ..streams
        };
        run(
            ws,
            ctx,
            argv,
            streams,
            protocol == V5,
            interactive,
            shutdown,
        )
        .await;
    });
    Ok(switching_protocols(&key, protocol))
}

/// The apiserver's default-container rule and wording.
fn pick_container(pod: &Value, name: &str, requested: Option<&str>) -> Result<String, ApiError> {
    let names: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    match requested {
        Some(c) if names.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if names.len() == 1 => Ok(names[0].to_string()),
        None if names.is_empty() => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}"
        ))),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            names.join(" ")
        ))),
    }
}

fn pod_context(pod: &Value, ns: &str, name: &str, container: &str) -> PodContext {
    let spec = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container);
    let env = spec
        .and_then(|c| c["env"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    PodContext {
        pod: name.to_string(),
        namespace: ns.to_string(),
        image: spec
            .and_then(|c| c["image"].as_str())
            .unwrap_or_default()
            .to_string(),
        pod_ip: pod["status"]["podIP"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        env,
    }
}

/// The kubelet's final word on channel 3 (containerd's wording inside the message).
pub fn exit_status(code: i32, argv: &[String]) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            argv.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

async fn run<S>(
    ws: WebSocketStream<S>,
    ctx: PodContext,
    argv: Vec<String>,
    streams: Streams,
    v5: bool,
    interactive: bool,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = ws.split();
    // The kubelet's "connection established" signal: an empty frame on the lowest writable channel.
    let first = if streams.stdout {
        STDOUT
    } else if streams.stderr {
        STDERR
    } else {
        ERROR
    };
    let mut frames = vec![framed(first, &[])];
    let mut shell = FakeShell::new(ctx, streams.tty);
    // Attached to a container without stdin: nothing runs here, and the session lasts until the
    // client leaves.
    if interactive {
        collect(&mut frames, shell.start(&argv), streams);
        if !streams.stdin {
            collect(&mut frames, shell.end_of_input(), streams);
        }
    }
    loop {
        for f in frames.drain(..) {
            if sink.send(f).await.is_err() {
                return;
            }
        }
        if let Some(code) = shell.exit_code() {
            let status = serde_json::to_vec(&exit_status(code, &argv)).unwrap_or_default();
            let _ = sink.send(framed(ERROR, &status)).await;
            // client-go reads anything but a normal (1000) close as a failed stream.
            let normal = CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            };
            let _ = sink.send(Message::Close(Some(normal))).await;
            let _ = sink.close().await;
            return;
        }
        let msg = tokio::select! {
            _ = shutdown.changed() => return,
            m = stream.next() => m,
        };
        match msg {
            Some(Ok(Message::Binary(b))) => match (b.first(), b.get(1)) {
                (Some(&STDIN), _) if streams.stdin => {
                    collect(&mut frames, shell.feed(&b[1..]), streams);
                }
                (Some(&RESIZE), _) => {
                    let size: Value = serde_json::from_slice(&b[1..]).unwrap_or_default();
                    let dim = |k: &str| size[k].as_u64().and_then(|n| u16::try_from(n).ok());
                    if let (Some(w), Some(h)) = (dim("Width"), dim("Height")) {
                        shell.resize(w, h);
                    }
                }
                (Some(&CLOSE), Some(&STDIN)) if v5 => {
                    collect(&mut frames, shell.end_of_input(), streams);
                }
                _ => {}
            },
            // The client went away: the process it was attached to goes with it, and nobody is left
            // to read a status.
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            Some(Ok(_)) => {}
        }
    }
}

fn collect(frames: &mut Vec<Message>, out: Output, streams: Streams) {
    if streams.stdout && !out.stdout.is_empty() {
        frames.push(framed(STDOUT, &out.stdout));
    }
    if streams.stderr && !out.stderr.is_empty() {
        frames.push(framed(STDERR, &out.stderr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_matches_the_kubelet() {
        assert_eq!(
            exit_status(0, &[]).to_string(),
            r#"{"metadata":{},"status":"Success"}"#
        );
        let s = exit_status(3, &["sh".into(), "-c".into(), "exit 3".into()]);
        assert_eq!(s["reason"], "NonZeroExitCode");
        assert_eq!(
            s["details"]["causes"][0],
            json!({"reason": "ExitCode", "message": "3"})
        );
        assert_eq!(
            s["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
        );
    }

    async fn session(v5: bool, tty: bool, argv: &[&str], input: Vec<Vec<u8>>) -> Vec<Message> {
        let (server_io, client_io) = tokio::io::duplex(1 << 16);
        let server = WebSocketStream::from_raw_socket(server_io, Role::Server, None).await;
        let mut client = WebSocketStream::from_raw_socket(client_io, Role::Client, None).await;
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let ctx = PodContext {
            pod: "web-0".into(),
            ..PodContext::default()
        };
        let streams = Streams {
            stdin: true,
            stdout: true,
            stderr: !tty,
            tty,
        };
        let argv = argv.iter().map(|s| s.to_string()).collect();
        let server = tokio::spawn(run(server, ctx, argv, streams, v5, true, shutdown));
        for frame in input {
            client.send(Message::binary(frame)).await.unwrap();
        }
        let mut got = Vec::new();
        let collect = async {
            while let Some(Ok(m)) = client.next().await {
                got.push(m);
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), collect)
            .await
            .expect("the session never closed");
        server.await.unwrap();
        got
    }

    #[tokio::test]
    async fn v4_frames_a_session_and_ends_with_status_and_a_normal_close() {
        let got = session(
            false,
            false,
            &["sh"],
            vec![b"\0echo a\nnope\nexit 2\n".to_vec()],
        )
        .await;
        let status = serde_json::to_vec(&exit_status(2, &["sh".into()])).unwrap();
        let mut want = vec![
            framed(STDOUT, b""),
            framed(STDOUT, b"a\n"),
            framed(STDERR, b"sh: nope: not found\n"),
            framed(ERROR, &status),
        ];
        want.push(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })));
        assert_eq!(got, want);
    }

    #[tokio::test]
    async fn v5_stdin_close_ends_the_shell_and_resize_reaches_it() {
        let got = session(
            true,
            true,
            &["sh"],
            vec![
                [&[RESIZE][..], br#"{"Width":80,"Height":24}"#].concat(),
                b"\0stty size\r".to_vec(),
                vec![CLOSE, STDIN],
            ],
        )
        .await;
        let out: Vec<u8> = got
            .iter()
            .filter_map(|m| match m {
                Message::Binary(b) if b[0] == STDOUT => Some(b[1..].to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(out, b"/ # stty size\r\n24 80\r\n/ # ");
        assert!(got.contains(&framed(ERROR, br#"{"metadata":{},"status":"Success"}"#)));
    }

    #[test]
    fn pod_context_takes_the_containers_literal_env() {
        let pod = json!({
            "spec": {"containers": [{"name": "a", "image": "nginx:1.27", "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ]}]},
            "status": {"podIP": "10.0.0.9"}
        });
        let ctx = pod_context(&pod, "shop", "web-0", "a");
        assert_eq!(ctx.env, vec![("MODE".to_string(), "prod".to_string())]);
        assert_eq!(
            (ctx.image.as_str(), ctx.pod_ip.as_str()),
            ("nginx:1.27", "10.0.0.9")
        );
    }

    #[test]
    fn default_container_rules() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(pick_container(&pod, "p", Some("b")).unwrap(), "b");
        assert_eq!(
            pick_container(&pod, "p", Some("c")).unwrap_err().message,
            "container c is not valid for pod p"
        );
        assert_eq!(
            pick_container(&pod, "p", None).unwrap_err().message,
            "a container name must be specified for pod p, choose one of: [a b]"
        );
    }
}
