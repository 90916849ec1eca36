//! The server side of a SPDY/3.1 session for `pods/portforward`, as a kubelet serves it to kubectl:
//! either on a connection upgraded with `Upgrade: SPDY/3.1` or tunneled inside a WebSocket whose
//! subprotocol is `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ tries that first).
//!
//! kubectl opens two streams per forwarded connection, both carrying `port` and `requestID` headers:
//! an `error` stream (where a failure is written as text) and a `data` stream (the bytes). Header
//! blocks are zlib-compressed with the SPDY/3 dictionary, one compression context per direction.
//! Flow control (WINDOW_UPDATE) is not enforced, as the Go SPDY peers do not require it.

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, WriteHalf};
use tokio::sync::mpsc;

/// The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1).
const DICTIONARY: &[u8] = include_bytes!("spdy3.dict");

const TYPE_SYN_STREAM: u16 = 1;
const TYPE_SYN_REPLY: u16 = 2;
const TYPE_RST_STREAM: u16 = 3;
const TYPE_PING: u16 = 6;
const TYPE_GOAWAY: u16 = 7;
const FLAG_FIN: u8 = 1;
/// Larger frames than this are refused (kubectl's are a few KiB).
const MAX_FRAME: usize = 1 << 24;

/// Connects a forwarded stream to `port` of the pod: the bytes pipe, or the kubelet's error text.
pub type Connector = Box<dyn Fn(u16) -> Result<DuplexStream, String> + Send + Sync>;

enum Out {
    Reply(u32),
    Data(u32, Bytes, bool),
    Rst(u32),
    Ping(u32),
}

#[derive(Debug, thiserror::Error)]
#[error("spdy: {0}")]
struct SpdyError(String);

/// Header blocks in and out of one session.
struct Headers {
    inflate: Decompress,
    deflate: Compress,
}

impl Headers {
    fn new() -> Self {
        Headers {
            inflate: Decompress::new(true),
            deflate: Compress::new(Compression::default(), true),
        }
    }

