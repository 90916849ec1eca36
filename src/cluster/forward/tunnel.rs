//! The local side of a forward: the listener, and per accepted connection one `pods/portforward`
//! WebSocket with two byte pumps that count traffic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::{ForwardError, ForwardState, Shared, lock};

/// How long a new connection waits for a ready pod while the forward is between pods.
const WAIT_FOR_POD: Duration = Duration::from_secs(10);

/// Binds the local listener, turning the OS error into one that says what to do.
pub(super) async fn bind(addr: SocketAddr) -> Result<TcpListener, ForwardError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => ForwardError::LocalPortInUse { addr, source },
            std::io::ErrorKind::PermissionDenied => ForwardError::LocalPortDenied { addr, source },
            _ => ForwardError::Bind { addr, source },
        })
}

pub(super) async fn accept_loop(
    listener: TcpListener,
    pods: Api<Pod>,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((sock, _)) => {
                let _ = sock.set_nodelay(true);
                shared.connections.fetch_add(1, Ordering::Relaxed);
                shared.active.fetch_add(1, Ordering::Relaxed);
                let (pods, shared, cancel) = (pods.clone(), shared.clone(), cancel.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        () = cancel.cancelled() => {}
                        () = serve_connection(sock, &pods, &shared) => {}
                    }
                    shared.active.fetch_sub(1, Ordering::Relaxed);
                });
            }
            // Out of file descriptors and the like: note it and keep the listener.
            Err(e) => {
                shared.set_error(format!("accept: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The pod and port to use now, waiting a while if the forward is between pods.
async fn current_route(shared: &Shared) -> Option<(String, u16)> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_POD;
    loop {
        let changed = shared.route_changed.notified();
        {
            let route = lock(&shared.route);
            if let (Some(pod), Some(port)) = (&route.pod, route.port) {
                return Some((pod.clone(), port));
            }
        }
        if *lock(&shared.state) == ForwardState::PodGone {
            return None;
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return None;
        }
    }
}

async fn serve_connection(sock: TcpStream, pods: &Api<Pod>, shared: &Shared) {
    let Some((pod, port)) = current_route(shared).await else {
        shared.set_error("connection closed: no ready pod to forward to".into());
        return;
    };
    let mut pf = match pods.portforward(&pod, &[port]).await {
        Ok(pf) => pf,
        Err(e) => {
            shared.set_error(format!("pod {pod} port {port}: {e}"));
            return;
        }
    };
    let (Some(upstream), Some(error)) = (pf.take_stream(port), pf.take_error(port)) else {
        pf.abort();
        return;
    };
    let (client_r, client_w) = sock.into_split();
    let (pod_r, pod_w) = tokio::io::split(upstream);
    let up = pump(client_r, pod_w, &shared.bytes_out);
    let down = pump(pod_r, client_w, &shared.bytes_in);
    tokio::pin!(up, down, error);
    tokio::select! {
        // The pod side ended: the connection is over.
        _ = &mut down => {}
        // The client finished sending: keep relaying the answer until the pod side ends.
        r = &mut up => {
            if r.is_ok() {
                let _ = (&mut down).await;
            }
        }
        msg = &mut error => {
            if let Some(msg) = msg {
                shared.set_error(format!("pod {pod} port {port}: {msg}"));
            }
        }
    }
    pf.abort();
}

async fn pump<R, W>(mut r: R, mut w: W, counter: &AtomicU64) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            let _ = w.shutdown().await;
            return Ok(());
        }
        w.write_all(&buf[..n]).await?;
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn port_in_use_is_reported_clearly() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = taken.local_addr().unwrap();
        let err = bind(addr).await.unwrap_err();
        assert!(matches!(err, ForwardError::LocalPortInUse { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&addr.to_string()) && msg.contains("already in use"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn pump_counts_bytes_and_shuts_down() {
        let counter = AtomicU64::new(0);
        let (mut a, b) = tokio::io::duplex(1024);
        let (c, mut d) = tokio::io::duplex(1024);
        a.write_all(b"hello world").await.unwrap();
        drop(a);
        pump(b, c, &counter).await.unwrap();
        let mut out = String::new();
        d.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "hello world");
        assert_eq!(counter.load(Ordering::Relaxed), 11);
    }
}
