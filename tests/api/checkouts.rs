use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;

use crate::harness::*;
use crate::on_both_engines;
use crate::templates::full_template;
use checkout_templates::store::Table;

fn create_path(id: &str) -> String {
    format!("/ecom/v1/checkout-templates/{id}/create-checkout-from-template")
}

async fn checkout_from(app: &TestApp, template_id: &str) -> (StatusCode, Value) {
    app.admin(
        Method::POST,
        &create_path(template_id),
        Some(json!({"checkoutTemplateId": template_id, "siteId": SITE_A})),
    )
    .await
}

async fn fetch_checkout(app: &TestApp, id: &str) -> Value {
    let (s, body) = app
        .admin(Method::GET, &format!("/ecom/v1/checkouts/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["checkout"].clone()
}

on_both_engines!(checkout_carries_the_template, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let template = app.create(full_template()).await;
    let id = template["id"].as_str().unwrap();
    let (status, created) = checkout_from(&app, id).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let checkout_id = created["checkoutId"].as_str().unwrap();
    // Wix's documented shape: the id in URL-encoded JSON.
    assert_eq!(
        created["checkoutUrl"],
        format!("https://site-a.example.com/checkout?appSectionParams=%7B%22checkoutId%22%3A%22{checkout_id}%22%7D")
    );
    assert_eq!(
        checkout_id_in(created["checkoutUrl"].as_str().unwrap()).as_deref(),
        Some(checkout_id)
    );
    let checkout = fetch_checkout(&app, checkout_id).await;
    assert_eq!(checkout["id"], checkout_id);
    assert_eq!(checkout["purchaseFlowId"], created["purchaseFlowId"]);
    assert!(checkout["createdDate"].as_str().unwrap().ends_with('Z'));

    let lines = checkout["lineItems"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let line_ids: HashSet<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(line_ids.len(), 2);
    assert!(line_ids
        .iter()
        .all(|i| checkout_templates::validate::is_guid(i)));
    assert_eq!(lines[0]["quantity"], 3);
    assert_eq!(
        lines[0]["catalogReference"],
        template["lineItems"][0]["catalogReference"]
    );
    assert_eq!(lines[0]["productName"]["original"], "Shoe");
    assert_eq!(lines[0]["price"]["amount"], "19.99");
    assert_eq!(lines[0]["lineItemPrice"]["amount"], "59.97");
    assert_eq!(lines[0]["fullPrice"]["amount"], "25");
    assert_eq!(lines[0]["customLineItem"], false);
    assert_eq!(
        lines[0]["catalogOverrideFields"],
        template["lineItems"][0]["catalogOverrideFields"]
    );
    assert_eq!(lines[1]["customLineItem"], true);
    assert_eq!(lines[1]["lineItemPrice"]["amount"], "14.5");
    assert_eq!(lines[1]["productName"]["original"], "Gift wrap");

    // 3 × 19.990 + 2 × 7.25, exactly.
    assert_eq!(checkout["priceSummary"]["subtotal"]["amount"], "74.47");
    assert_eq!(
        checkout["priceSummary"]["subtotal"]["formattedAmount"],
        "$74.47"
    );
    assert_eq!(checkout["priceSummary"]["total"]["amount"], "74.47");
    // No coupons configured: the code is kept, worth nothing.
    assert_eq!(checkout["appliedDiscounts"][0]["coupon"]["code"], "SUMMER");
    assert_eq!(
        checkout["appliedDiscounts"][0]["coupon"]["amount"]["amount"],
        "0"
    );
    assert_eq!(
        checkout["customSettings"],
        json!({"lockGiftCard": true, "lockCouponCode": true, "disabledPolicyAgreementCheckbox": true, "disabledManualPayment": false})
    );
    assert_eq!(
        checkout["customContentReference"],
        template["customContentReference"]
    );
    assert_eq!(checkout["externalReference"], template["externalReference"]);
    assert_eq!(app.count(Table::Checkouts).await, 1);
    assert_eq!(app.count(Table::Events).await, 2, "created + used");
});

on_both_engines!(
    later_updates_do_not_change_existing_checkouts,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let template = app.create(full_template()).await;
        let id = template["id"].as_str().unwrap();
        let (_, created) = checkout_from(&app, id).await;
        let checkout_id = created["checkoutId"].as_str().unwrap();
        let before = fetch_checkout(&app, checkout_id).await;
        let (s, _) = app
        .admin(
            Method::PATCH,
            &format!("/ecom/v1/checkout-templates/{id}"),
            Some(json!({"checkoutTemplate": {"customLineItems": [{"quantity": 9, "price": "100", "productName": {"original": "New"}, "itemType": {"custom": "poster"}}]}})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(fetch_checkout(&app, checkout_id).await, before);
        let (_, newer) = checkout_from(&app, id).await;
        let after = fetch_checkout(&app, newer["checkoutId"].as_str().unwrap()).await;
        assert_eq!(after["lineItems"][1]["quantity"], 9);
    }
);

// Wix requires `siteId` in Create Checkout From Template; a site other than
// the caller's stays 403.
on_both_engines!(site_id_is_required, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    for body in [
        json!({}),
        json!({"checkoutTemplateId": id}),
        json!({"siteId": null}),
        json!({"siteId": ""}),
    ] {
        let (s, got) = app
            .admin(Method::POST, &create_path(&id), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {got}");
        assert_eq!(
            got["details"]["validationError"]["fieldViolations"],
            json!([{"field": "siteId", "description": "is required", "violatedRule": "REQUIRED_FIELD"}]),
            "{body}"
        );
    }
    let (s, got) = app
        .admin(
            Method::POST,
            &create_path(&id),
            Some(json!({"siteId": SITE_B})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{got}");
    assert_eq!(
        got["details"]["applicationError"]["code"],
        "PERMISSION_DENIED"
    );
    assert_eq!(app.count(Table::Checkouts).await, 0);
    assert_eq!(app.count(Table::Events).await, 1, "only the created event");
    let (s, _) = checkout_from(&app, &id).await;
    assert_eq!(s, StatusCode::OK);
});

on_both_engines!(
    inactive_template_is_428_and_changes_nothing,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let mut t = simple_template();
        t["status"] = json!("INACTIVE");
        let id = app.create_id(t).await;
        let (s, body) = checkout_from(&app, &id).await;
        assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE"
        );
        assert_eq!(app.count(Table::Checkouts).await, 0);
        assert_eq!(app.count(Table::Events).await, 1);
        let (s, _) = checkout_from(&app, "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .admin(
                Method::GET,
                "/ecom/v1/checkouts/0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60",
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

const CATALOG: &str = r#"
[[catalog]]
app_id = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
catalog_item_id = "tee"
name = "T-shirt"
price = "12.345"
inventory = 5

[[catalog]]
app_id = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
catalog_item_id = "mug"
name = "Mug"
price = "8"

[[coupons]]
code = "TENOFF"
percent_off = "10"

[[coupons]]
code = "FIVE"
amount_off = "5"
"#;

fn catalog_template(items: &[(&str, i64)], coupon: Option<&str>) -> Value {
    let lines: Vec<Value> = items
        .iter()
        .map(|(id, q)| json!({"quantity": q, "catalogReference": {"catalogItemId": id, "appId": STORES_APP}}))
        .collect();
    let mut t = json!({"lineItems": lines});
    if let Some(c) = coupon {
        t["couponCode"] = json!(c);
    }
    t
}

on_both_engines!(catalog_prices_inventory_and_coupons, |engine| async move {
    let app = TestApp::spawn_with(engine, &format!("{BASE_CONFIG}{CATALOG}")).await;

    let id = app
        .create_id(catalog_template(&[("tee", 2), ("mug", 1)], Some("TENOFF")))
        .await;
    let (s, created) = checkout_from(&app, &id).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let c = fetch_checkout(&app, created["checkoutId"].as_str().unwrap()).await;
    assert_eq!(c["lineItems"][0]["productName"]["original"], "T-shirt");
    assert_eq!(c["lineItems"][0]["availability"]["quantityAvailable"], 5);
    // 2 × 12.345 + 8 = 32.69; 10% = 3.269 → 3.27; total 29.42.
    assert_eq!(c["priceSummary"]["subtotal"]["amount"], "32.69");
    assert_eq!(c["priceSummary"]["discount"]["amount"], "3.27");
    assert_eq!(c["priceSummary"]["total"]["amount"], "29.42");
    assert_eq!(
        c["appliedDiscounts"][0]["coupon"]["amount"]["amount"],
        "3.27"
    );
    assert_eq!(
        c["appliedDiscounts"][0]["lineItemIds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let id = app
        .create_id(catalog_template(&[("mug", 1)], Some("FIVE")))
        .await;
    let (_, created) = checkout_from(&app, &id).await;
    let c = fetch_checkout(&app, created["checkoutId"].as_str().unwrap()).await;
    assert_eq!(c["priceSummary"]["total"]["amount"], "3");

    // Once coupons are configured, an unknown code is not applied.
    let id = app
        .create_id(catalog_template(&[("mug", 1)], Some("NOPE")))
        .await;
    let (_, created) = checkout_from(&app, &id).await;
    let c = fetch_checkout(&app, created["checkoutId"].as_str().unwrap()).await;
    assert_eq!(c["appliedDiscounts"], json!([]));
    assert_eq!(c["priceSummary"]["total"]["amount"], "8");

    let checkouts = app.count(Table::Checkouts).await;
    let events = app.count(Table::Events).await;
    let id = app.create_id(catalog_template(&[("ghost", 1)], None)).await;
    let (s, body) = checkout_from(&app, &id).await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "ITEM_NOT_FOUND_IN_CATALOG"
    );
    let id = app
        .create_id(catalog_template(&[("tee", 4), ("tee", 2)], None))
        .await;
    let (s, body) = checkout_from(&app, &id).await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "INSUFFICIENT_INVENTORY"
    );
    assert_eq!(
        body["details"]["applicationError"]["data"]["quantityAvailable"],
        5
    );
    assert_eq!(
        app.count(Table::Checkouts).await,
        checkouts,
        "no checkout written on error"
    );
    assert_eq!(
        app.count(Table::Events).await,
        events + 2,
        "only the two created events"
    );
});

on_both_engines!(parallel_checkouts_are_all_distinct, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    let calls = (0..100).map(|_| checkout_from(&app, &id));
    let results = futures::future::join_all(calls).await;
    let ids: HashSet<String> = results
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, StatusCode::OK, "{b}");
            b["checkoutId"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 100);
    assert_eq!(app.count(Table::Checkouts).await, 100);
    assert_eq!(
        app.count(Table::Events).await,
        101,
        "one created + one used per checkout"
    );
});

const MAKER_APP: &str = "0a0a0a0a-0000-4000-8000-0000000000c1";

fn amount(v: &Value) -> rust_decimal::Decimal {
    v["amount"].as_str().unwrap().parse().unwrap()
}

// The checkout as the REST `Checkout` type has it: the fields it always has,
// who made it, the coupon spread over the lines, what is paid now and later,
// modifiers, availability, and a checkout URL of Wix's shape that the
// emulator's checkout page reads.
on_both_engines!(
    the_checkout_is_complete_as_the_checkout_type_has_it,
    |engine| async move {
        let config = format!("{BASE_CONFIG}{CATALOG}\n[[apps]]\nid = \"{MAKER_APP}\"\n");
        let app = TestApp::spawn_with(engine, &config).await;
        let id = app
            .create_id(json!({
                "lineItems": [
                    {"quantity": 2, "catalogReference": {"catalogItemId": "tee", "appId": STORES_APP}},
                    {"quantity": 1, "catalogReference": {"catalogItemId": "mug", "appId": STORES_APP},
                     "catalogOverrideFields": {"paymentOption": {"value": "DEPOSIT_ONLINE"}, "depositAmount": "3",
                                               "savePaymentMethod": true,
                                               "descriptionLines": [{"name": {"original": "Glaze"}, "colorInfo": {"original": "Blue"}}]}},
                ],
                "customLineItems": [
                    {"quantity": 2, "price": "10", "productName": {"original": "Engraving"}, "itemType": {"custom": "service"},
                     "paymentOption": "FULL_PAYMENT_OFFLINE", "quantityAvailable": 1,
                     "modifierGroups": [{"id": "g", "name": {"original": "Font"},
                                         "modifiers": [{"id": "m", "label": {"original": "Gothic"}, "price": "1.5"}]}]},
                    {"quantity": 1, "productName": {"original": "Quote"}, "itemType": {"preset": "DIGITAL"}},
                ],
                "couponCode": "TENOFF",
            }))
            .await;
        let (s, created) = checkout_from(&app, &id).await;
        assert_eq!(s, StatusCode::OK, "{created}");
        let c = fetch_checkout(&app, created["checkoutId"].as_str().unwrap()).await;
        let lines = c["lineItems"].as_array().unwrap();

        // Always there: translated names, description lines, the line flags.
        let names: Vec<&Value> = lines.iter().map(|l| &l["productName"]).collect();
        assert_eq!(
            names[0],
            &json!({"original": "T-shirt", "translated": "T-shirt"})
        );
        assert_eq!(
            names[3],
            &json!({"original": "Quote", "translated": "Quote"})
        );
        assert_eq!(lines[0]["descriptionLines"], json!([]));
        assert_eq!(
            lines[1]["descriptionLines"],
            json!([{"name": {"original": "Glaze", "translated": "Glaze"}, "colorInfo": {"original": "Blue", "translated": "Blue"}}])
        );
        for (i, line) in lines.iter().enumerate() {
            for flag in ["priceUndetermined", "fixedQuantity", "membersOnly"] {
                assert_eq!(line[flag], false, "line {i} {flag}");
            }
            let save = i == 1;
            assert_eq!(
                line["savePaymentMethod"], save,
                "catalogOverrideFields.savePaymentMethod carries over"
            );
        }
        assert_eq!(
            c["membershipOptions"],
            json!({"eligibleMemberships": [], "invalidMemberships": [], "selectedMemberships": {"memberships": []}})
        );

        // A custom item without a price is priced 0, as its template says.
        assert_eq!(lines[3]["price"]["amount"], "0");
        // Modifiers and availability.
        assert_eq!(
            lines[2]["modifierGroups"][0]["modifiers"][0]["price"]["amount"],
            "1.5"
        );
        assert_eq!(lines[2]["modifierGroups"][0]["name"]["translated"], "Font");
        assert_eq!(lines[2]["modifiersTotalPrice"]["amount"], "1.5");
        assert_eq!(
            lines[0]["availability"],
            json!({"status": "AVAILABLE", "quantityAvailable": 5})
        );
        assert_eq!(
            lines[2]["availability"],
            json!({"status": "PARTIALLY_AVAILABLE", "quantityAvailable": 1})
        );
        assert_eq!(lines[3]["availability"], json!({"status": "AVAILABLE"}));

        // Who: an API-key call is its app, the buyer a visitor of its own.
        assert_eq!(c["createdBy"], json!({"appId": MAKER_APP}));
        assert!(checkout_templates::validate::is_guid(
            c["buyerInfo"]["visitorId"].as_str().unwrap()
        ));

        // 2 × 12.345 + 8 + 2 × 10 + 0 = 52.69; 10 % = 5.269 → 5.27, spread in
        // proportion, rounded down to the cent, the cent left to the largest remainder.
        let summary = &c["priceSummary"];
        assert_eq!(summary["subtotal"]["amount"], "52.69");
        assert_eq!(summary["discount"]["amount"], "5.27");
        assert_eq!(summary["total"]["amount"], "47.42");
        let discounts: Vec<&str> = lines
            .iter()
            .map(|l| l["discount"]["amount"].as_str().unwrap())
            .collect();
        assert_eq!(discounts, vec!["2.47", "0.8", "2", "0"]);
        let sum: rust_decimal::Decimal = lines.iter().map(|l| amount(&l["discount"])).sum();
        assert_eq!(
            sum,
            amount(&summary["discount"]),
            "line discounts sum exactly to the discount"
        );
        for line in lines {
            let after = amount(&line["lineItemPrice"]) - amount(&line["discount"]);
            assert_eq!(amount(&line["totalPriceBeforeTax"]), after);
            assert_eq!(amount(&line["totalPriceAfterTax"]), after);
        }
        // Now: the tee (24.69 less 2.47) and the mug's deposit 3; later: the rest of
        // the mug (5 less 0.80) and the offline engraving (20 less 2).
        let pay = |p: &Value| {
            (
                p["subtotal"]["amount"].clone(),
                p["discount"]["amount"].clone(),
                p["total"]["amount"].clone(),
            )
        };
        assert_eq!(
            pay(&c["payNow"]),
            (json!("27.69"), json!("2.47"), json!("25.22"))
        );
        assert_eq!(
            pay(&c["payLater"]),
            (json!("25"), json!("2.8"), json!("22.2"))
        );

        // A share-link click is a visitor, a new one each time, who is the buyer.
        let mut visitors = Vec::new();
        for _ in 0..2 {
            let (_, location) = app.click(&id, SITE_A).await;
            let clicked = fetch_checkout(&app, &checkout_id_in(&location.unwrap()).unwrap()).await;
            let visitor = clicked["buyerInfo"]["visitorId"].clone();
            assert!(checkout_templates::validate::is_guid(
                visitor.as_str().unwrap()
            ));
            assert_eq!(clicked["createdBy"], json!({"visitorId": visitor}));
            visitors.push(visitor);
        }
        assert_ne!(visitors[0], visitors[1]);

        // The emulator's checkout page reads Wix's checkout URL.
        let url = reqwest::Url::parse(created["checkoutUrl"].as_str().unwrap()).unwrap();
        let (s, page) = app
            .admin(
                Method::GET,
                &format!(
                    "/_emulator/sites/{SITE_A}/checkout?{}",
                    url.query().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.as_str().unwrap().contains("T-shirt"), "{page}");
        let (s, _) = app
            .admin(
                Method::GET,
                &format!(
                    "/_emulator/sites/{SITE_A}/checkout?checkoutId={}",
                    created["checkoutId"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "the old shape is not read");
    }
);

// Amounts at the edges of what the types allow (a custom item's deposit has
// no bound, a price any number of decimal places) are priced without a
// fault: sums and products that would not fit a decimal saturate, and the
// discount is shared out in units a decimal can count.
on_both_engines!(extreme_amounts_never_fail_a_checkout, |engine| async move {
    let app = TestApp::spawn_with(engine, &format!("{BASE_CONFIG}{CATALOG}")).await;
    let item = |price: &str, quantity: i64, extra: Value| {
        let mut item = json!({"quantity": quantity, "price": price, "productName": {"original": "Edge"}, "itemType": {"preset": "PHYSICAL"}});
        item.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        item
    };
    let templates = [
        // The deposit the fuzzer found: -7.9e28 for each of 100,000.
        json!({"customLineItems": [item("1", 100_000, json!({"depositAmount": "-79228162514264337593543950335.2366", "paymentOption": "DEPOSIT_ONLINE"}))]}),
        json!({"customLineItems": [item("1000000000000000", 100_000, json!({"depositAmount": "79228162514264337593543950335", "paymentOption": "DEPOSIT_ONLINE"}))]}),
        // A 10 % coupon over a price of 28 decimal places and a very large line.
        json!({"couponCode": "TENOFF", "customLineItems": [
            item("0.0000000000000000000000000001", 1, json!({})),
            item("1000000000000000", 100_000, json!({})),
        ]}),
    ];
    for template in templates {
        let id = app.create_id(template.clone()).await;
        let (status, created) = checkout_from(&app, &id).await;
        assert_eq!(status, StatusCode::OK, "{template}: {created}");
        let c = fetch_checkout(&app, created["checkoutId"].as_str().unwrap()).await;
        assert!(c["priceSummary"]["total"]["amount"].is_string(), "{c}");
        let (status, _) = app.click(&id, SITE_A).await;
        assert_eq!(status, StatusCode::FOUND);
    }
});
