//! HTTP GET for kubectl downloads: hyper-util's client over hyper-rustls (webpki roots; plain http for a
//! local mirror), redirects followed up to a limit, and a body reader that tells a cut connection or a
//! short body apart from a complete one.
//!
//! It only fetches bytes; verifying and installing them is [`super::install`]'s job.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A download that delivers nothing for this long is considered dead.
const STALL_TIMEOUT: Duration = Duration::from_secs(30);

pub type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error("{url}: not a valid http(s) URL ({message})")]
    BadUrl { url: String, message: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: StatusCode },
    #[error("{url}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects { url: String },
    #[error("{url}: redirect without a usable Location header")]
    BadRedirect { url: String },
    /// hyper's top-level errors say little ("client error (Connect)"); the message adds their causes.
    #[error("{url}: cannot connect: {}", crate::error::chain(cause))]
    Connect {
        url: String,
        cause: hyper_util::client::legacy::Error,
    },
    #[error("{url}: the connection broke after {received}{} bytes: {}", expected_suffix(*expected), crate::error::chain(cause))]
    Broken {
        url: String,
        received: u64,
        expected: Option<u64>,
        cause: hyper::Error,
    },
    #[error(
        "{url}: the connection broke after {received} of {expected} bytes: more data than Content-Length announced"
    )]
    Overlong {
        url: String,
        received: u64,
        expected: u64,
    },
    #[error("{url}: no data for {}s after {received} bytes", STALL_TIMEOUT.as_secs())]
    Stalled { url: String, received: u64 },
    #[error("{url}: the body ended after {received} of {expected} bytes (truncated download)")]
    Truncated {
        url: String,
        received: u64,
        expected: u64,
    },
    #[error("{url}: the body is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
}

fn expected_suffix(expected: Option<u64>) -> String {
    expected.map(|n| format!(" of {n}")).unwrap_or_default()
}

/// A client for http:// and https:// with the Mozilla roots compiled in (no system trust store needed).
pub fn client() -> Result<HttpClient, DownloadError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// A response whose status was 2xx, after redirects.
pub struct Response {
    pub url: String,
    /// Content-Length, when the server sent one.
    pub length: Option<u64>,
    received: u64,
    body: Incoming,
}

/// GETs `url`, following redirects (relative ones too) up to [`MAX_REDIRECTS`].
pub async fn get(client: &HttpClient, url: &str) -> Result<Response, DownloadError> {
    let mut current = parse_url(url)?;
    for _ in 0..=MAX_REDIRECTS {
        let shown = current.to_string();
        let request = Request::get(shown.as_str())
            .header(
                header::USER_AGENT,
                concat!("kdeck/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| DownloadError::BadUrl {
                url: shown.clone(),
                message: e.to_string(),
            })?;
        let response = client
            .request(request)
            .await
            .map_err(|cause| DownloadError::Connect {
                url: shown.clone(),
                cause,
            })?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| DownloadError::BadRedirect { url: shown.clone() })?;
            current = current
                .join(location)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| DownloadError::BadRedirect { url: shown.clone() })?;
            continue;
        }
        if !status.is_success() {
            return Err(DownloadError::Status { url: shown, status });
        }
        let length = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        return Ok(Response {
            url: shown,
            length,
            received: 0,
            body: response.into_body(),
        });
    }
    Err(DownloadError::TooManyRedirects {
        url: url.to_string(),
    })
}

fn parse_url(url: &str) -> Result<url::Url, DownloadError> {
    let parsed = url::Url::parse(url).map_err(|e| DownloadError::BadUrl {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(DownloadError::BadUrl {
            url: url.to_string(),
            message: "only http and https are supported".into(),
        });
    }
    Ok(parsed)
}

impl Response {
    /// The next chunk, or `None` at a complete end. A short body (fewer bytes than Content-Length) and a
    /// broken connection are errors, never a quiet end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, DownloadError> {
        loop {
            let frame = match tokio::time::timeout(STALL_TIMEOUT, self.body.frame()).await {
                Err(_) => {
                    return Err(DownloadError::Stalled {
                        url: self.url.clone(),
                        received: self.received,
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(cause))) => {
                    return Err(DownloadError::Broken {
                        url: self.url.clone(),
                        received: self.received,
                        expected: self.length,
                        cause,
                    });
                }
                Ok(Some(Ok(frame))) => frame,
            };
            if let Ok(data) = frame.into_data() {
                self.received += data.len() as u64;
                if self.length.is_some_and(|n| self.received > n) {
                    return Err(DownloadError::Overlong {
                        url: self.url.clone(),
                        received: self.received,
                        expected: self.length.unwrap_or_default(),
                    });
                }
                return Ok(Some(data));
            }
        }
        match self.length {
            Some(expected) if expected != self.received => Err(DownloadError::Truncated {
                url: self.url.clone(),
                received: self.received,
                expected,
            }),
            _ => Ok(None),
        }
    }

    /// The whole body, refusing more than `limit` bytes (for small files such as checksums).
    pub async fn bytes(mut self, limit: u64) -> Result<Vec<u8>, DownloadError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(DownloadError::TooLarge {
                    url: self.url,
                    limit,
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}
