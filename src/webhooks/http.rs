//! The HTTP client webhooks are POSTed with: hyper's pooled client, over plain
//! TCP or rustls with the Mozilla roots (as a browser-grade client would trust).
//! hyper directly rather than reqwest: reqwest parsed each request's URL again
//! and ran it through redirect and retry layers, which cost a tenth of the
//! dispatcher's CPU besides RSA.

use std::sync::Arc;

use bytes::Bytes;
use http::{header, Request, Response, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Most of a response body read; the delivery log keeps less than this.
const READ_AT_MOST: usize = 64 * 1024;

#[derive(Clone)]
pub struct WebhookClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl WebhookClient {
    pub fn new() -> WebhookClient {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("the aws-lc provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        // A POST is one write; waiting for more to send would only add delay.
        tcp.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        WebhookClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// POSTs `token` as `text/plain`, as Wix sends webhooks.
    pub async fn post(&self, url: Uri, token: String) -> Result<Response<Incoming>, String> {
        let request = Request::post(url)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Full::new(Bytes::from(token)))
            .map_err(|e| format!("request failed: {e}"))?;
        // hyper's error names the stage; its sources, which `{:#}` appends,
        // say what went wrong.
        self.client
            .request(request)
            .await
            .map_err(|e| format!("request failed: {:#}", anyhow::Error::from(e)))
    }
}

/// A response body as text, `None` if it could not be read or is too long.
pub async fn text(response: Response<Incoming>) -> Option<String> {
    let body = Limited::new(response.into_body(), READ_AT_MOST)
        .collect()
        .await
        .ok()?
        .to_bytes();
    Some(String::from_utf8_lossy(&body).into_owned())
}

/// What a receiver sees of a `dropConnection` fault: a connection opened,
/// the start of a POST written (for http; an https receiver sees its
/// handshake cut), and the connection closed before the request is whole.
pub async fn drop_connection(url: &Uri) -> std::io::Result<()> {
    let host = url.host().unwrap_or("localhost").trim_matches(['[', ']']);
    let port = url
        .port_u16()
        .unwrap_or(if url.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let stream = tokio::net::TcpStream::connect((host, port)).await?;
    if url.scheme_str() == Some("http") {
        let path = url.path_and_query().map_or("/", |p| p.as_str());
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\neyJhbGciOi"
        );
        let mut rest = head.as_bytes();
        while !rest.is_empty() {
            stream.writable().await?;
            match stream.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
    // Closed with the request half sent.
    drop(stream);
    Ok(())
}

/// An absolute http or https URL, or why not.
pub fn parse_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|e| format!("{e}"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(_)) => Ok(uri),
        _ => Err("not an absolute http or https URL".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn only_absolute_http_urls_are_webhook_urls() {
        assert!(parse_url("http://127.0.0.1:9/hook").is_ok());
        assert!(parse_url("https://example.com/wix/webhooks?x=1").is_ok());
        assert!(parse_url("ftp://example.com/").is_err());
        assert!(parse_url("/relative").is_err());
        assert!(parse_url("not a url").is_err());
    }
}
