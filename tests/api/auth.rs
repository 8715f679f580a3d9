use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    assert!(resp.headers().contains_key("x-wix-request-id"));
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

type Headers<'a> = Vec<(&'a str, &'a str)>;

on_both_engines!(credentials_are_checked, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let q = "/ecom/v1/checkout-templates/query";
    let cases: Vec<(Headers, StatusCode, &str)> = vec![
        (vec![], StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        (
            vec![("wix-site-id", SITE_A)],
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            vec![("Authorization", "wrong"), ("wix-site-id", SITE_A)],
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            vec![("Authorization", "Bearer wrong"), ("wix-site-id", SITE_A)],
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            vec![("Authorization", ADMIN_A), ("wix-site-id", SITE_B)],
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
        ),
        (
            vec![("Authorization", ADMIN_AB)],
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
        ),
        (
            vec![("Authorization", VISITOR_A), ("wix-site-id", SITE_A)],
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
        ),
    ];
    for (headers, status, code) in cases {
        let (s, body) = raw(&app, Method::POST, q, &headers, Some(json!({}))).await;
        assert_eq!(s, status, "{headers:?} -> {body}");
        assert_eq!(body["details"]["applicationError"]["code"], code);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    for headers in [
        vec![("Authorization", ADMIN_A), ("wix-site-id", SITE_A)],
        vec![
            ("Authorization", &*format!("Bearer {ADMIN_A}")),
            ("wix-site-id", SITE_A),
        ],
        vec![("Authorization", ADMIN_A)],
        vec![("Authorization", ADMIN_AB), ("wix-site-id", SITE_B)],
    ] {
        let (s, body) = raw(&app, Method::POST, q, &headers, Some(json!({}))).await;
        assert_eq!(s, StatusCode::OK, "{headers:?} -> {body}");
    }
});

on_both_engines!(
    visitors_may_only_create_and_read_checkouts,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;
        let v = |m: Method, p: String, b: Option<Value>| {
            let app = &app;
            async move { app.call(m, &p, VISITOR_A, SITE_A, b).await }
        };
        let (s, created) = v(
            Method::POST,
            format!("/ecom/v1/checkout-templates/{id}/create-checkout-from-template"),
            Some(json!({"siteId": SITE_A})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{created}");
        let (s, _) = v(
            Method::GET,
            format!(
                "/ecom/v1/checkouts/{}",
                created["checkoutId"].as_str().unwrap()
            ),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let forbidden = [
            (
                Method::POST,
                "/ecom/v1/checkout-templates".to_string(),
                Some(json!({"checkoutTemplate": simple_template()})),
            ),
            (
                Method::POST,
                "/ecom/v1/bulk/checkout-templates/create".to_string(),
                Some(json!({"checkoutTemplates": [simple_template()]})),
            ),
            (
                Method::GET,
                format!("/ecom/v1/checkout-templates/{id}"),
                None,
            ),
            (
                Method::PATCH,
                format!("/ecom/v1/checkout-templates/{id}"),
                Some(json!({"checkoutTemplate": {"status": "INACTIVE"}})),
            ),
            (
                Method::DELETE,
                format!("/ecom/v1/checkout-templates/{id}"),
                None,
            ),
            (
                Method::POST,
                "/ecom/v1/checkout-templates/query".to_string(),
                Some(json!({})),
            ),
        ];
        for (m, p, b) in forbidden {
            let (s, body) = v(m.clone(), p.clone(), b).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {p}");
            assert_eq!(
                body["details"]["applicationError"]["code"],
                "PERMISSION_DENIED"
            );
        }
        assert_eq!(app.count(Table::Templates).await, 1);
        let (_, t) = app
            .admin(
                Method::GET,
                &format!("/ecom/v1/checkout-templates/{id}"),
                None,
            )
            .await;
        assert_eq!(t["checkoutTemplate"]["status"], "ACTIVE");
    }
);

on_both_engines!(sites_never_see_each_other, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    let (_, created) = app
        .admin(
            Method::POST,
            &format!("/ecom/v1/checkout-templates/{id}/create-checkout-from-template"),
            Some(json!({"siteId": SITE_A})),
        )
        .await;
    let checkout_id = created["checkoutId"].as_str().unwrap().to_string();
    let b = |m: Method, p: String, body: Option<Value>| {
        let app = &app;
        async move { app.call(m, &p, ADMIN_B, SITE_B, body).await }
    };
    let path = format!("/ecom/v1/checkout-templates/{id}");
    assert_eq!(
        b(Method::GET, path.clone(), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b(
            Method::PATCH,
            path.clone(),
            Some(json!({"checkoutTemplate": {"status": "INACTIVE"}}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b(Method::DELETE, path.clone(), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b(
            Method::POST,
            format!("{path}/create-checkout-from-template"),
            Some(json!({"siteId": SITE_B}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b(
            Method::GET,
            format!("/ecom/v1/checkouts/{checkout_id}"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (s, q) = b(
        Method::POST,
        "/ecom/v1/checkout-templates/query".into(),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(q["checkoutTemplates"], json!([]));
    // A body siteId naming another site is refused, not honoured.
    let (s, _) = app
        .admin(
            Method::POST,
            &format!("{path}/create-checkout-from-template"),
            Some(json!({"siteId": SITE_B})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count(Table::Checkouts).await, 1);
    let (_, t) = app.admin(Method::GET, &path, None).await;
    assert_eq!(t["checkoutTemplate"]["status"], "ACTIVE");
});

on_both_engines!(
    share_link_redirects_only_within_the_site,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;

        let (s, location) = app.click(&id, SITE_A).await;
        assert_eq!(s, StatusCode::FOUND);
        let location = location.unwrap();
        assert!(
            location.starts_with("https://site-a.example.com/checkout?appSectionParams="),
            "{location}"
        );
        assert!(checkout_id_in(&location).is_some(), "{location}");

        // Site B's link to site A's template: B's own page, no checkout.
        let (s, location) = app.click(&id, SITE_B).await;
        assert_eq!(
            (s, location.as_deref()),
            (StatusCode::FOUND, Some("https://site-b.example.com/shop/"))
        );
        let (s, location) = app
            .click("0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60", SITE_A)
            .await;
        assert_eq!(
            (s, location.as_deref()),
            (StatusCode::FOUND, Some("https://site-a.example.com"))
        );
        let (s, location) = app.click("not-a-guid", SITE_A).await;
        assert_eq!(
            (s, location.as_deref()),
            (StatusCode::FOUND, Some("https://site-a.example.com"))
        );
        assert_eq!(app.count(Table::Checkouts).await, 1);

        let (s, location) = app.click(&id, "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60").await;
        assert_eq!((s, location), (StatusCode::NOT_FOUND, None));
        let resp = app
            .client
            .get(format!(
                "{}/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["details"]["validationError"]["fieldViolations"][0]["field"],
            "siteId"
        );
        assert_eq!(app.count(Table::Checkouts).await, 1);
    }
);