    /// The name → value pairs of a compressed header block (names are lowercase on the wire).
    fn read(&mut self, block: &[u8]) -> Result<HashMap<String, String>, SpdyError> {
        let mut out = Vec::with_capacity(block.len() * 4);
        let mut input = block;
        loop {
            let before_in = self.inflate.total_in();
            out.reserve(4096);
            match self
                .inflate
                .decompress_vec(input, &mut out, FlushDecompress::Sync)
            {
                Ok(_) => {}
                Err(e) if e.needs_dictionary().is_some() => {
                    self.inflate
                        .set_dictionary(DICTIONARY)
                        .map_err(|e| SpdyError(format!("header dictionary: {e}")))?;
                }
                Err(e) => return Err(SpdyError(format!("header block: {e}"))),
            }
            let used = (self.inflate.total_in() - before_in) as usize;
            input = &input[used.min(input.len())..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
            if used == 0 && input.is_empty() {
                break;
            }
        }
        parse_block(&out)
    }

    /// An empty header block, compressed (SYN_REPLY carries no headers kubectl reads).
    fn empty(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let _ = self
            .deflate
            .compress_vec(&[0, 0, 0, 0], &mut out, FlushCompress::Sync);
        out
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn parse_block(b: &[u8]) -> Result<HashMap<String, String>, SpdyError> {
    let bad = || SpdyError("malformed header block".into());
    let mut pos = 4;
    let n = be32(b.get(0..4).ok_or_else(bad)?);
    let mut out = HashMap::new();
    let field = |pos: &mut usize| -> Result<String, SpdyError> {
        let len = be32(b.get(*pos..*pos + 4).ok_or_else(bad)?) as usize;
        let v = b.get(*pos + 4..*pos + 4 + len).ok_or_else(bad)?;
        *pos += 4 + len;
        Ok(String::from_utf8_lossy(v).into_owned())
    };
    for _ in 0..n.min(1024) {
        let name = field(&mut pos)?;
        let value = field(&mut pos)?;
        out.insert(name.to_ascii_lowercase(), value);
    }
    Ok(out)
}

fn control(kind: u16, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(8 + payload.len());
    f.extend_from_slice(&(0x8000u16 | 3).to_be_bytes());
    f.extend_from_slice(&kind.to_be_bytes());
    f.push(flags);
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(payload);
    f
}

fn data(stream: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(8 + payload.len());
    f.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    f.push(flags);
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(payload);
    f
}

/// The streams of one forwarded connection (one `requestID`).
#[derive(Default)]
struct Pair {
    error: Option<u32>,
    data: Option<u32>,
    port: u16,
}

/// Runs one session until the client goes away or `shutdown` fires.
pub async fn serve<IO>(io: IO, connect: Connector, mut shutdown: tokio::sync::watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(io);
    let (tx, mut rx) = mpsc::channel::<Out>(64);
    let writer = tokio::spawn(async move {
        let mut headers = Headers::new();
        while let Some(o) = rx.recv().await {
            let frame = match o {
                Out::Reply(id) => {
                    let mut p = id.to_be_bytes().to_vec();
                    p.extend(headers.empty());
                    control(TYPE_SYN_REPLY, 0, &p)
                }
                Out::Data(id, b, fin) => data(id, if fin { FLAG_FIN } else { 0 }, &b),
                Out::Rst(id) => {
                    let mut p = id.to_be_bytes().to_vec();
                    p.extend_from_slice(&5u32.to_be_bytes()); // CANCEL
                    control(TYPE_RST_STREAM, 0, &p)
                }
                Out::Ping(id) => control(TYPE_PING, 0, &id.to_be_bytes()),
            };
            if wr.write_all(&frame).await.is_err() {
                return;
            }
            let _ = wr.flush().await;
        }
        let _ = wr.shutdown().await;
    });
    let mut headers = Headers::new();
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    let mut to_pod: HashMap<u32, WriteHalf<DuplexStream>> = HashMap::new();
    loop {
        let frame = tokio::select! {
            _ = shutdown.changed() => break,
            f = read_frame(&mut rd) => f,
        };
        let Ok((head, payload)) = frame else { break };
        if head[0] & 0x80 == 0 {
            let id = be32(&head[0..4]) & 0x7fff_ffff;
            let fin = head[4] & FLAG_FIN != 0;
            if !payload.is_empty()
                && let Some(w) = to_pod.get_mut(&id)
                && w.write_all(&payload).await.is_err()
            {
                to_pod.remove(&id);
            }
            if fin && let Some(mut w) = to_pod.remove(&id) {
                let _ = w.shutdown().await;
            }
            continue;
        }
        let kind = u16::from_be_bytes([head[2], head[3]]);
        match kind {
            TYPE_SYN_STREAM if payload.len() >= 10 => {
                let id = be32(&payload[0..4]) & 0x7fff_ffff;
                let Ok(h) = headers.read(&payload[10..]) else {
                    break;
                };
                let _ = tx.send(Out::Reply(id)).await;
                let request = h.get("requestid").cloned().unwrap_or_default();
                let port = h
                    .get("port")
                    .and_then(|p| p.parse::<u16>().ok())
                    .unwrap_or(0);
                let pair = pairs.entry(request.clone()).or_default();
                pair.port = port;
                match h.get("streamtype").map(String::as_str) {
                    Some("error") => pair.error = Some(id),
                    Some("data") => pair.data = Some(id),
                    _ => {
                        let _ = tx.send(Out::Rst(id)).await;
                        continue;
                    }
                }
                if let (Some(err), Some(data_id)) = (pair.error, pair.data) {
                    let port = pair.port;
                    pairs.remove(&request);
                    match connect(port) {
                        Ok(pipe) => {
                            let (mut from_pod, w) = tokio::io::split(pipe);
                            to_pod.insert(data_id, w);
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let mut buf = BytesMut::with_capacity(64 * 1024);
                                loop {
                                    buf.clear();
                                    match from_pod.read_buf(&mut buf).await {
                                        Ok(0) | Err(_) => break,
                                        Ok(_) => {
                                            let chunk = buf.split().freeze();
                                            if tx
                                                .send(Out::Data(data_id, chunk, false))
                                                .await
                                                .is_err()
                                            {
                                                return;
                                            }
                                        }
                                    }
                                }
                                let _ = tx.send(Out::Data(data_id, Bytes::new(), true)).await;
                                let _ = tx.send(Out::Data(err, Bytes::new(), true)).await;
                            });
                        }
                        Err(msg) => {
                            let _ = tx.send(Out::Data(err, Bytes::from(msg), true)).await;
                            let _ = tx.send(Out::Data(data_id, Bytes::new(), true)).await;
                        }
                    }
                }
            }
            TYPE_RST_STREAM if payload.len() >= 4 => {
                to_pod.remove(&(be32(&payload[0..4]) & 0x7fff_ffff));
            }
            TYPE_PING if payload.len() >= 4 => {
                let _ = tx.send(Out::Ping(be32(&payload[0..4]))).await;
            }
            TYPE_GOAWAY => break,
            // SETTINGS, WINDOW_UPDATE, HEADERS: nothing the forwarder needs.
            _ => {}
        }
    }
    for (_, mut w) in to_pod.drain() {
        let _ = w.shutdown().await;
    }
    drop(tx);
    let _ = writer.await;
}

async fn read_frame<R: AsyncRead + Unpin>(rd: &mut R) -> Result<([u8; 8], Vec<u8>), SpdyError> {
    let mut head = [0u8; 8];
    rd.read_exact(&mut head)
        .await
        .map_err(|e| SpdyError(e.to_string()))?;
    let len = (be32(&head[4..8]) & 0x00ff_ffff) as usize;
    if len > MAX_FRAME {
        return Err(SpdyError("frame too large".into()));
    }
    let mut payload = vec![0u8; len];
    rd.read_exact(&mut payload)
        .await
        .map_err(|e| SpdyError(e.to_string()))?;
    Ok((head, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_the_spec_s() {
        assert_eq!(DICTIONARY.len(), 1423);
        assert!(DICTIONARY.ends_with(b"enq=0."));
    }

    /// A header block compressed as a Go SPDY client compresses it (zlib with the preset
    /// dictionary) reads back, across two blocks of one compression context.
    #[test]
    fn header_blocks_compressed_with_the_dictionary_read_back() {
        let block = |pairs: &[(&str, &str)]| {
            let mut b = (pairs.len() as u32).to_be_bytes().to_vec();
            for (k, v) in pairs {
                b.extend((k.len() as u32).to_be_bytes());
                b.extend(k.as_bytes());
                b.extend((v.len() as u32).to_be_bytes());
                b.extend(v.as_bytes());
            }
            b
        };
        let mut z = Compress::new(Compression::best(), true);
        z.set_dictionary(DICTIONARY).expect("dictionary");
        let mut wire = |b: Vec<u8>| {
            let mut out = Vec::with_capacity(1024);
            z.compress_vec(&b, &mut out, FlushCompress::Sync)
                .expect("compress");
            out
        };
        let one = wire(block(&[
            ("streamtype", "error"),
            ("port", "8080"),
            ("requestid", "0"),
        ]));
        let two = wire(block(&[
            ("streamtype", "data"),
            ("port", "8080"),
            ("requestid", "0"),
        ]));
        let mut h = Headers::new();
        let first = h.read(&one).expect("first block");
        assert_eq!(first.get("streamtype").map(String::as_str), Some("error"));
        let second = h.read(&two).expect("second block");
        assert_eq!(second.get("streamtype").map(String::as_str), Some("data"));
        assert_eq!(second.get("port").map(String::as_str), Some("8080"));
    }
}
