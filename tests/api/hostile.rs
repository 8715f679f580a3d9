//! Clients that are slow, silent, greedy or malformed, over raw TCP: each is
//! cut off by a bound, answered in the Wix error format, and never stops the
//! service answering everyone else.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::*;
use crate::on_both_engines;

/// Tight limits, so the tests see them act within a second or two.
fn tight(extra: &str) -> String {
    format!(
        "{BASE_CONFIG}\n[limits]\nheader_read_timeout_secs = 1\nbody_read_timeout_secs = 1\nidle_timeout_secs = 2\nmax_header_bytes = 16384\n{extra}"
    )
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the peer closes (or `limit` passes); what was read.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&out).into_owned())
}

/// Reads one whole response (head and `content-length` body), however it
/// arrives, and leaves the connection open.
async fn read_response(stream: &mut TcpStream, limit: Duration) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before a whole response");
            out.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&out);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_string())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
    })
    .await
    .expect("a whole response in time");
    String::from_utf8_lossy(&out).into_owned()
}

/// The status and JSON body of a raw HTTP/1.1 response.
fn parse_response(text: &str) -> (u16, String, Value) {
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole response");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

async fn query_ok(app: &TestApp) -> Duration {
    let started = Instant::now();
    let (status, _) = app
        .admin(
            Method::POST,
            "/ecom/v1/checkout-templates/query",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    started.elapsed()
}

on_both_engines!(
    half_sent_headers_and_silent_sockets_are_closed,
    |engine| async move {
        let app = TestApp::spawn_with(engine, &tight("")).await;
        let mut half = connect(&app).await;
        half.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        let mut silent = connect(&app).await;
        let started = Instant::now();
        assert!(
            read_to_close(&mut half, Duration::from_secs(5))
                .await
                .is_some(),
            "a half-sent head is closed"
        );
        let head_closed = started.elapsed();
        assert!(read_to_close(&mut silent, Duration::from_secs(6))
            .await
            .is_some());
        let idle_closed = started.elapsed();
        assert!(
            head_closed >= Duration::from_millis(900) && head_closed < Duration::from_secs(3),
            "the header timeout is 1 s: {head_closed:?}"
        );
        assert!(
            idle_closed >= Duration::from_millis(1900) && idle_closed < Duration::from_secs(5),
            "the idle timeout is 2 s: {idle_closed:?}"
        );
        query_ok(&app).await;
    }
);

on_both_engines!(
    a_body_shorter_than_announced_is_a_408,
    |engine| async move {
        let app = TestApp::spawn_with(engine, &tight("")).await;
        let mut short = connect(&app).await;
        short
        .write_all(
            format!(
                "POST /ecom/v1/checkout-templates HTTP/1.1\r\nHost: x\r\nAuthorization: {ADMIN_A}\r\n\
                 wix-site-id: {SITE_A}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"checkout"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let started = Instant::now();
        let text = read_to_close(&mut short, Duration::from_secs(5))
            .await
            .expect("answered and closed");
        let (status, head, body) = parse_response(&text);
        assert_eq!(status, 408, "{text}");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(head.contains("x-wix-request-id"));
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "REQUEST_TIMEOUT"
        );
        let (_, listed) = app
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates/query",
                Some(json!({})),
            )
            .await;
        assert_eq!(
            listed["checkoutTemplates"],
            json!([]),
            "nothing was written"
        );
    }
);

on_both_engines!(
    a_slowloris_of_2000_connections_changes_nothing_for_others,
    |engine| async move {
        let app = TestApp::spawn_with(engine, &tight("")).await;
        let before = query_ok(&app).await;
        let mut held = Vec::new();
        for i in 0..2000 {
            let mut s = connect(&app).await;
            if i % 2 == 0 {
                s.write_all(b"POST /ecom/v1/checkout-templates HTTP/1.1\r\nHost: x\r\n")
                    .await
                    .unwrap();
            }
            held.push(s);
        }
        // Normal clients are served while all 2,000 are held open.
        for _ in 0..20 {
            let took = query_ok(&app).await;
            assert!(
                took < Duration::from_secs(1),
                "a query took {took:?} beside the slowloris (alone: {before:?})"
            );
        }
        // And every slow connection is gone once its limit passed.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let mut closed = 0;
        for s in &mut held {
            let mut buf = [0u8; 1];
            if let Ok(Ok(0)) =
                tokio::time::timeout(Duration::from_millis(50), s.read(&mut buf)).await
            {
                closed += 1;
            }
        }
        assert_eq!(closed, 2000, "every slow or silent connection was closed");
    }
);

on_both_engines!(
    connections_over_the_cap_are_closed_at_once,
    |engine| async move {
        let app = TestApp::spawn_with(engine, &tight("max_client_connections = 20\n")).await;
        let mut open = Vec::new();
        for _ in 0..20 {
            open.push(connect(&app).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut extra = connect(&app).await;
        let closed = read_to_close(&mut extra, Duration::from_millis(500)).await;
        assert_eq!(
            closed.as_deref(),
            Some(""),
            "the 21st connection is closed unanswered"
        );
        // One already open is still served.
        open[0]
            .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let text = read_to_close(&mut open[0], Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(parse_response(&text).0, 200, "{text}");
        // Once some close, new connections are served again.
        open.truncate(5);
        tokio::time::sleep(Duration::from_millis(100)).await;
        query_ok(&app).await;
    }
);

on_both_engines!(
    expect_continue_over_the_body_limit_is_a_413_first,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let mut s = connect(&app).await;
        s.write_all(
            format!(
            "POST /ecom/v1/checkout-templates HTTP/1.1\r\nHost: x\r\nAuthorization: {ADMIN_A}\r\n\
             wix-site-id: {SITE_A}\r\nContent-Type: application/json\r\n\
             Content-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n"
        )
            .as_bytes(),
        )
        .await
        .unwrap();
        let text = read_response(&mut s, Duration::from_secs(2)).await;
        assert!(text.starts_with("HTTP/1.1 413"), "{text}");
        assert!(!text.contains("100 Continue"), "{text}");
        let (_, _, body) = parse_response(&text);
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "PAYLOAD_TOO_LARGE"
        );
    }
);

on_both_engines!(
    the_parsers_own_rejections_are_wix_errors,
    |engine| async move {
        let app = TestApp::spawn_with(engine, &tight("")).await;
        let huge = "a".repeat(20_000);
        for (request, status, code) in [
            (
                format!("GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n"),
                431,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
            ),
            (
                "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".to_string(),
                400,
                "BAD_REQUEST",
            ),
            ("NOT A REQUEST\r\n\r\n".to_string(), 400, "BAD_REQUEST"),
        ] {
            let mut s = connect(&app).await;
            s.write_all(request.as_bytes()).await.unwrap();
            let text = read_to_close(&mut s, Duration::from_secs(3)).await.unwrap();
            let (got, head, body) = parse_response(&text);
            assert_eq!(got, status, "{text}");
            assert!(head.contains("x-wix-request-id"), "{text}");
            assert!(head.contains("x-content-type-options: nosniff"), "{text}");
            assert_eq!(body["details"]["applicationError"]["code"], code, "{text}");
        }
        query_ok(&app).await;
    }
);

on_both_engines!(every_response_says_nosniff, |engine| async move {
    let app = TestApp::spawn(engine).await;
    for path in [
        "/_emulator/health",
        "/no/such/path",
        "/ecom/v1/checkout-templates/query",
        "/_emulator/openapi.json",
    ] {
        let resp = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path} ({})",
            resp.status()
        );
    }
});
