use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

/// Every writable field of the REST type, nested all the way down.
pub fn full_template() -> Value {
    json!({
        "status": "ACTIVE",
        "customization": {
            "webClient": {"disabledContinueShoppingButton": true, "disabledPolicyAgreementCheckbox": true},
            "lockedGiftCard": true,
            "lockedCoupon": true,
            "disabledManualPayment": false
        },
        "lineItems": [{
            "quantity": 3,
            "catalogReference": {"catalogItemId": "c1a9b1f2-0000-4000-8000-000000000001", "appId": STORES_APP,
                                 "options": {"variantId": "v1", "nested": {"a": [1, 2]}}},
            "catalogOverrideFields": {
                "productName": {"original": "Shoe", "translated": "Chaussure"},
                "price": "19.990",
                "fullPrice": "25",
                "descriptionLines": [
                    {"name": {"original": "Size", "translated": "Taille"}, "plainText": {"original": "42", "translated": "42"}},
                    {"name": {"original": "Color"}, "colorInfo": {"original": "Red", "translated": "Rouge", "code": "#ff0000"}}
                ],
                "physicalProperties": {"weight": 1.25, "sku": "SH-42", "shippable": true},
                "image": {"id": "img-1", "height": 100, "width": 200, "altText": "a shoe", "filename": "shoe.png"},
                "paymentOption": {"value": "DEPOSIT_ONLINE"},
                "depositAmount": "5.5",
                "savePaymentMethod": true,
                "inventoryAppId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60"
            }
        }],
        "customLineItems": [{
            "quantity": 2,
            "price": "7.25",
            "priceDescription": {"original": "from", "translated": "à partir de"},
            "descriptionLines": [{"name": {"original": "Note"}, "plainText": {"original": "gift wrap"}}],
            "media": {"id": "m1", "height": 10, "width": 10},
            "taxGroupId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f61",
            "productName": {"original": "Gift wrap"},
            "url": {"relativePath": "/wrap", "url": "https://site-a.example.com/wrap"},
            "itemType": {"preset": "PHYSICAL"},
            "fullPrice": "8",
            "quantityAvailable": 50,
            "physicalProperties": {"weight": 0.1, "sku": "GW", "shippable": false},
            "paymentOption": "FULL_PAYMENT_OFFLINE",
            "serviceProperties": {"scheduledDate": "2026-12-24T10:00:00Z", "numberOfParticipants": 2},
            "rootCatalogItemId": "root-1",
            "depositAmount": "1",
            "deliveryProfileId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f62",
            "catalogReference": {"catalogItemId": "wrap", "appId": "my-app"},
            "priceUndetermined": false,
            "fixedQuantity": true,
            "policies": [{"title": "Returns", "content": "30 days"}],
            "membersOnly": false,
            "taxableAddress": {"addressType": "SHIPPING"},
            "modifierGroups": [{"id": "g1", "name": {"original": "Extras"},
                                "modifiers": [{"id": "mod1", "quantity": 1, "label": {"original": "Bow"}, "details": {"original": "red"}, "price": "0.5"}]}]
        }],
        "couponCode": "SUMMER",
        "customContentReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f63", "componentId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f64"},
        "externalReference": {"appId": "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f65", "resourceId": "pay-link-7"}
    })
}

/// `full_template()` as Wix returns it: everything sent, and the one field it
/// leaves to its default (`savePaymentMethod`, read-only on input).
pub fn returned_full_template() -> Value {
    let mut t = full_template();
    t["customLineItems"][0]["savePaymentMethod"] = json!(false);
    t
}

/// A custom item as returned when only what is required (and a price) was sent.
fn returned_custom_item(name: &str, price: &str) -> Value {
    json!({"quantity": 1, "price": price, "productName": {"original": name}, "itemType": {"preset": "PHYSICAL"},
           "paymentOption": "FULL_PAYMENT_ONLINE", "priceUndetermined": false, "fixedQuantity": false,
           "savePaymentMethod": false, "membersOnly": false})
}

on_both_engines!(every_field_round_trips, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let created = app.create(full_template()).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(checkout_templates::validate::is_guid(&id));
    let mut expected = returned_full_template();
    expected["id"] = json!(id);
    assert_eq!(created, expected, "create returns every field unchanged");

    let (status, got) = app
        .admin(
            Method::GET,
            &format!("/ecom/v1/checkout-templates/{id}?checkoutTemplateId={id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        got["checkoutTemplate"], expected,
        "get returns every field unchanged"
    );
});

