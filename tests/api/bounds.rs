//! Input that would reach a database limit or a value one engine refuses:
//! the same clear 400 on both engines, checked before any SQL, and nothing
//! changed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;

async fn query(app: &TestApp, filter: Value) -> (StatusCode, Value) {
    app.admin(
        Method::POST,
        "/ecom/v1/checkout-templates/query",
        Some(json!({"query": {"filter": filter}})),
    )
    .await
}

fn violation(body: &Value) -> (&str, &str) {
    let v = &body["details"]["validationError"]["fieldViolations"][0];
    (
        v["field"].as_str().unwrap_or_default(),
        v["violatedRule"].as_str().unwrap_or_default(),
    )
}

on_both_engines!(
    nul_in_a_value_is_a_400_on_both_engines,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;
        for filter in [
            json!({"id": "a\u{0}b"}),
            json!({"id": {"$in": [id.clone(), "\u{0}"]}}),
            json!({"id": {"$startsWith": "\u{0}"}}),
            json!({"status": {"$ne": "ACTIVE\u{0}"}}),
        ] {
            let (status, body) = query(&app, filter.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}: {body}");
            assert_eq!(violation(&body).1, "FORMAT", "{body}");
        }
        for param in ["appId", "eventId", "entityId"] {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/_emulator/webhook-deliveries?{param}=a%00b"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{param}: {body}");
            assert_eq!(violation(&body).0, param);
        }
        let page = app
            .client
            .get(format!(
                "{}/_emulator/sites/{SITE_A}/checkout?checkoutId=%00",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    delivery_log_filters_take_only_known_values,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        for (param, value) in [("state", "AAA"), ("slug", "creatd")] {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/_emulator/webhook-deliveries?{param}={value}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(violation(&body), (param, "INVALID_ENUM_VALUE"));
        }
        let (status, _) = app
            .admin(
                Method::GET,
                "/_emulator/webhook-deliveries?state=pending&slug=created",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
);

on_both_engines!(
    a_bulk_create_of_only_invalid_items_writes_nothing_and_answers,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let bad = json!({"lineItems": [{"quantity": 0, "catalogReference": {"catalogItemId": "i", "appId": STORES_APP}}]});
        let (status, body) = app
            .admin(
                Method::POST,
                "/ecom/v1/bulk/checkout-templates/create",
                Some(json!({"checkoutTemplates": [bad.clone(), bad]})),
            )
            .await;
        // Wix checks every item's annotations before running the request: one
        // 400 naming both, never a statement for no rows (which PostgreSQL refused).
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let fields: Vec<&str> = body["details"]["validationError"]["fieldViolations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.iter().any(|f| f.starts_with("checkoutTemplates[0]")),
            "{body}"
        );
        assert!(
            fields.iter().any(|f| f.starts_with("checkoutTemplates[1]")),
            "{body}"
        );
        assert_eq!(
            app.count(checkout_templates::store::Table::Templates).await,
            0
        );
    }
);

on_both_engines!(
    filters_have_the_same_bounds_on_both_engines,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;
        let ids = |n: usize| -> Vec<String> {
            let mut v: Vec<String> = (0..n - 1)
                .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
                .collect();
            v.push(id.clone());
            v
        };
        let nested =
            |depth: usize| (0..depth).fold(json!({"id": id.clone()}), |f, _| json!({"$and": [f]}));
        let operands =
            |n: usize| -> Vec<Value> { (0..n).map(|_| json!({"id": id.clone()})).collect() };

        // The largest accepted filters work, and find the template.
        for filter in [
            json!({"id": {"$in": ids(1000)}}),
            json!({"id": {"$hasSome": ids(1000)}}),
            json!({"$and": operands(100)}),
            json!({"$or": operands(100)}),
            nested(10),
        ] {
            let (status, body) = query(&app, filter).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["checkoutTemplates"].as_array().unwrap().len(), 1);
        }
        // One more is a 400 naming the limit.
        for (filter, rule, threshold) in [
            (json!({"id": {"$in": ids(1001)}}), "MAX_SIZE", 1000),
            (json!({"$or": operands(101)}), "MAX_SIZE", 100),
            (nested(11), "MAX", 10),
            (json!({"id": {"$in": ids(40_000)}}), "MAX_SIZE", 1000),
            (json!({"$and": operands(1000)}), "MAX_SIZE", 100),
        ] {
            let (status, body) = query(&app, filter).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let v = &body["details"]["validationError"]["fieldViolations"][0];
            assert_eq!(v["violatedRule"], rule, "{body}");
            assert_eq!(v["data"]["threshold"], threshold, "{body}");
        }
    }
);
