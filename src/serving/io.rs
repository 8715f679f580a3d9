//! A connection's I/O as the server sees it: every byte moved is noted in its
//! [`Activity`], and the bare responses hyper writes by itself when a request
//! head cannot be parsed (400, 414, 431, with no body) are rewritten into the
//! Wix error format every other answer uses.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::activity::Activity;
use crate::error::ApiError;

pub struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
    /// A rewritten response still to be written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> Watched<T> {
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        Watched {
            inner,
            activity,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> Watched<T> {
    /// Writes what is left of a rewritten response.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
            self.activity.wrote();
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if let Some(response) = rewrite(buf) {
            this.pending = response;
            // What hyper handed over is taken; the rewrite goes out instead.
            let _ = this.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.activity.wrote();
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(first) if first.starts_with(b"HTTP/1.1 4") => self.poll_write(cx, first),
            _ => {
                let this = &mut *self;
                ready!(this.poll_pending(cx))?;
                let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
                this.activity.wrote();
                Poll::Ready(Ok(n))
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The Wix-format version of `head` if it is a whole response head hyper
/// wrote by itself: a 400, 414 or 431 without the request id every response
/// of the application carries.
fn rewrite(head: &[u8]) -> Option<Vec<u8>> {
    let rest = head.strip_prefix(b"HTTP/1.1 ")?;
    let (code, description) = match rest.get(..3)? {
        b"400" => ("BAD_REQUEST", "the request could not be parsed as HTTP/1.1"),
        b"414" => ("URI_TOO_LONG", "the request's URI is too long"),
        b"431" => (
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "the request's headers are larger than the emulator accepts ([limits] max_header_bytes)",
        ),
        _ => return None,
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&head[..end]).ok()?;
    let lower = text.to_ascii_lowercase();
    if lower.contains(&crate::api::REQUEST_ID_HEADER.to_ascii_lowercase()) {
        return None;
    }
    let status = axum::http::StatusCode::from_bytes(&rest[..3]).ok()?;
    let request_id = uuid::Uuid::new_v4();
    let body = ApiError::application(status, code, description)
        .with_data(serde_json::json!({"requestId": request_id.to_string()}))
        .body()
        .to_string();
    let status_line = text.lines().next()?;
    let date = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("date:"))
        .map(|l| format!("{l}\r\n"))
        .unwrap_or_default();
    Some(
        format!(
            "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             {}: {request_id}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n{date}\r\n{body}",
            body.len(),
            crate::api::REQUEST_ID_HEADER,
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_rejections_become_wix_errors_and_application_responses_stay() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 00:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite(hyper).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("x-wix-request-id: "));
        assert!(head.contains("date: Wed, 02 Dec 2026"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            json["details"]["applicationError"]["code"],
            "REQUEST_HEADER_FIELDS_TOO_LARGE"
        );
        assert!(head.contains(&format!("content-length: {}", body.len())));

        let ours =
            b"HTTP/1.1 400 Bad Request\r\nx-wix-request-id: 1\r\ncontent-length: 2\r\n\r\n{}";
        assert!(rewrite(ours).is_none());
        assert!(rewrite(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 404 Not Found\r\n\r\n").is_none());
    }
}