// What a client leaves out comes back as Wix's default, in every answer.
on_both_engines!(wix_defaults_come_back_everywhere, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let customization = json!({
        "webClient": {"disabledContinueShoppingButton": false, "disabledPolicyAgreementCheckbox": false},
        "lockedGiftCard": false, "lockedCoupon": false, "disabledManualPayment": false,
    });
    let created = app.create(simple_template()).await;
    let id = created["id"].as_str().unwrap().to_string();
    let mut expected = simple_template();
    expected["id"] = json!(id);
    expected["status"] = json!("ACTIVE");
    expected["customLineItems"] = json!([]);
    expected["customization"] = customization.clone();
    assert_eq!(created, expected, "create");
    let path = format!("/ecom/v1/checkout-templates/{id}");
    assert_eq!(
        app.admin(Method::GET, &path, None).await.1["checkoutTemplate"],
        expected,
        "get"
    );
    let (_, query) = app
        .admin(
            Method::POST,
            "/ecom/v1/checkout-templates/query",
            Some(json!({})),
        )
        .await;
    assert_eq!(query["checkoutTemplates"], json!([expected]), "query");

    // A custom item sent with only its required fields gets its price and flags.
    let (_, updated) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"customLineItems": [
                {"quantity": 1, "productName": {"original": "Free"}, "itemType": {"preset": "PHYSICAL"}}
            ], "lineItems": []}})),
        )
        .await;
    expected["customLineItems"] = json!([returned_custom_item("Free", "0")]);
    expected["lineItems"] = json!([]);
    assert_eq!(updated["checkoutTemplate"], expected, "update");

    // A field mask clearing customization brings the defaults back.
    let (_, updated) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"customization": {"lockedCoupon": true}}})),
        )
        .await;
    assert_eq!(
        updated["checkoutTemplate"]["customization"]["lockedCoupon"],
        true
    );
    let (_, cleared) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {}, "fieldMask": "customization"})),
        )
        .await;
    assert_eq!(cleared["checkoutTemplate"], expected, "cleared by a mask");

    let (_, bulk) = app
        .admin(
            Method::POST,
            "/ecom/v1/bulk/checkout-templates/create",
            Some(json!({"checkoutTemplates": [{"customLineItems": [{"quantity": 1, "productName": {"original": "Free"}, "itemType": {"preset": "PHYSICAL"}}]}], "returnEntity": true})),
        )
        .await;
    let item = &bulk["results"][0]["item"];
    assert_eq!(item["lineItems"], json!([]));
    assert_eq!(item["customization"], customization);
    assert_eq!(
        item["customLineItems"][0],
        returned_custom_item("Free", "0")
    );
});

on_both_engines!(
    create_defaults_status_and_ignores_unknown_and_read_only_fields,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let mut t = simple_template();
        t["id"] = json!("0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60");
        t["somethingNew"] = json!({"x": 1});
        t["lineItems"][0]["unknown"] = json!(true);
        let created = app.create(t).await;
        assert_eq!(created["status"], "ACTIVE");
        assert_ne!(
            created["id"], "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60",
            "id is read-only"
        );
        assert!(created.get("somethingNew").is_none());
        assert!(created["lineItems"][0].get("unknown").is_none());

        let mut t = simple_template();
        t["status"] = json!("UNKNOWN_STATUS");
        assert_eq!(app.create(t).await["status"], "ACTIVE");
        let mut t = simple_template();
        t["status"] = json!("INACTIVE");
        assert_eq!(app.create(t).await["status"], "INACTIVE");
    }
);

on_both_engines!(create_without_items_is_rejected, |engine| async move {
    let app = TestApp::spawn(engine).await;
    for t in [
        json!({}),
        json!({"lineItems": [], "customLineItems": []}),
        json!({"couponCode": "X"}),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates",
                Some(json!({"checkoutTemplate": t})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS"
        );
    }
    assert_eq!(app.count(Table::Templates).await, 0);
    assert_eq!(app.count(Table::Events).await, 0);
});

on_both_engines!(update_changes_only_the_fields_sent, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let created = app.create(full_template()).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/ecom/v1/checkout-templates/{id}");

    // What the SDK sends: the id inside the body too.
    let (status, body) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"status": "INACTIVE", "id": id}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut expected = created.clone();
    expected["status"] = json!("INACTIVE");
    assert_eq!(body["checkoutTemplate"], expected);

    // A nested leaf changes; its siblings stay.
    let (status, body) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"customization": {"lockedCoupon": false}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    expected["customization"]["lockedCoupon"] = json!(false);
    assert_eq!(body["checkoutTemplate"], expected);

    // Arrays are replaced whole.
    let (status, body) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"customLineItems": [
                custom_item("Other", "3")
            ]}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    expected["customLineItems"] = json!([returned_custom_item("Other", "3")]);
    assert_eq!(body["checkoutTemplate"], expected);

    // An explicit field mask clears a field absent from the body.
    let (status, body) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {}, "fieldMask": "couponCode"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    expected.as_object_mut().unwrap().shift_remove("couponCode");
    assert_eq!(body["checkoutTemplate"], expected);

    let (_, got) = app.admin(Method::GET, &path, None).await;
    assert_eq!(got["checkoutTemplate"], expected, "updates are persisted");
});

