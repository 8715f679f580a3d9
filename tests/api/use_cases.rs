//! The two use cases of the API's own documentation, end to end.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

on_both_engines!(flash_sale_through_a_share_link, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let template = app
        .create(json!({
            "lineItems": [{"quantity": 1,
                           "catalogReference": {"catalogItemId": "sneaker", "appId": STORES_APP},
                           "catalogOverrideFields": {"price": "49.90", "productName": {"original": "Sneaker"}}}],
            "couponCode": "FLASH",
            "customization": {"lockedCoupon": true}
        }))
        .await;
    let id = template["id"].as_str().unwrap();

    // Each click lands on a new checkout with the offer.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let (status, location) = app.click(id, SITE_A).await;
        assert_eq!(status, StatusCode::FOUND);
        let location = location.unwrap();
        let checkout_id = checkout_id_in(&location).expect("a checkout URL");
        assert!(seen.insert(checkout_id.clone()));
        let (s, c) = app
            .admin(
                Method::GET,
                &format!("/ecom/v1/checkouts/{checkout_id}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            c["checkout"]["lineItems"][0]["productName"]["original"],
            "Sneaker"
        );
        assert_eq!(c["checkout"]["priceSummary"]["subtotal"]["amount"], "49.9");
        assert_eq!(
            c["checkout"]["appliedDiscounts"][0]["coupon"]["code"],
            "FLASH"
        );
        assert_eq!(c["checkout"]["customSettings"]["lockCouponCode"], true);
    }

    // The sale ends.
    let (s, _) = app
        .admin(
            Method::PATCH,
            &format!("/ecom/v1/checkout-templates/{id}"),
            Some(json!({"checkoutTemplate": {"status": "INACTIVE"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (status, location) = app.click(id, SITE_A).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::FOUND, Some("https://site-a.example.com"))
    );
    assert_eq!(app.count(Table::Checkouts).await, 3);

    // Deleted: still the site.
    app.admin(
        Method::DELETE,
        &format!("/ecom/v1/checkout-templates/{id}"),
        None,
    )
    .await;
    let (_, location) = app.click(id, SITE_A).await;
    assert_eq!(location.as_deref(), Some("https://site-a.example.com"));
});

on_both_engines!(limit_the_number_of_checkouts, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    let path = format!("/ecom/v1/checkout-templates/{id}/create-checkout-from-template");
    let limit = 5;
    let mut bank = Vec::new();
    loop {
        if bank.len() == limit {
            let (s, _) = app
                .admin(
                    Method::PATCH,
                    &format!("/ecom/v1/checkout-templates/{id}"),
                    Some(json!({"checkoutTemplate": {"status": "INACTIVE"}})),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let (s, body) = app
            .admin(Method::POST, &path, Some(json!({"siteId": SITE_A})))
            .await;
        if s != StatusCode::OK {
            assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
            assert_eq!(
                body["details"]["applicationError"]["code"],
                "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE"
            );
            break;
        }
        bank.push(body["checkoutId"].as_str().unwrap().to_string());
    }
    assert_eq!(bank.len(), limit);
    assert_eq!(app.count(Table::Checkouts).await, limit as i64);
});
