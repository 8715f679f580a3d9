//! The emulator's own endpoints: its OpenAPI document, reset, and the Wix error
//! format even for requests axum itself rejects.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

on_both_engines!(the_openapi_document_is_served, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (status, served) = app
        .admin(Method::GET, "/_emulator/openapi.json", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let file: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert_eq!(served, file);
    assert_eq!(served["openapi"], "3.1.0");
});

on_both_engines!(
    a_path_that_is_not_utf8_is_a_wix_error,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let (status, body) = app
            .admin(Method::GET, "/ecom/v1/checkout-templates/%FF", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "INVALID_ARGUMENT"
        );
        assert!(
            body["message"].as_str().unwrap().contains("UTF-8"),
            "{body}"
        );
    }
);

on_both_engines!(the_delivery_log_limit_is_checked, |engine| async move {
    let app = TestApp::spawn(engine).await;
    for (limit, rule) in [("0", "MIN"), ("1001", "MAX"), ("ten", "FORMAT")] {
        let (status, body) = app
            .admin(
                Method::GET,
                &format!("/_emulator/webhook-deliveries?limit={limit}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["details"]["validationError"]["fieldViolations"][0]["violatedRule"],
            rule
        );
    }
});

on_both_engines!(reset_removes_one_sites_data_only, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    app.click(&id, SITE_A).await;
    let (_, other) = app
        .call(
            Method::POST,
            "/ecom/v1/checkout-templates",
            ADMIN_B,
            SITE_B,
            Some(json!({"checkoutTemplate": simple_template()})),
        )
        .await;

    let (status, _) = app
        .call(Method::POST, "/_emulator/reset", VISITOR_A, SITE_A, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Test control goes too: the site's fault rules, and its clock's offset.
    app.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "getCheckout", "delayMs": 1})),
    )
    .await;
    let (status, body) = app.admin(Method::POST, "/_emulator/reset", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["removed"],
        json!({"checkoutTemplates": 1, "checkouts": 1, "events": 2, "faultRules": 1})
    );
    let (_, rules) = app.admin(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(rules["faults"], json!([]));
    let (status, _) = app
        .admin(
            Method::GET,
            &format!("/ecom/v1/checkout-templates/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count(Table::Templates).await,
        1,
        "site B keeps its template"
    );
    let other_id = other["checkoutTemplate"]["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/ecom/v1/checkout-templates/{other_id}"),
            ADMIN_B,
            SITE_B,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
});