on_both_engines!(update_error_codes, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let created = app.create(full_template()).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/ecom/v1/checkout-templates/{id}");
    let cases = [
        (
            json!({"checkoutTemplate": {"id": id}}),
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS",
        ),
        (
            json!({"checkoutTemplate": {}}),
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS",
        ),
        (
            json!({"checkoutTemplate": {"status": "UNKNOWN_STATUS"}}),
            "CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS",
        ),
        (
            json!({"checkoutTemplate": {"status": "PAUSED"}}),
            "CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS",
        ),
        (
            json!({"checkoutTemplate": {"lineItems": [], "customLineItems": []}}),
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_EMPTY_ITEMS",
        ),
        (
            json!({"checkoutTemplate": {"externalReference": {"resourceId": "other"}}}),
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD",
        ),
        (
            json!({"checkoutTemplate": {}, "fieldMask": "notAField"}),
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD",
        ),
    ];
    for (body, code) in cases {
        let (status, got) = app.admin(Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {got}");
        assert_eq!(got["details"]["applicationError"]["code"], code, "{body}");
    }
    let (_, got) = app.admin(Method::GET, &path, None).await;
    assert_eq!(
        got["checkoutTemplate"], created,
        "failed updates change nothing"
    );
    assert_eq!(app.count(Table::Events).await, 1, "only the created event");

    // The same external reference again is not a change.
    let same = json!({"checkoutTemplate": {"externalReference": created["externalReference"], "couponCode": "NEW"}});
    let (status, _) = app.admin(Method::PATCH, &path, Some(same)).await;
    assert_eq!(status, StatusCode::OK);
});

on_both_engines!(get_update_delete_unknown_is_404, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let missing = "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60";
    let path = format!("/ecom/v1/checkout-templates/{missing}");
    let (s, b) = app.admin(Method::GET, &path, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(b["details"]["applicationError"]["code"], "NOT_FOUND");
    let (s, _) = app
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"couponCode": "X"}})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = app
        .admin(Method::GET, "/ecom/v1/checkout-templates/not-a-guid", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["details"]["validationError"]["fieldViolations"][0]["violatedRule"],
        "FORMAT"
    );
});

on_both_engines!(delete_removes_and_records_the_event, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    let path = format!("/ecom/v1/checkout-templates/{id}");
    let (s, b) = app.admin(Method::DELETE, &path, None).await;
    assert_eq!((s, b), (StatusCode::OK, json!({})));
    let (s, _) = app.admin(Method::GET, &path, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.count(Table::Templates).await, 0);
    assert_eq!(app.count(Table::Events).await, 2, "created + deleted");
});

on_both_engines!(bulk_create_makes_every_template, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let body =
        json!({"checkoutTemplates": [simple_template(), full_template()], "returnEntity": true});
    let (status, got) = app
        .admin(
            Method::POST,
            "/ecom/v1/bulk/checkout-templates/create",
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        got["bulkActionMetadata"],
        json!({"totalSuccesses": 2, "totalFailures": 0, "undetailedFailures": 0})
    );
    let results = got["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["itemMetadata"]["originalIndex"], i);
        assert_eq!(r["itemMetadata"]["success"], true);
        assert_eq!(r["item"]["id"], r["itemMetadata"]["id"]);
    }
    let mut expected = returned_full_template();
    expected["id"] = results[1]["itemMetadata"]["id"].clone();
    assert_eq!(results[1]["item"], expected);
    assert_eq!(results[0]["item"]["customLineItems"], json!([]));
    assert_eq!(app.count(Table::Templates).await, 2);
    assert_eq!(app.count(Table::Events).await, 2);

    // Without returnEntity, no items.
    let (_, got) = app
        .admin(
            Method::POST,
            "/ecom/v1/bulk/checkout-templates/create",
            Some(json!({"checkoutTemplates": [simple_template()]})),
        )
        .await;
    assert!(got["results"][0].get("item").is_none());

    for body in [
        json!({"checkoutTemplates": []}),
        json!({}),
        json!({"checkoutTemplates": vec![simple_template(); 101]}),
    ] {
        let (status, got) = app
            .admin(
                Method::POST,
                "/ecom/v1/bulk/checkout-templates/create",
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{got}");
        assert!(got["details"]["validationError"].is_object());
    }
    assert_eq!(app.count(Table::Templates).await, 3);
});

