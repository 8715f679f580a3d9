use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

async fn send_raw(app: &TestApp, method: Method, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let resp = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("Authorization", ADMIN_A)
        .header("wix-site-id", SITE_A)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("x-wix-request-id"));
    let status = resp.status();
    let body = resp.json::<Value>().await.expect("errors are JSON");
    (status, body)
}

fn is_wix_error(body: &Value) -> bool {
    body["message"].is_string()
        && (body["details"]["applicationError"]["code"].is_string()
            || body["details"]["validationError"]["fieldViolations"].is_array())
}

on_both_engines!(
    malformed_input_is_a_clear_4xx_and_writes_nothing,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;
        let templates = "/ecom/v1/checkout-templates";
        let cases: Vec<(Method, String, Vec<u8>)> = vec![
        (Method::POST, templates.into(), b"{not json".to_vec()),
        (Method::POST, templates.into(), b"[1,2]".to_vec()),
        (Method::POST, templates.into(), b"\"text\"".to_vec()),
        (Method::POST, templates.into(), vec![0xff, 0xfe, 0x00]),
        (Method::POST, templates.into(), br#"{"checkoutTemplate": "a string"}"#.to_vec()),
        (Method::POST, templates.into(), br#"{"checkoutTemplate": {"lineItems": [null]}}"#.to_vec()),
        (Method::POST, templates.into(), br#"{"checkoutTemplate": {"lineItems": [{"quantity": true}]}}"#.to_vec()),
        (Method::POST, "/ecom/v1/bulk/checkout-templates/create".into(), br#"{"checkoutTemplates": {}}"#.to_vec()),
        (Method::POST, "/ecom/v1/bulk/checkout-templates/create".into(), br#"{"checkoutTemplates": [{}], "returnEntity": "yes"}"#.to_vec()),
        (Method::PATCH, format!("{templates}/{id}"), b"{oops".to_vec()),
        (Method::PATCH, format!("{templates}/{id}"), br#"{"checkoutTemplate": {"couponCode": 5}}"#.to_vec()),
        (Method::PATCH, format!("{templates}/{id}"), br#"{"checkoutTemplate": {"id": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60", "couponCode": "X"}}"#.to_vec()),
        (Method::PATCH, format!("{templates}/{id}"), br#"{"checkoutTemplate": {"couponCode": "X"}, "fieldMask": 5}"#.to_vec()),
        (Method::PATCH, format!("{templates}/not-a-guid"), br#"{"checkoutTemplate": {"couponCode": "X"}}"#.to_vec()),
        (Method::POST, format!("{templates}/{id}/create-checkout-from-template"), br#"{"siteId": "nope"}"#.to_vec()),
        (Method::POST, format!("{templates}/{id}/create-checkout-from-template"), b"{]".to_vec()),
        (Method::POST, format!("{templates}/query"), b"{\"query\":".to_vec()),
    ];
        for (method, path, body) in cases {
            let shown = String::from_utf8_lossy(&body).to_string();
            let (status, got) = send_raw(&app, method.clone(), &path, body).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{method} {path} {shown} -> {got}"
            );
            assert!(is_wix_error(&got), "{got}");
        }
        assert_eq!(app.count(Table::Templates).await, 1);
        assert_eq!(app.count(Table::Checkouts).await, 0);
        assert_eq!(app.count(Table::Events).await, 1);
        let (_, got) = app
            .admin(Method::GET, &format!("{templates}/{id}"), None)
            .await;
        assert!(got["checkoutTemplate"].get("couponCode").is_none());
    }
);

on_both_engines!(oversize_bodies_are_413, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let huge = json!({"checkoutTemplate": {"couponCode": "x".repeat(5 * 1024 * 1024)}});
    let (status, body) = send_raw(
        &app,
        Method::POST,
        "/ecom/v1/checkout-templates",
        serde_json::to_vec(&huge).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_wix_error(&body));
    assert_eq!(app.count(Table::Templates).await, 0);
});

on_both_engines!(
    unknown_routes_and_methods_answer_in_wix_format,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let (s, body) = send_raw(&app, Method::GET, "/ecom/v1/nothing-here", vec![]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(is_wix_error(&body));
        let (s, body) = send_raw(&app, Method::PUT, "/ecom/v1/checkout-templates", vec![]).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert!(is_wix_error(&body));
        let (s, body) = app.admin(Method::GET, "/_emulator/health", None).await;
        assert_eq!((s, body), (StatusCode::OK, json!({"status": "ok"})));
        let (s, body) = app.admin(Method::GET, "/_emulator/ready", None).await;
        assert_eq!((s, body), (StatusCode::OK, json!({"status": "ready"})));
    }
);
