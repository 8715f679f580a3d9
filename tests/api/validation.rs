use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

fn item(quantity: Value) -> Value {
    json!({"quantity": quantity, "catalogReference": {"catalogItemId": "i", "appId": STORES_APP}})
}

fn custom(price: &str) -> Value {
    custom_item("x", price)
}

async fn violations(app: &TestApp, template: Value) -> Vec<(String, String)> {
    let (status, body) = app
        .admin(
            Method::POST,
            "/ecom/v1/checkout-templates",
            Some(json!({"checkoutTemplate": template})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].is_string());
    body["details"]["validationError"]["fieldViolations"]
        .as_array()
        .unwrap_or_else(|| panic!("validation error expected: {body}"))
        .iter()
        .map(|v| {
            (
                v["field"].as_str().unwrap().to_string(),
                v["violatedRule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(v: &[(String, String)], field: &str, rule: &str) -> bool {
    v.iter().any(|(f, r)| f == field && r == rule)
}

on_both_engines!(
    each_rule_family_is_reported_with_its_field,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let t = "checkoutTemplate";
        let cases: Vec<(Value, String, &str)> = vec![
            (
                json!({"lineItems": vec![item(json!(1)); 301]}),
                format!("{t}.lineItems"),
                "MAX_SIZE",
            ),
            (
                json!({"customLineItems": vec![custom("1"); 301]}),
                format!("{t}.customLineItems"),
                "MAX_SIZE",
            ),
            (
                json!({"lineItems": [item(json!(0))]}),
                format!("{t}.lineItems[0].quantity"),
                "MIN",
            ),
            (
                json!({"lineItems": [item(json!(100001))]}),
                format!("{t}.lineItems[0].quantity"),
                "MAX",
            ),
            (
                json!({"lineItems": [item(json!("many"))]}),
                format!("{t}.lineItems[0].quantity"),
                "FORMAT",
            ),
            (
                json!({"lineItems": [item(json!(1.5))]}),
                format!("{t}.lineItems[0].quantity"),
                "FORMAT",
            ),
            (
                json!({"lineItems": [{"quantity": 1, "catalogReference": {"catalogItemId": "x".repeat(37), "appId": STORES_APP}}]}),
                format!("{t}.lineItems[0].catalogReference.catalogItemId"),
                "MAX_LENGTH",
            ),
            (
                json!({"lineItems": [{"quantity": 1, "catalogReference": {"catalogItemId": "", "appId": STORES_APP}}]}),
                format!("{t}.lineItems[0].catalogReference.catalogItemId"),
                "MIN_LENGTH",
            ),
            (
                json!({"lineItems": [{"quantity": 1}]}),
                format!("{t}.lineItems[0].catalogReference"),
                "REQUIRED_FIELD",
            ),
            (
                json!({"lineItems": [item(json!(1))], "externalReference": {"appId": "not-a-guid"}}),
                format!("{t}.externalReference.appId"),
                "FORMAT",
            ),
            (
                json!({"lineItems": [item(json!(1))], "customContentReference": {"componentId": "123"}}),
                format!("{t}.customContentReference.componentId"),
                "FORMAT",
            ),
            (
                json!({"customLineItems": [custom("$5")]}),
                format!("{t}.customLineItems[0].price"),
                "FORMAT",
            ),
            (
                json!({"customLineItems": [custom("1e3")]}),
                format!("{t}.customLineItems[0].price"),
                "FORMAT",
            ),
            (
                json!({"customLineItems": [custom("-1")]}),
                format!("{t}.customLineItems[0].price"),
                "DECIMAL_GTE",
            ),
            (
                json!({"customLineItems": [custom("1000000000000001")]}),
                format!("{t}.customLineItems[0].price"),
                "DECIMAL_LTE",
            ),
            (
                json!({"lineItems": [{"quantity": 1, "catalogReference": {"catalogItemId": "i", "appId": STORES_APP},
                               "catalogOverrideFields": {"price": "1.2345"}}]}),
                format!("{t}.lineItems[0].catalogOverrideFields.price"),
                "DECIMAL_MAX_SCALE",
            ),
            (
                json!({"lineItems": [{"quantity": 1, "catalogReference": {"catalogItemId": "i", "appId": STORES_APP},
                               "catalogOverrideFields": {"depositAmount": "0"}}]}),
                format!("{t}.lineItems[0].catalogOverrideFields.depositAmount"),
                "DECIMAL_GT",
            ),
            (
                json!({"lineItems": [item(json!(1))], "status": "PAUSED"}),
                format!("{t}.status"),
                "INVALID_ENUM_VALUE",
            ),
            (
                json!({"customLineItems": [{"quantity": 1, "price": "1", "productName": {"original": "x"}, "itemType": {"preset": "FOOD"}}]}),
                format!("{t}.customLineItems[0].itemType.preset"),
                "INVALID_ENUM_VALUE",
            ),
            (
                json!({"customLineItems": [{"quantity": 1, "price": "1", "productName": {"original": "x"}, "itemType": {"preset": "SERVICE"},
                                     "serviceProperties": {"scheduledDate": "tomorrow"}}]}),
                format!("{t}.customLineItems[0].serviceProperties.scheduledDate"),
                "FORMAT",
            ),
            (
                json!({"customLineItems": [{"quantity": 1, "price": "1", "productName": {"original": "x"}, "itemType": {"preset": "SERVICE"},
                                     "policies": vec![json!({"content": "c"}); 6]}]}),
                format!("{t}.customLineItems[0].policies"),
                "MAX_SIZE",
            ),
            (
                json!({"customLineItems": [{"quantity": 1, "price": "1", "productName": {"original": "x"}, "itemType": {"preset": "SERVICE"},
                                     "modifierGroups": [{"id": "g", "modifiers": []}]}]}),
                format!("{t}.customLineItems[0].modifierGroups[0].modifiers"),
                "MIN_SIZE",
            ),
            (
                json!({"lineItems": [item(json!(1))], "customization": {"lockedCoupon": "yes"}}),
                format!("{t}.customization.lockedCoupon"),
                "FORMAT",
            ),
            (
                json!({"lineItems": "none"}),
                format!("{t}.lineItems"),
                "FORMAT",
            ),
        ];
        for (template, field, rule) in cases {
            let got = violations(&app, template.clone()).await;
            assert!(
                has(&got, &field, rule),
                "expected {field} {rule}, got {got:?}"
            );
        }
        let (status, body) = app
            .admin(Method::POST, "/ecom/v1/checkout-templates", Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["details"]["validationError"]["fieldViolations"][0]["field"],
            "checkoutTemplate"
        );
        assert_eq!(app.count(Table::Templates).await, 0, "no partial write");
        assert_eq!(app.count(Table::Events).await, 0);
    }
);

// The fields `@requiredField` lists (and the SDK's input type makes
// non-null), each missing at once: every one is reported, with its full path.
on_both_engines!(
    required_fields_are_reported_together_with_full_paths,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let name = json!({"original": "x"});
        let mut got = violations(
            &app,
            json!({
                "lineItems": [{"catalogReference": {}}, {"quantity": 1}],
                "customLineItems": [
                    {"quantity": 1, "price": "1"},
                    {"productName": name, "itemType": {}},
                    {"quantity": 1, "productName": name, "itemType": {"preset": "PHYSICAL", "custom": "poster"}},
                    {"quantity": 1, "productName": name, "itemType": {"preset": null}},
                    {"quantity": 1, "productName": name, "itemType": {"custom": "poster"},
                     "descriptionLines": [{"plainText": {"original": "a"}}, {"name": {"original": "Size"}}]},
                    // Neither id of a custom item's own reference is required, nor its price.
                    {"quantity": 2, "productName": name, "itemType": {"custom": "poster"},
                     "catalogReference": {"options": {"a": 1}}},
                ],
            }),
        )
        .await;
        got.sort();
        let t = "checkoutTemplate";
        let mut expected: Vec<(String, String)> = [
            ("lineItems[0].quantity", "REQUIRED_FIELD"),
            (
                "lineItems[0].catalogReference.catalogItemId",
                "REQUIRED_FIELD",
            ),
            ("lineItems[0].catalogReference.appId", "REQUIRED_FIELD"),
            ("lineItems[1].catalogReference", "REQUIRED_FIELD"),
            ("customLineItems[0].productName", "REQUIRED_FIELD"),
            ("customLineItems[0].itemType", "REQUIRED_FIELD"),
            ("customLineItems[1].quantity", "REQUIRED_FIELD"),
            ("customLineItems[1].itemType", "REQUIRED_FIELD"),
            ("customLineItems[2].itemType", "ONE_OF_ALIGNMENT"),
            ("customLineItems[3].itemType", "REQUIRED_FIELD"),
            (
                "customLineItems[4].descriptionLines[0].name",
                "REQUIRED_FIELD",
            ),
        ]
        .iter()
        .map(|(f, r)| (format!("{t}.{f}"), r.to_string()))
        .collect();
        expected.sort();
        assert_eq!(got, expected);
        assert_eq!(app.count(Table::Templates).await, 0);

        // The last item alone is a valid template: no price, no reference ids.
        let created = app
            .create(json!({"customLineItems": [{"quantity": 2, "productName": name, "itemType": {"custom": "poster"},
                                                "catalogReference": {"options": {"a": 1}}}]}))
            .await;
        assert_eq!(created["customLineItems"][0]["price"], "0");
        assert_eq!(
            created["customLineItems"][0]["catalogReference"],
            json!({"options": {"a": 1}})
        );
    }
);

on_both_engines!(
    all_violations_come_at_once_with_thresholds,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let got = violations(
            &app,
            json!({
                "lineItems": [item(json!(0)), item(json!(200000))],
                "customLineItems": [custom("1.5x")],
                "status": "NOPE",
                "externalReference": {"resourceId": ""}
            }),
        )
        .await;
        assert_eq!(got.len(), 5, "{got:?}");
        let (_, body) = app
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates",
                Some(json!({"checkoutTemplate": {"lineItems": [item(json!(0))]}})),
            )
            .await;
        let v = &body["details"]["validationError"]["fieldViolations"][0];
        assert_eq!(v["data"]["threshold"], 1);
        assert!(v["description"].as_str().unwrap().contains('1'));
    }
);

