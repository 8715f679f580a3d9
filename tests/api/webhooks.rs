//! Webhooks to a real HTTP receiver: every body verifies with the app's public
//! key and parses to the Wix envelope; failures are retried; every attempt is logged.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use crate::receiver::{Fault, Receiver};

const APP: &str = "0a0a0a0a-0000-4000-8000-00000000000a";

fn config(webhook_url: &str) -> String {
    format!(
        r#"{BASE_CONFIG}
[[apps]]
id = "{APP}"
webhook_url = "{webhook_url}"

[webhooks]
retry_schedule_secs = [0.05]
poll_interval_ms = 50
"#
    )
}

/// Verifies a webhook JWT as a subscriber would and returns (envelope, domain event).
fn verify(token: &str, public_pem: &str) -> (Value, Value) {
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[APP]);
    validation.set_issuer(&["wix.com"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("verifies with the public key")
        .claims;
    let envelope: Value =
        serde_json::from_str(claims["data"].as_str().expect("data is a string")).unwrap();
    let event: Value =
        serde_json::from_str(envelope["data"].as_str().expect("data.data is a string")).unwrap();
    (envelope, event)
}

on_both_engines!(
    every_event_arrives_signed_in_the_wix_envelope,
    |engine| async move {
        let r = Receiver::start(Fault::None, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url)).await;
        let pem = app.public_key(APP).await;
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));

        let id = app.create_id(simple_template()).await;
        let path = format!("/ecom/v1/checkout-templates/{id}");
        app.admin(
            Method::PATCH,
            &path,
            Some(json!({"checkoutTemplate": {"couponCode": "A"}})),
        )
        .await;
        let (_, created) = app
            .admin(
                Method::POST,
                &format!("{path}/create-checkout-from-template"),
                Some(json!({"siteId": SITE_A})),
            )
            .await;
        let (s, _) = app.click(&id, SITE_A).await;
        assert_eq!(s, StatusCode::FOUND);
        app.admin(Method::DELETE, &path, None).await;

        let bodies = r.wait_for(5, Duration::from_secs(5)).await;
        assert_eq!(bodies.len(), 5);
        let mut slugs = Vec::new();
        let mut sequences = Vec::new();
        for body in &bodies {
            let (envelope, event) = verify(body, &pem);
            let slug = event["slug"].as_str().unwrap().to_string();
            assert_eq!(
                envelope["eventType"],
                format!("wix.ecom.v1.checkout_template_{slug}")
            );
            assert_eq!(envelope["accountInfo"]["siteId"], SITE_A);
            assert!(envelope["instanceId"]
                .as_str()
                .is_some_and(checkout_templates::validate::is_guid));
            assert!(envelope["identity"].is_string());
            assert_eq!(event["entityFqdn"], "wix.ecom.v1.checkout_template");
            assert_eq!(event["entityId"], id.as_str());
            assert_eq!(event["triggeredByAnonymizeRequest"], false);
            assert!(event["eventTime"].as_str().unwrap().ends_with('Z'));
            let (body_key, object, string) = match slug.as_str() {
                "created" => ("createdEvent", "entity", "entityAsJson"),
                "updated" => ("updatedEvent", "currentEntity", "currentEntityAsJson"),
                "deleted" => ("deletedEvent", "deletedEntity", "deletedEntityAsJson"),
                _ => ("actionEvent", "body", "bodyAsJson"),
            };
            let inner = &event[body_key];
            let parsed: Value = serde_json::from_str(inner[string].as_str().unwrap()).unwrap();
            assert_eq!(inner[object], parsed, "both forms carry the same entity");
            if slug == "used" {
                assert_eq!(inner["body"]["checkoutTemplate"]["id"], id.as_str());
                assert!(checkout_templates::validate::is_guid(
                    inner["body"]["checkout"]["id"].as_str().unwrap()
                ));
            }
            if slug == "updated" {
                assert_eq!(inner["currentEntity"]["couponCode"], "A");
            }
            // Entities carry Wix's defaults, as the API's answers do.
            let entity = match slug.as_str() {
                "used" => &inner["body"]["checkoutTemplate"],
                _ => &inner[object],
            };
            assert_eq!(entity["customLineItems"], json!([]), "{slug}");
            assert_eq!(entity["customization"]["lockedCoupon"], false, "{slug}");
            assert_eq!(
                entity["customization"]["webClient"]["disabledPolicyAgreementCheckbox"], false,
                "{slug}"
            );
            sequences.push((
                event["entityEventSequence"]
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap(),
                slug.clone(),
            ));
            slugs.push(slug);
        }
        slugs.sort();
        assert_eq!(slugs, vec!["created", "deleted", "updated", "used", "used"]);
        sequences.sort();
        let order: Vec<&str> = sequences.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            order,
            vec!["created", "updated", "used", "used", "deleted"],
            "entityEventSequence increases per entity"
        );
        assert!(created["checkoutId"].is_string());
    }
);