// If any template has no items the whole request fails; a schema violation in
// any template fails it too, reported with every violation of every template.
// Either way nothing is written and no event is sent.
on_both_engines!(bulk_create_is_all_or_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let bad_item = json!({"lineItems": [{"quantity": 0, "catalogReference": {"catalogItemId": "x", "appId": STORES_APP}}]});
    let no_type = json!({"customLineItems": [{"quantity": 1, "productName": {"original": "A"}}]});
    let path = "/ecom/v1/bulk/checkout-templates/create";

    let (status, got) = app
        .admin(
            Method::POST,
            path,
            Some(json!({"checkoutTemplates": [simple_template(), {}, full_template()]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{got}");
    assert_eq!(
        got["details"]["applicationError"]["code"],
        "CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS"
    );

    let (status, got) = app
        .admin(
            Method::POST,
            path,
            Some(json!({"checkoutTemplates": [simple_template(), bad_item, {"couponCode": "X"}, no_type]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{got}");
    let fields: Vec<(&str, &str)> = got["details"]["validationError"]["fieldViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["field"].as_str().unwrap(),
                v["violatedRule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("checkoutTemplates[1].lineItems[0].quantity", "MIN"),
            (
                "checkoutTemplates[3].customLineItems[0].itemType",
                "REQUIRED_FIELD"
            ),
        ],
        "violations come before the missing items of [2]"
    );
    assert_eq!(app.count(Table::Templates).await, 0);
    assert_eq!(app.count(Table::Events).await, 0);
});

on_both_engines!(an_empty_field_mask_is_no_mask, |engine| async move {
    // In Wix's field-mask semantics an empty mask is the same as none: the
    // fields sent are the ones that change.
    let app = TestApp::spawn(engine).await;
    let created = app.create(simple_template()).await;
    let path = format!(
        "/ecom/v1/checkout-templates/{}",
        created["id"].as_str().unwrap()
    );
    let masks = [
        json!(""),
        json!(" , "),
        json!([]),
        json!({}),
        json!({"paths": []}),
    ];
    for (i, mask) in masks.into_iter().enumerate() {
        let code = format!("CODE{i}");
        let body = json!({"checkoutTemplate": {"couponCode": code}, "fieldMask": mask});
        let (status, got) = app.admin(Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{mask} -> {got}");
        assert_eq!(got["checkoutTemplate"]["couponCode"], code.as_str());
        assert_eq!(
            got["checkoutTemplate"]["lineItems"], created["lineItems"],
            "{mask}: only what was sent changes"
        );
        // And with nothing sent, nothing is named.
        let body = json!({"checkoutTemplate": {}, "fieldMask": mask});
        let (status, got) = app.admin(Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{mask} -> {got}");
        assert_eq!(
            got["details"]["applicationError"]["code"],
            "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS"
        );
    }
    // A mask holds paths: anything else in it is refused, not skipped.
    for (mask, field) in [
        (json!(["couponCode", 5]), "fieldMask[1]"),
        (json!({"paths": "couponCode"}), "fieldMask.paths"),
    ] {
        let body = json!({"checkoutTemplate": {"couponCode": "Z"}, "fieldMask": mask});
        let (status, got) = app.admin(Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{mask} -> {got}");
        assert_eq!(
            got["details"]["validationError"]["fieldViolations"][0]["field"],
            field
        );
    }
});

on_both_engines!(a_field_mask_cannot_clear_status, |engine| async move {
    // A masked field absent from the body is cleared; for `status` that
    // would be UNKNOWN_STATUS, which no update may set.
    let app = TestApp::spawn(engine).await;
    let mut t = simple_template();
    t["status"] = json!("INACTIVE");
    let created = app.create(t).await;
    let path = format!(
        "/ecom/v1/checkout-templates/{}",
        created["id"].as_str().unwrap()
    );
    for body in [
        json!({"checkoutTemplate": {}, "fieldMask": "status"}),
        json!({"checkoutTemplate": {"status": null}, "fieldMask": {"paths": ["checkoutTemplate.status"]}}),
    ] {
        let (status, got) = app.admin(Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {got}");
        assert_eq!(
            got["details"]["applicationError"]["code"],
            "CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS"
        );
    }
    let (_, got) = app.admin(Method::GET, &path, None).await;
    assert_eq!(got["checkoutTemplate"]["status"], "INACTIVE");
    let body = json!({"checkoutTemplate": {"status": "ACTIVE"}, "fieldMask": "status"});
    let (status, got) = app.admin(Method::PATCH, &path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["checkoutTemplate"]["status"], "ACTIVE");
});