on_both_engines!(limits_are_inclusive, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let mut t = json!({"lineItems": vec![item(json!(100000)); 300], "customLineItems": vec![custom("1000000000000000"); 300]});
    t["lineItems"][0]["catalogOverrideFields"] = json!({"price": "999999999.000"});
    let created = app.create(t).await;
    assert_eq!(created["lineItems"].as_array().unwrap().len(), 300);
    assert_eq!(created["customLineItems"].as_array().unwrap().len(), 300);
    // Proto JSON accepts integers as strings; they come back as numbers.
    let created = app.create(json!({"lineItems": [item(json!("7"))]})).await;
    assert_eq!(created["lineItems"][0]["quantity"], 7);
});

on_both_engines!(
    integer_strings_take_a_sign_but_no_spaces,
    |engine| async move {
        // As Wix's proto3 JSON parser reads an int32 given as a string.
        let app = TestApp::spawn(engine).await;
        let t = app.create(json!({"lineItems": [item(json!("+02"))]})).await;
        assert_eq!(t["lineItems"][0]["quantity"], 2);
        for padded in [" 2", "2 ", "\t2"] {
            let v = violations(&app, json!({"lineItems": [item(json!(padded))]})).await;
            assert!(
                has(&v, "checkoutTemplate.lineItems[0].quantity", "FORMAT"),
                "{padded:?}: {v:?}"
            );
        }
    }
);