on_both_engines!(
    failures_are_retried_with_the_same_event_id_and_logged,
    |engine| async move {
        let r = Receiver::start(Fault::Fail { first: 2 }, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url)).await;
        app.create(simple_template()).await;
        let bodies = r.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(bodies.len(), 1, "delivered after two failures");

        let mut log = json!(null);
        for _ in 0..100 {
            let (s, body) = app
                .admin(Method::GET, "/_emulator/webhook-deliveries", None)
                .await;
            assert_eq!(s, StatusCode::OK);
            log = body;
            if log["deliveries"][0]["state"] == "delivered" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let d = &log["deliveries"][0];
        assert_eq!(d["state"], "delivered", "{log}");
        assert_eq!(d["appId"], APP);
        let attempts = d["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 3);
        assert_eq!(attempts[0]["statusCode"], 500);
        assert_eq!(attempts[1]["statusCode"], 500);
        assert_eq!(attempts[2]["statusCode"], 200);
        assert_eq!(
            attempts
                .iter()
                .map(|a| a["attempt"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            vec![1, 2, 3]
        );

        // Replay sends the same event again, with the same id.
        let (s, _) = app
            .admin(
                Method::POST,
                &format!(
                    "/_emulator/webhook-deliveries/{}/replay",
                    d["id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let bodies = r.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(bodies.len(), 2);
        let pem = app.public_key(APP).await;
        let (_, first) = verify(&bodies[0], &pem);
        let (_, second) = verify(&bodies[1], &pem);
        assert_eq!(first["id"], second["id"]);
        assert_eq!(first["id"], d["event"]["id"]);

        // Another site's admin sees none of it.
        let (_, other) = app
            .call(
                Method::GET,
                "/_emulator/webhook-deliveries",
                ADMIN_B,
                SITE_B,
                None,
            )
            .await;
        assert_eq!(other["deliveries"], json!([]));
        let (s, _) = app
            .call(
                Method::POST,
                &format!(
                    "/_emulator/webhook-deliveries/{}/replay",
                    d["id"].as_str().unwrap()
                ),
                ADMIN_B,
                SITE_B,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    a_receiver_that_hangs_past_the_timeout_still_gets_every_event,
    |engine| async move {
        let r = Receiver::start(
            Fault::Hang {
                first: 3,
                delay: Duration::from_millis(700),
            },
            Duration::ZERO,
        )
        .await;
        let config = format!(
            r#"{BASE_CONFIG}
[[apps]]
id = "{APP}"
webhook_url = "{}"

[webhooks]
timeout_ms = 200
lease_ms = 1500
retry_schedule_secs = [0.05]
poll_interval_ms = 50
"#,
            r.url
        );
        let app = TestApp::spawn_with(engine, &config).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(app.create(simple_template()).await["id"].clone());
        }
        let bodies = r.wait_for(3, Duration::from_secs(10)).await;
        assert_eq!(
            r.event_ids().len(),
            3,
            "every event arrived once the receiver answered in time"
        );
        assert!(bodies.len() >= 3);
        assert!(r.requests() >= 6, "three hung attempts, then three in time");

        // The receiver has the bodies a moment before the dispatcher records them.
        let mut log = json!(null);
        for _ in 0..200 {
            log = app
                .admin(Method::GET, "/_emulator/webhook-deliveries", None)
                .await
                .1;
            if log["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["state"] == "delivered")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let deliveries = log["deliveries"].as_array().unwrap();
        assert_eq!(deliveries.len(), 3);
        for d in deliveries {
            assert_eq!(d["state"], "delivered", "{log}");
        }
        let timed_out = deliveries
            .iter()
            .flat_map(|d| d["attempts"].as_array().unwrap().iter())
            .filter(|a| {
                a["statusCode"].is_null()
                    && a["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("no response within")
            })
            .count();
        // At least the three hung attempts; a loaded machine may time out more.
        assert!(timed_out >= 3, "{log}");
    }
);
