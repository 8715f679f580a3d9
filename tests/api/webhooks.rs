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
{FAST_RESENDS}
poll_interval_ms = 50
"#
    )
}

/// The delivery log, polled until `done` holds for it (or 10 s passed).
async fn log_until(app: &TestApp, done: impl Fn(&Value) -> bool) -> Value {
    let mut log = Value::Null;
    for _ in 0..500 {
        let (status, body) = app
            .admin(Method::GET, "/_emulator/webhook-deliveries", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        log = body;
        if done(&log) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    log
}

fn micros_of(timestamp: &Value) -> i128 {
    let t = time::OffsetDateTime::parse(
        timestamp.as_str().expect("a timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    t.unix_timestamp_nanos() / 1000
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
        let mut used_by_visitor = 0;
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
            let identity: Value =
                serde_json::from_str(envelope["identity"].as_str().unwrap()).unwrap();
            if slug == "used" {
                let checkout = &inner["body"]["checkout"];
                assert_eq!(inner["body"]["checkoutTemplate"]["id"], id.as_str());
                assert!(checkout_templates::validate::is_guid(
                    checkout["id"].as_str().unwrap()
                ));
                // The click's checkout was made by its buyer, an anonymous visitor.
                let expected = match checkout["createdBy"].get("visitorId") {
                    Some(visitor) => {
                        assert_eq!(visitor, &checkout["buyerInfo"]["visitorId"]);
                        used_by_visitor += 1;
                        json!({"identityType": "ANONYMOUS_VISITOR", "anonymousVisitorId": visitor})
                    }
                    None => json!({"identityType": "APP", "appId": APP}),
                };
                assert_eq!(identity, expected);
            } else {
                assert_eq!(identity, json!({"identityType": "APP", "appId": APP}));
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
        assert_eq!(used_by_visitor, 1, "the click's");
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

        let log = log_until(&app, |log| log["deliveries"][0]["state"] == "delivered").await;
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
{FAST_RESENDS}
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
        let log = log_until(&app, |log| {
            log["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["state"] == "delivered")
        })
        .await;
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

// Wix's resend policy is the default: a 204 or a 201 is not a delivery; the
// attempt is logged as failed with its status and the next one is due a
// minute after it.
on_both_engines!(
    only_a_200_is_delivered_and_the_first_resend_is_a_minute_later,
    |engine| async move {
        let r = Receiver::start(Fault::Answer(&[204, 201]), Duration::ZERO).await;
        let config = format!(
            "{BASE_CONFIG}\n[[apps]]\nid = \"{APP}\"\nwebhook_url = \"{}\"\n\n[webhooks]\npoll_interval_ms = 50\n",
            r.url
        );
        let app = TestApp::spawn_with(engine, &config).await;
        app.create(simple_template()).await;
        app.create(simple_template()).await;
        let log = log_until(&app, |log| {
            log["deliveries"].as_array().is_some_and(|d| {
                d.len() == 2
                    && d.iter().all(|d| {
                        d["attemptCount"] == 1 && d["attempts"].as_array().unwrap().len() == 1
                    })
            })
        })
        .await;
        let deliveries = log["deliveries"].as_array().unwrap();
        let mut statuses = Vec::new();
        for d in deliveries {
            assert_eq!(d["state"], "pending", "{log}");
            assert_eq!(d["deliveredAt"], Value::Null);
            let attempt = &d["attempts"][0];
            let status = attempt["statusCode"].as_u64().unwrap();
            statuses.push(status);
            assert!(
                attempt["error"]
                    .as_str()
                    .unwrap()
                    .contains(&status.to_string()),
                "{attempt}"
            );
            let wait = micros_of(&d["nextAttemptAt"]) - micros_of(&attempt["attemptedAt"]);
            assert!(
                (59_000_000..=61_000_000).contains(&wait),
                "the next attempt is about 60 s after the failed one, not {wait} µs: {d}"
            );
        }
        statuses.sort();
        assert_eq!(statuses, vec![201, 204]);
        assert!(r.bodies().is_empty());
        assert_eq!(
            r.requests(),
            2,
            "nothing is sent again before the minute is up"
        );
    }
);

on_both_engines!(
    after_the_last_resend_the_delivery_is_failed,
    |engine| async move {
        let r = Receiver::start(Fault::Fail { first: usize::MAX }, Duration::ZERO).await;
        let config = format!(
            "{BASE_CONFIG}\n[[apps]]\nid = \"{APP}\"\nwebhook_url = \"{}\"\n\n[webhooks]\npoll_interval_ms = 50\nretry_schedule_secs = [0.05, 0.1]\n",
            r.url
        );
        let app = TestApp::spawn_with(engine, &config).await;
        app.create(simple_template()).await;
        let log = log_until(&app, |log| log["deliveries"][0]["state"] == "failed").await;
        let d = &log["deliveries"][0];
        assert_eq!(d["state"], "failed", "{log}");
        assert_eq!(d["attemptCount"], 3, "the first attempt and two resends");
        assert_eq!(d["nextAttemptAt"], Value::Null);
        let attempts = d["attempts"].as_array().unwrap();
        assert!(attempts.iter().all(|a| a["statusCode"] == 500));
        let gaps: Vec<i128> = attempts
            .windows(2)
            .map(|w| micros_of(&w[1]["attemptedAt"]) - micros_of(&w[0]["attemptedAt"]))
            .collect();
        assert!(gaps[0] >= 50_000 && gaps[1] >= 100_000, "{gaps:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(r.requests(), 3, "no attempt after the last resend");
    }
);
