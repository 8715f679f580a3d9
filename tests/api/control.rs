//! Test control over HTTP, on both engines: sites on demand, a clock per
//! site, fault rules, snapshots and seeds, test events, waiting on the
//! delivery log, the journal; and two instances on one PostgreSQL agreeing.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;
use crate::receiver::{unverified_event_id, Fault, Receiver};

const APP: &str = "0c0c0c0c-0000-4000-8000-00000000000c";

/// The base config, an app whose webhooks go to `hook`, and `webhooks`
/// lines (Wix's resend schedule unless they say otherwise).
fn config(hook: &str, webhooks: &str) -> String {
    format!(
        r#"{BASE_CONFIG}
[[apps]]
id = "{APP}"
webhook_url = "{hook}"

[webhooks]
poll_interval_ms = 50
{webhooks}
"#
    )
}

fn template(name: &str) -> Value {
    json!({"customLineItems": [custom_item(name, "10.00")]})
}

/// A site made on demand: its id and its admin and visitor keys.
struct Made {
    id: String,
    admin: String,
    visitor: String,
}

async fn make_site(app: &TestApp, body: Value) -> Made {
    let (status, made) = app
        .admin(Method::POST, "/_emulator/sites", Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    Made {
        id: made["site"]["id"].as_str().unwrap().into(),
        admin: made["keys"]["admin"].as_str().unwrap().into(),
        visitor: made["keys"]["visitor"].as_str().unwrap().into(),
    }
}

impl Made {
    async fn call(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        app.call(method, path, &self.admin, &self.id, body).await
    }

    async fn create(&self, app: &TestApp, name: &str) -> String {
        let (status, body) = self
            .call(
                app,
                Method::POST,
                "/ecom/v1/checkout-templates",
                Some(json!({"checkoutTemplate": template(name)})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["checkoutTemplate"]["id"].as_str().unwrap().to_string()
    }
}

/// The status of a GET of `path` with `key` on `site`.
async fn status_of(app: &TestApp, path: &str, key: &str, site: &str) -> StatusCode {
    app.call(Method::GET, path, key, site, None).await.0
}

/// A request whose answer the OpenAPI document cannot know (a fault rule
/// chose it): status, `Retry-After`, body.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    site: &str,
    body: Option<Value>,
) -> Result<(StatusCode, Option<String>, Value), reqwest::Error> {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("Authorization", key)
        .header("wix-site-id", site);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await?;
    Ok((
        status,
        retry,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    ))
}

fn micros(timestamp: &Value) -> i64 {
    let t = time::OffsetDateTime::parse(
        timestamp.as_str().expect("a timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (t.unix_timestamp_nanos() / 1000) as i64
}

fn machine_now() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

/// The site's deliveries once `n` match `query`, waiting on the log itself.
async fn deliveries(app: &TestApp, key: &str, site: &str, query: &str, n: usize) -> Vec<Value> {
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/_emulator/webhook-deliveries?{query}&waitFor={n}&timeoutMs=10000"),
            key,
            site,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["deliveries"].as_array().unwrap().clone()
}

on_both_engines!(
    sites_on_demand_are_namespaces_of_their_own,
    |engine| async move {
        let r = Receiver::start(Fault::None, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        let site = make_site(&app, json!({})).await;
        assert_ne!(site.id, SITE_A);
        let t = site.create(&app, "Own").await;

        // Its keys see only it; site A's keys do not see it.
        let path = format!("/ecom/v1/checkout-templates/{t}");
        for (key, on, want) in [
            (site.admin.as_str(), site.id.as_str(), StatusCode::OK),
            (ADMIN_A, SITE_A, StatusCode::NOT_FOUND),
            (site.admin.as_str(), SITE_A, StatusCode::FORBIDDEN),
            (ADMIN_A, site.id.as_str(), StatusCode::FORBIDDEN),
        ] {
            assert_eq!(status_of(&app, &path, key, on).await, want, "{key} on {on}");
        }
        // The visitor key makes checkouts, nothing more.
        let (status, _) = app
            .call(
                Method::POST,
                "/ecom/v1/checkout-templates",
                &site.visitor,
                &site.id,
                Some(json!({"checkoutTemplate": template("x")})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, made) = app
            .call(
                Method::POST,
                &format!("/ecom/v1/checkout-templates/{t}/create-checkout-from-template"),
                &site.visitor,
                &site.id,
                Some(json!({"siteId": site.id})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{made}");
        // Hosted, since no URL was given: the share link lands on its checkout page.
        let (status, location) = app.click(&t, &site.id).await;
        assert_eq!(status, StatusCode::FOUND);
        let location = location.unwrap();
        assert!(
            location.starts_with(&format!(
                "{}/_emulator/sites/{}/checkout?",
                app.base, site.id
            )),
            "{location}"
        );
        let page = app.client.get(&location).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);

        // The configured app gets its events, under an instance of its own.
        let events = deliveries(&app, &site.admin, &site.id, "state=delivered", 3).await;
        assert_eq!(events.len(), 3);
        let bodies = r.wait_for(3, Duration::from_secs(10)).await;
        let instance = |body: &str| -> String {
            let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(body)
                .unwrap()
                .claims;
            let envelope: Value = serde_json::from_str(claims["data"].as_str().unwrap()).unwrap();
            assert_eq!(envelope["accountInfo"]["siteId"], site.id.as_str());
            envelope["instanceId"].as_str().unwrap().to_string()
        };
        let a_template = app.create_id(template("A")).await;
        let bodies_a = r.wait_for(4, Duration::from_secs(10)).await;
        let on_a = bodies_a
            .iter()
            .find(|b| !bodies.contains(b))
            .expect("site A's event arrived");
        let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(on_a)
            .unwrap()
            .claims;
        let envelope: Value = serde_json::from_str(claims["data"].as_str().unwrap()).unwrap();
        assert_ne!(
            envelope["instanceId"].as_str().unwrap(),
            instance(&bodies[0])
        );
        assert!(!a_template.is_empty());

        // A URL of its own is where its checkouts live.
        let shop = make_site(
            &app,
            json!({"url": "https://shop.example.com/", "currency": "EUR"}),
        )
        .await;
        let t2 = shop.create(&app, "Euro").await;
        let (_, location) = app.click(&t2, &shop.id).await;
        assert!(location
            .unwrap()
            .starts_with("https://shop.example.com/checkout?appSectionParams="));

        // Bad requests change nothing.
        for bad in [
            json!({"url": "ftp://x"}),
            json!({"currency": "eur"}),
            json!({"colour": "red"}),
        ] {
            let (status, body) = app
                .admin(Method::POST, "/_emulator/sites", Some(bad.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        }
        let (status, _) = app
            .call(
                Method::POST,
                "/_emulator/sites",
                VISITOR_A,
                SITE_A,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a visitor key makes no site");
    }
);

on_both_engines!(
    deleting_a_site_removes_it_and_all_it_has,
    |engine| async move {
        // A receiver that always fails, so the site's deliveries stay pending.
        let r = Receiver::start(Fault::Fail { first: usize::MAX }, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        let site = make_site(&app, json!({})).await;
        let other = make_site(&app, json!({})).await;
        let t = site.create(&app, "Doomed").await;
        other.create(&app, "Kept").await;
        let pending = deliveries(&app, &site.admin, &site.id, "state=pending", 1).await;
        assert_eq!(pending.len(), 1);

        // Only an admin key of that site deletes it; a configured site is not deleted.
        let delete = |key: &str, id: &str| {
            let (key, id) = (key.to_string(), id.to_string());
            let app = &app;
            async move {
                app.call(
                    Method::DELETE,
                    &format!("/_emulator/sites/{id}"),
                    &key,
                    &id,
                    None,
                )
                .await
            }
        };
        assert_eq!(
            delete(&other.admin, &site.id).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            delete(&site.visitor, &site.id).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = delete(ADMIN_A, SITE_A).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(
            body["details"]["applicationError"]["code"],
            "SITE_IS_CONFIGURED"
        );
        let (status, body) = delete(&site.admin, &site.id).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Its keys are gone, its share links land nowhere, its rows are gone.
        let path = format!("/ecom/v1/checkout-templates/{t}");
        let status = status_of(&app, &path, &site.admin, &site.id).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.click(&t, &site.id).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.count(checkout_templates::store::Table::Templates).await,
            1,
            "the other site's stays"
        );
        assert_eq!(
            app.count(checkout_templates::store::Table::Events).await,
            1,
            "pending deliveries and their events dropped"
        );
        let still = deliveries(&app, &other.admin, &other.id, "state=pending", 1).await;
        assert_eq!(still.len(), 1, "the other site's delivery is still pending");
        assert_eq!(
            delete(&site.admin, &site.id).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
);

on_both_engines!(
    a_sites_clock_stamps_what_it_writes_and_only_its_own,
    |engine| async move {
        let app = TestApp::spawn_with(engine, BASE_CONFIG).await;
        let (status, clock) = app.admin(Method::GET, "/_emulator/clock", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            (micros(&clock["now"]) - machine_now()).abs() < 5_000_000,
            "{clock}"
        );

        let (status, moved) = app
            .admin(
                Method::POST,
                "/_emulator/clock",
                Some(json!({"advanceSeconds": 86400})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        let ahead = micros(&moved["now"]) - machine_now();
        assert!(
            (86_395_000_000..86_405_000_000).contains(&ahead),
            "a day ahead: {ahead}"
        );

        // A checkout's dates and the event's time are the site's.
        let t = app.create_id(template("Dated")).await;
        let (_, made) = app
            .admin(
                Method::POST,
                &format!("/ecom/v1/checkout-templates/{t}/create-checkout-from-template"),
                Some(json!({"siteId": SITE_A})),
            )
            .await;
        let (_, checkout) = app
            .admin(
                Method::GET,
                &format!(
                    "/ecom/v1/checkouts/{}",
                    made["checkoutId"].as_str().unwrap()
                ),
                None,
            )
            .await;
        let created = micros(&checkout["checkout"]["createdDate"]);
        assert!(
            created - machine_now() > 86_000_000_000,
            "{}",
            checkout["checkout"]["createdDate"]
        );

        // Site B's clock did not move.
        let (_, b) = app
            .call(Method::GET, "/_emulator/clock", ADMIN_B, SITE_B, None)
            .await;
        assert!((micros(&b["now"]) - machine_now()).abs() < 5_000_000);

        // Never back before what the site wrote; a later time is fine.
        let (status, body) = app
            .admin(
                Method::POST,
                "/_emulator/clock",
                Some(json!({"reset": true})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            body["details"]["validationError"]["fieldViolations"][0]["field"],
            "reset"
        );
        let (status, body) = app
            .admin(
                Method::POST,
                "/_emulator/clock",
                Some(json!({"set": "2001-01-01T00:00:00Z"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, set) = app
            .admin(
                Method::POST,
                "/_emulator/clock",
                Some(json!({"set": "2100-01-01T00:00:00Z"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            set["now"]
                .as_str()
                .unwrap()
                .starts_with("2100-01-01T00:00:0"),
            "{set}"
        );
        // Site B has written nothing: it may go back to 2001.
        let (status, set) = app
            .call(
                Method::POST,
                "/_emulator/clock",
                ADMIN_B,
                SITE_B,
                Some(json!({"set": "2001-01-01T00:00:00Z"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert!(set["now"]
            .as_str()
            .unwrap()
            .starts_with("2001-01-01T00:00:0"));

        // A reset of the site's data puts its clock back too.
        app.admin(Method::POST, "/_emulator/reset", None).await;
        let (_, clock) = app.admin(Method::GET, "/_emulator/clock", None).await;
        assert!(
            (micros(&clock["now"]) - machine_now()).abs() < 5_000_000,
            "{clock}"
        );

        for bad in [
            json!({}),
            json!({"advanceSeconds": -1}),
            json!({"advanceSeconds": 1, "reset": true}),
            json!({"set": "soon"}),
            json!({"reset": false}),
            json!({"tick": 1}),
        ] {
            let (status, body) = app
                .admin(Method::POST, "/_emulator/clock", Some(bad.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        }
        let (status, _) = app
            .call(Method::GET, "/_emulator/clock", VISITOR_A, SITE_A, None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_engines!(
    advancing_the_clock_past_a_resend_sends_it_at_once,
    |engine| async move {
        // Wix's schedule: the first resend a minute after the failure.
        let r = Receiver::start(Fault::Fail { first: 1 }, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        app.create_id(template("Retried")).await;
        // Waits for the first attempt to be recorded, failed; then pending for a minute.
        let failed = deliveries(&app, ADMIN_A, SITE_A, "state=pending&minAttempts=1", 1).await;
        assert_eq!(failed[0]["attempts"].as_array().unwrap().len(), 1);
        let attempt = &failed[0]["attempts"][0];
        assert_eq!(attempt["statusCode"], 500);
        let wait = micros(&failed[0]["nextAttemptAt"]) - micros(&attempt["attemptedAt"]);
        assert!((59_900_000..60_100_000).contains(&wait), "a minute: {wait}");

        let started = Instant::now();
        let (status, _) = app
            .admin(
                Method::POST,
                "/_emulator/clock",
                Some(json!({"advanceSeconds": 61})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let done = deliveries(&app, ADMIN_A, SITE_A, "state=delivered", 1).await;
        let took = started.elapsed();
        assert_eq!(done.len(), 1, "delivered once the clock passed it");
        assert!(took < Duration::from_secs(1), "within a second: {took:?}");
        let attempts = done[0]["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 2);
        let apart = micros(&attempts[1]["attemptedAt"]) - micros(&attempts[0]["attemptedAt"]);
        assert!(
            apart >= 60_000_000,
            "the resend is a minute later on the site's clock: {apart}"
        );
        assert_eq!(r.bodies().len(), 1);
    }
);

on_both_engines!(
    api_faults_answer_instead_and_change_nothing,
    |engine| async move {
        let app = TestApp::spawn_with(engine, BASE_CONFIG).await;
        let t = app.create_id(template("Faulted")).await;
        let (status, made) = app
        .admin(Method::POST, "/_emulator/faults", Some(json!({"operation": "createCheckoutTemplate", "status": 503, "retryAfterSeconds": 7, "times": 1})))
        .await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let rule = made["fault"]["id"].as_str().unwrap().to_string();
        assert_eq!(made["fault"]["remaining"], 1);

        let create = json!({"checkoutTemplate": template("Refused")});
        let (status, retry, body) = raw(
            &app,
            Method::POST,
            "/ecom/v1/checkout-templates",
            ADMIN_A,
            SITE_A,
            Some(create.clone()),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("7"));
        assert_eq!(body["details"]["applicationError"]["code"], "UNAVAILABLE");
        assert_eq!(
            body["details"]["applicationError"]["data"]["faultRuleId"],
            rule.as_str()
        );
        assert_eq!(
            app.count(checkout_templates::store::Table::Templates).await,
            1,
            "nothing was written"
        );
        // Once: the next create goes through.
        let (status, _) = app
            .admin(Method::POST, "/ecom/v1/checkout-templates", Some(create))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, rules) = app.admin(Method::GET, "/_emulator/faults", None).await;
        assert_eq!(rules["faults"][0]["hits"], 1);
        assert_eq!(rules["faults"][0]["remaining"], 0);

        // A business error of Wix's, on one operation only, and only on site A.
        app.admin(Method::POST, "/_emulator/faults", Some(json!({"operation": "createCheckoutFromTemplate", "status": 428, "applicationErrorCode": "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE"}))).await;
        let path = format!("/ecom/v1/checkout-templates/{t}/create-checkout-from-template");
        for _ in 0..2 {
            let (status, _, body) = raw(
                &app,
                Method::POST,
                &path,
                ADMIN_A,
                SITE_A,
                Some(json!({"siteId": SITE_A})),
            )
            .await
            .unwrap();
            assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
            assert_eq!(
                body["details"]["applicationError"]["code"],
                "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE"
            );
        }
        assert_eq!(
            app.count(checkout_templates::store::Table::Checkouts).await,
            0
        );
        let path = format!("/ecom/v1/checkout-templates/{t}");
        let status = status_of(&app, &path, ADMIN_A, SITE_A).await;
        assert_eq!(status, StatusCode::OK, "other operations are untouched");
        let b = app
            .call(
                Method::POST,
                "/ecom/v1/checkout-templates",
                ADMIN_B,
                SITE_B,
                Some(json!({"checkoutTemplate": template("B")})),
            )
            .await;
        assert_eq!(b.0, StatusCode::OK, "another site has no rules");

        // A delay, then the operation as usual.
        app.admin(Method::DELETE, "/_emulator/faults", None).await;
        app.admin(
            Method::POST,
            "/_emulator/faults",
            Some(json!({"operation": "getCheckoutTemplate", "delayMs": 300})),
        )
        .await;
        let started = Instant::now();
        let status = status_of(&app, &path, ADMIN_A, SITE_A).await;
        assert_eq!(status, StatusCode::OK);
        assert!(started.elapsed() >= Duration::from_millis(300));

        // A dropped connection: no answer at all.
        app.admin(Method::DELETE, "/_emulator/faults", None).await;
        app.admin(
            Method::POST,
            "/_emulator/faults",
            Some(json!({"operation": "getCheckout", "dropConnection": true, "times": 1})),
        )
        .await;
        let dropped = raw(
            &app,
            Method::GET,
            &format!("/ecom/v1/checkouts/{t}"),
            ADMIN_A,
            SITE_A,
            None,
        )
        .await;
        assert!(dropped.is_err(), "the connection was closed: {dropped:?}");
        let (status, _) = app
            .admin(Method::GET, &format!("/ecom/v1/checkouts/{t}"), None)
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "served again after the one drop"
        );

        // The share link too.
        app.admin(
            Method::POST,
            "/_emulator/faults",
            Some(json!({"operation": "createAndRedirectToCheckout", "status": 500, "times": 1})),
        )
        .await;
        let click = app
            .client
            .get(format!(
                "{}/ecom/v1/checkout-templates/{t}/create-and-redirect-to-checkout?siteId={SITE_A}",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(click.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(app.click(&t, SITE_A).await.0, StatusCode::FOUND);

        // The journal marks what a rule answered.
        let (_, journal) = app
            .admin(
                Method::GET,
                "/_emulator/requests?operation=createCheckoutTemplate",
                None,
            )
            .await;
        let requests = journal["requests"].as_array().unwrap();
        assert_eq!(requests[1]["faultId"], rule.as_str(), "{journal}");
        assert_eq!(requests[1]["status"], 503);
        assert!(requests[0]["faultId"].is_null());
        let (_, journal) = app
            .admin(
                Method::GET,
                "/_emulator/requests?operation=getCheckout",
                None,
            )
            .await;
        assert_eq!(
            journal["requests"][1]["status"], 0,
            "a dropped connection: {journal}"
        );
    }
);

on_both_engines!(
    fault_rules_are_checked_and_seeded_ones_repeat,
    |engine| async move {
        let app = TestApp::spawn_with(engine, BASE_CONFIG).await;
        for (bad, field) in [
            (
                json!({"operation": "getTemplate", "status": 500}),
                "operation",
            ),
            (
                json!({"operation": "getCheckout", "status": 500, "colour": 1}),
                "colour",
            ),
            (json!({"operation": "getCheckout"}), "operation"),
            (json!({"operation": "getCheckout", "status": 302}), "status"),
            (
                json!({"operation": "getCheckout", "duplicate": true, "status": 500}),
                "duplicate",
            ),
            (json!({"operation": "webhook", "status": 500}), "status"),
            (
                json!({"operation": "webhook", "duplicate": true, "appId": "no-such-app"}),
                "appId",
            ),
            (
                json!({"operation": "getCheckout", "status": 500, "times": 0}),
                "times",
            ),
            (
                json!({"operation": "getCheckout", "status": 500, "probability": 2}),
                "probability",
            ),
        ] {
            let (status, body) = app
                .admin(Method::POST, "/_emulator/faults", Some(bad.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
            let fields: Vec<&str> = body["details"]["validationError"]["fieldViolations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{bad}: {body}");
        }
        let (_, rules) = app.admin(Method::GET, "/_emulator/faults", None).await;
        assert_eq!(rules["faults"], json!([]), "nothing was made");

        // The same seed on two sites: the same run of decisions.
        let rule =
            json!({"operation": "getCheckout", "status": 500, "probability": 0.5, "seed": 12345});
        let mut runs = Vec::new();
        for (key, site) in [(ADMIN_A, SITE_A), (ADMIN_B, SITE_B)] {
            app.call(
                Method::POST,
                "/_emulator/faults",
                key,
                site,
                Some(rule.clone()),
            )
            .await;
            let mut run = Vec::new();
            for _ in 0..24 {
                let (status, _, _) = raw(
                    &app,
                    Method::GET,
                    "/ecom/v1/checkouts/e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60",
                    key,
                    site,
                    None,
                )
                .await
                .unwrap();
                run.push(status.as_u16());
            }
            runs.push(run);
        }
        assert_eq!(runs[0], runs[1]);
        let fired = runs[0].iter().filter(|s| **s == 500).count();
        assert!(
            (3..=21).contains(&fired),
            "some fire, some do not: {:?}",
            runs[0]
        );
        let (_, rules) = app.admin(Method::GET, "/_emulator/faults", None).await;
        assert_eq!(rules["faults"][0]["hits"], fired);

        let id = rules["faults"][0]["id"].as_str().unwrap();
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("/_emulator/faults/{id}"),
                ADMIN_B,
                SITE_B,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another site's rule");
        let (status, _) = app
            .admin(Method::DELETE, &format!("/_emulator/faults/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .admin(
                Method::GET,
                "/ecom/v1/checkouts/e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the rule is gone");
    }
);

/// Verifies a webhook JWT with the app's key; `None` if it does not verify.
fn verified_event(token: &str, pem: &str) -> Option<Value> {
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[APP]);
    validation.set_issuer(&["wix.com"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()?
        .claims;
    let envelope: Value = serde_json::from_str(claims["data"].as_str()?).ok()?;
    serde_json::from_str(envelope["data"].as_str()?).ok()
}

on_both_engines!(webhook_faults_shape_deliveries, |engine| async move {
    let r = Receiver::start(Fault::None, Duration::ZERO).await;
    let app = TestApp::spawn_with(engine, &config(&r.url, FAST_RESENDS)).await;
    let pem = app.public_key(APP).await;

    // Sent twice, with the same event id.
    app.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "webhook", "duplicate": true, "appId": APP, "times": 1})),
    )
    .await;
    app.create_id(template("Twice")).await;
    let bodies = r.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        unverified_event_id(&bodies[0]),
        unverified_event_id(&bodies[1])
    );
    let log = deliveries(&app, ADMIN_A, SITE_A, "state=delivered", 1).await;
    assert_eq!(
        log[0]["attempts"][0]["fault"]["effects"],
        json!(["duplicate"])
    );

    // Signed with another key: the receiver's check refuses it.
    app.admin(Method::DELETE, "/_emulator/faults", None).await;
    app.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "webhook", "badSignature": true, "times": 1})),
    )
    .await;
    app.create_id(template("Forged")).await;
    let bodies = r.wait_for(3, Duration::from_secs(10)).await;
    assert!(
        verified_event(&bodies[2], &pem).is_none(),
        "does not verify"
    );
    assert!(
        verified_event(&bodies[0], &pem).is_some(),
        "a real one does"
    );

    // Cut off, then sent again by the schedule.
    app.admin(Method::DELETE, "/_emulator/faults", None).await;
    app.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "webhook", "dropConnection": true, "times": 1})),
    )
    .await;
    let t = app.create_id(template("Cut")).await;
    let bodies = r.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(
        verified_event(&bodies[3], &pem).unwrap()["entityId"],
        t.as_str()
    );
    let log = deliveries(
        &app,
        ADMIN_A,
        SITE_A,
        &format!("entityId={t}&state=delivered"),
        1,
    )
    .await;
    let attempts = log[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(attempts[0]["statusCode"].is_null());
    assert!(
        attempts[0]["error"].as_str().unwrap().contains("dropped"),
        "{attempts:?}"
    );
    assert_eq!(attempts[0]["fault"]["effects"], json!(["dropConnection"]));
    assert!(attempts[1]["fault"].is_null());

    // Held back.
    app.admin(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "webhook", "delayMs": 400, "times": 1})),
    )
    .await;
    let started = Instant::now();
    app.create_id(template("Late")).await;
    r.wait_for(5, Duration::from_secs(10)).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
});

on_both_engines!(
    snapshots_restore_a_site_exactly_and_quietly,
    |engine| async move {
        let r = Receiver::start(Fault::None, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        let t1 = app.create_id(template("One")).await;
        let t2 = app
            .create_id(
                json!({"status": "INACTIVE", "customLineItems": [custom_item("Two", "2.50")]}),
            )
            .await;
        let (_, made) = app
            .admin(
                Method::POST,
                &format!("/ecom/v1/checkout-templates/{t1}/create-checkout-from-template"),
                Some(json!({"siteId": SITE_A})),
            )
            .await;
        let checkout_id = made["checkoutId"].as_str().unwrap().to_string();
        let (status, snapshot) = app.admin(Method::GET, "/_emulator/snapshot", None).await;
        assert_eq!(status, StatusCode::OK, "{snapshot}");
        assert_eq!(snapshot["version"], 1);
        assert_eq!(snapshot["templates"].as_array().unwrap().len(), 2);
        let last_sequence = snapshot["lastEventSequence"].as_i64().unwrap();
        assert!(last_sequence >= 3);
        let before = |id: &str| {
            let id = id.to_string();
            let app = &app;
            async move {
                app.admin(
                    Method::GET,
                    &format!("/ecom/v1/checkout-templates/{id}"),
                    None,
                )
                .await
                .1
            }
        };
        let (one, two) = (before(&t1).await, before(&t2).await);
        let (_, checkout) = app
            .admin(
                Method::GET,
                &format!("/ecom/v1/checkouts/{checkout_id}"),
                None,
            )
            .await;
        r.wait_for(3, Duration::from_secs(10)).await;

        // Changed after the snapshot, then put back.
        app.admin(
            Method::PATCH,
            &format!("/ecom/v1/checkout-templates/{t1}"),
            Some(json!({"checkoutTemplate": {"couponCode": "LATER"}})),
        )
        .await;
        app.create_id(template("Three")).await;
        let heard = r.wait_for(5, Duration::from_secs(10)).await.len();
        let (status, restored) = app
            .admin(Method::PUT, "/_emulator/snapshot", Some(snapshot.clone()))
            .await;
        assert_eq!(status, StatusCode::OK, "{restored}");
        assert_eq!(
            restored["restored"],
            json!({"checkoutTemplates": 2, "checkouts": 1})
        );
        assert_eq!(before(&t1).await, one);
        assert_eq!(before(&t2).await, two);
        let (_, back) = app
            .admin(
                Method::GET,
                &format!("/ecom/v1/checkouts/{checkout_id}"),
                None,
            )
            .await;
        assert_eq!(back, checkout);
        let (_, all) = app
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates/query",
                Some(json!({})),
            )
            .await;
        assert_eq!(
            all["checkoutTemplates"].as_array().unwrap().len(),
            2,
            "the third is gone"
        );
        // A click on the restored template makes a checkout of it as restored.
        let (_, location) = app.click(&t1, SITE_A).await;
        let id = checkout_id_in(&location.unwrap()).unwrap();
        let (_, clicked) = app
            .admin(Method::GET, &format!("/ecom/v1/checkouts/{id}"), None)
            .await;
        assert!(
            clicked["checkout"]["appliedDiscounts"]
                .as_array()
                .unwrap()
                .is_empty(),
            "no coupon LATER: {clicked}"
        );

        // No webhooks for what was restored; the next event numbers on from the snapshot's.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let bodies = r.wait_for(heard + 1, Duration::from_secs(10)).await;
        assert_eq!(bodies.len(), heard + 1, "only the click's event");
        let log = deliveries(&app, ADMIN_A, SITE_A, "slug=used", 1).await;
        let seq: i64 = log[0]["event"]["entityEventSequence"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(seq > last_sequence);

        // Wrong documents are refused and change nothing.
        let mut duplicated = snapshot.clone();
        let first = duplicated["templates"][0].clone();
        duplicated["templates"].as_array_mut().unwrap().push(first);
        let mut invalid = snapshot.clone();
        invalid["templates"][0]["checkoutTemplate"]["customLineItems"][0]["quantity"] = json!(0);
        for (bad, field) in [
            (json!({"version": 2, "templates": []}), "version"),
            (json!({"templates": []}), "version"),
            (duplicated, "templates[2].checkoutTemplate.id"),
            (
                invalid,
                "templates[0].checkoutTemplate.customLineItems[0].quantity",
            ),
        ] {
            let (status, body) = app
                .admin(Method::PUT, "/_emulator/snapshot", Some(bad))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(
                body["details"]["validationError"]["fieldViolations"][0]["field"], field,
                "{body}"
            );
        }
        let (_, all) = app
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates/query",
                Some(json!({})),
            )
            .await;
        assert_eq!(all["checkoutTemplates"].as_array().unwrap().len(), 2);

        // Into another site: the same templates, on site B alone.
        let (status, _) = app
            .call(
                Method::PUT,
                "/_emulator/snapshot",
                ADMIN_B,
                SITE_B,
                Some(snapshot.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/ecom/v1/checkout-templates/{t2}"),
                ADMIN_B,
                SITE_B,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // Into a new database: its events number on from the snapshot's.
        let fresh = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        let (status, _) = fresh
            .admin(Method::PUT, "/_emulator/snapshot", Some(snapshot))
            .await;
        assert_eq!(status, StatusCode::OK);
        fresh.click(&t1, SITE_A).await;
        let log = deliveries(&fresh, ADMIN_A, SITE_A, "slug=used", 1).await;
        let seq: i64 = log[0]["event"]["entityEventSequence"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(seq > last_sequence, "{seq} after {last_sequence}");
    }
);

on_both_engines!(
    a_seed_loads_into_an_empty_site_at_start,
    |engine| async move {
        let db = fresh_database(engine).await;
        let seeded = "e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60";
        let path =
            std::env::temp_dir().join(format!("ct-seed-{}.json", uuid::Uuid::new_v4().simple()));
        std::fs::write(
        &path,
        json!({"version": 1, "siteId": SITE_B, "templates": [
            {"checkoutTemplate": {"id": seeded, "customLineItems": [custom_item("Seeded", "3.00")]}}
        ]})
        .to_string(),
    )
    .unwrap();
        let with_seed = format!("seed = {:?}\n{BASE_CONFIG}", path.display().to_string());
        {
            let app = TestApp::on_database(&db.url, &with_seed).await;
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/ecom/v1/checkout-templates/{seeded}"),
                    ADMIN_B,
                    SITE_B,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(
                body["checkoutTemplate"]["customLineItems"][0]["productName"]["original"],
                "Seeded"
            );
            // Changed, then the emulator starts again: the site is not empty, so the seed is not loaded.
            app.call(
                Method::PATCH,
                &format!("/ecom/v1/checkout-templates/{seeded}"),
                ADMIN_B,
                SITE_B,
                Some(json!({"checkoutTemplate": {"couponCode": "KEPT"}})),
            )
            .await;
        }
        let app = TestApp::on_database(&db.url, &with_seed).await;
        let (_, body) = app
            .call(
                Method::GET,
                &format!("/ecom/v1/checkout-templates/{seeded}"),
                ADMIN_B,
                SITE_B,
                None,
            )
            .await;
        assert_eq!(body["checkoutTemplate"]["couponCode"], "KEPT");
        let _ = std::fs::remove_file(&path);
    }
);

on_both_engines!(
    test_events_are_real_events_to_one_app,
    |engine| async move {
        let r = Receiver::start(Fault::None, Duration::ZERO).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        let pem = app.public_key(APP).await;
        let path = format!("/_emulator/apps/{APP}/test-events");
        for (n, slug) in ["created", "updated", "deleted", "used"]
            .into_iter()
            .enumerate()
        {
            let (status, sent) = app
                .admin(Method::POST, &path, Some(json!({"slug": slug})))
                .await;
            assert_eq!(status, StatusCode::OK, "{sent}");
            let bodies = r.wait_for(n + 1, Duration::from_secs(10)).await;
            let event = verified_event(&bodies[n], &pem).expect("signed with the app's key");
            assert_eq!(event["slug"], slug);
            assert_eq!(event["id"], sent["event"]["id"]);
            assert_eq!(event["entityId"], sent["event"]["entityId"]);
            assert_eq!(event["entityFqdn"], "wix.ecom.v1.checkout_template");
            let body = match slug {
                "created" => &event["createdEvent"]["entity"],
                "updated" => &event["updatedEvent"]["currentEntity"],
                "deleted" => &event["deletedEvent"]["deletedEntity"],
                _ => &event["actionEvent"]["body"]["checkoutTemplate"],
            };
            assert_eq!(body["id"], sent["event"]["entityId"], "{event}");
            if slug == "used" {
                assert!(
                    event["actionEvent"]["body"]["checkout"]["id"].is_string(),
                    "{event}"
                );
            }
        }
        let log = deliveries(&app, ADMIN_A, SITE_A, "state=delivered", 4).await;
        assert_eq!(log.len(), 4, "logged as real ones");
        assert_eq!(
            app.count(checkout_templates::store::Table::Templates).await,
            0,
            "the sample exists nowhere else"
        );
        let (status, _) = app
            .admin(
                Method::POST,
                "/_emulator/apps/nope/test-events",
                Some(json!({"slug": "created"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .admin(Method::POST, &path, Some(json!({"slug": "shipped"})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

on_both_engines!(
    waiting_on_the_log_answers_when_deliveries_come,
    |engine| async move {
        let r = Receiver::start(Fault::None, Duration::from_millis(300)).await;
        let app = TestApp::spawn_with(engine, &config(&r.url, "")).await;
        // Nothing comes: the wait ends at its timeout with what there is.
        let started = Instant::now();
        let (status, body) = app
            .admin(
                Method::GET,
                "/_emulator/webhook-deliveries?waitFor=1&timeoutMs=400",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["deliveries"], json!([]));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(400) && waited < Duration::from_secs(2),
            "{waited:?}"
        );

        // Deliveries come while it waits: it answers as soon as they do.
        let waiter = {
            let (client, base) = (app.client.clone(), app.base.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let body: Value = client
                .get(format!("{base}/_emulator/webhook-deliveries?state=delivered&waitFor=2&timeoutMs=20000"))
                .header("Authorization", ADMIN_A)
                .header("wix-site-id", SITE_A)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
                (started.elapsed(), body)
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.create_id(template("One")).await;
        app.create_id(template("Two")).await;
        let (took, body) = waiter.await.unwrap();
        assert_eq!(body["deliveries"].as_array().unwrap().len(), 2, "{body}");
        assert!(
            took < Duration::from_secs(5),
            "woken, not timed out: {took:?}"
        );
        for bad in ["waitFor=0", "waitFor=x", "waitFor=1&timeoutMs=60001"] {
            let (status, _) = app
                .admin(
                    Method::GET,
                    &format!("/_emulator/webhook-deliveries?{bad}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
);

on_both_engines!(
    the_journal_keeps_each_sites_recent_requests,
    |engine| async move {
        let app = TestApp::spawn_with(
            engine,
            &format!("{BASE_CONFIG}\n[limits]\njournal_entries = 6\n"),
        )
        .await;
        let t = app.create_id(template("J")).await;
        app.admin(
            Method::GET,
            &format!("/ecom/v1/checkout-templates/{t}"),
            None,
        )
        .await;
        app.admin(
            Method::GET,
            "/ecom/v1/checkout-templates/e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60",
            None,
        )
        .await;
        app.click(&t, SITE_A).await;
        app.call(
            Method::POST,
            "/ecom/v1/checkout-templates/query",
            ADMIN_B,
            SITE_B,
            Some(json!({})),
        )
        .await;
        let (status, body) = app.admin(Method::GET, "/_emulator/requests", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let ops: Vec<&str> = body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["operation"].as_str().unwrap())
            .collect();
        assert_eq!(
            ops,
            [
                "createAndRedirectToCheckout",
                "getCheckoutTemplate",
                "getCheckoutTemplate",
                "createCheckoutTemplate"
            ],
            "newest first, site A's only"
        );
        let first = &body["requests"][0];
        assert_eq!(first["status"], 302);
        assert!(first["requestId"].as_str().unwrap().len() == 36);
        let (_, missing) = app
            .admin(Method::GET, "/_emulator/requests?status=404", None)
            .await;
        assert_eq!(missing["requests"].as_array().unwrap().len(), 1);
        let (_, b) = app
            .call(Method::GET, "/_emulator/requests", ADMIN_B, SITE_B, None)
            .await;
        assert_eq!(b["requests"].as_array().unwrap().len(), 1);
        // Bounded: six entries across all sites; the oldest went first.
        for _ in 0..6 {
            app.call(
                Method::POST,
                "/ecom/v1/checkout-templates/query",
                ADMIN_B,
                SITE_B,
                Some(json!({})),
            )
            .await;
        }
        let (_, a) = app.admin(Method::GET, "/_emulator/requests", None).await;
        assert_eq!(a["requests"], json!([]));
        for bad in ["limit=0", "limit=7", "operation=webhook", "status=abc"] {
            let (status, _) = app
                .admin(Method::GET, &format!("/_emulator/requests?{bad}"), None)
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
);

/// Two instances on one PostgreSQL agree on sites made, a site's clock, and
/// fault rules (a rule that fires once fires once across both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_agree() {
    let a = TestApp::spawn_with(Engine::Postgres, BASE_CONFIG).await;
    let b = a.another_instance(BASE_CONFIG).await;
    let site = make_site(&a, json!({})).await;
    // B learns the site's keys as soon as they are used there.
    let t = site.create(&b, "Made on A, used on B").await;
    let path = format!("/ecom/v1/checkout-templates/{t}");
    let status = status_of(&a, &path, &site.admin, &site.id).await;
    assert_eq!(status, StatusCode::OK);

    let (status, moved) = site
        .call(
            &a,
            Method::POST,
            "/_emulator/clock",
            Some(json!({"advanceSeconds": 3600})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "A moves the clock: {moved}");
    let (status, seen) = site.call(&b, Method::GET, "/_emulator/clock", None).await;
    assert_eq!(status, StatusCode::OK, "B reads the clock: {seen}");
    assert!(
        (micros(&seen["now"]) - micros(&moved["now"])).abs() < 2_000_000,
        "{moved} {seen}"
    );
    // B writes on the moved clock.
    let (_, made) = site
        .call(
            &b,
            Method::POST,
            &format!("/ecom/v1/checkout-templates/{t}/create-checkout-from-template"),
            Some(json!({"siteId": site.id})),
        )
        .await;
    let (_, checkout) = site
        .call(
            &b,
            Method::GET,
            &format!(
                "/ecom/v1/checkouts/{}",
                made["checkoutId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert!(micros(&checkout["checkout"]["createdDate"]) - machine_now() > 3_500_000_000);

    // A rule made on A, once: it fires on B, then on neither.
    site.call(
        &a,
        Method::POST,
        "/_emulator/faults",
        Some(json!({"operation": "getCheckoutTemplate", "status": 503, "times": 1})),
    )
    .await;
    let (_, rules) = site.call(&b, Method::GET, "/_emulator/faults", None).await;
    assert_eq!(
        rules["faults"].as_array().unwrap().len(),
        1,
        "B reads A's rule"
    );
    let mut statuses = Vec::new();
    // B hears of the rule within moments of it being made.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, _) = raw(&b, Method::GET, &path, &site.admin, &site.id, None)
            .await
            .unwrap();
        statuses.push(status.as_u16());
        if status == StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(statuses.last(), Some(&503), "{statuses:?}");
    for app in [&a, &b, &a, &b] {
        let (status, _, _) = raw(app, Method::GET, &path, &site.admin, &site.id, None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "fired once in all");
    }
    // Deleted on A: B no longer serves it.
    let (status, _) = a
        .call(
            Method::DELETE,
            &format!("/_emulator/sites/{}", site.id),
            &site.admin,
            &site.id,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, _) = raw(&b, Method::GET, &path, &site.admin, &site.id, None)
            .await
            .unwrap();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B still serves a deleted site: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

on_both_engines!(
    a_restored_event_sequence_leaves_room_below_2_to_the_53,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let highest: i64 = 1 << 52;
        let (status, refused) = app
            .admin(
                Method::PUT,
                "/_emulator/snapshot",
                Some(json!({"version": 1, "lastEventSequence": highest + 1})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(
            refused.to_string().contains("lastEventSequence"),
            "{refused}"
        );
        let (status, restored) = app
            .admin(
                Method::PUT,
                "/_emulator/snapshot",
                Some(json!({"version": 1, "lastEventSequence": highest})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{restored}");
        app.create_id(template("After")).await;
        // The snapshot's own schema caps the sequence at 2^53 - 1; `admin`
        // checks the answer against it.
        let (status, snapshot) = app.admin(Method::GET, "/_emulator/snapshot", None).await;
        assert_eq!(status, StatusCode::OK, "{snapshot}");
        assert!(snapshot["lastEventSequence"].as_i64().unwrap() > highest);
    }
);

on_both_engines!(
    a_restored_snapshot_reads_whole_numbers_written_either_way,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        // JSON Schema's integer and const, and proto3 JSON, read 1.0 as 1.
        let (status, restored) = app
            .admin(
                Method::PUT,
                "/_emulator/snapshot",
                Some(json!({"version": 1.0, "lastEventSequence": 41.0})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{restored}");
        app.create_id(template("After")).await;
        let (_, snapshot) = app.admin(Method::GET, "/_emulator/snapshot", None).await;
        assert!(
            snapshot["lastEventSequence"].as_i64().unwrap() > 41,
            "{snapshot}"
        );
        for wrong in [json!(41.5), json!("41"), json!(-1.0)] {
            let (status, refused) = app
                .admin(
                    Method::PUT,
                    "/_emulator/snapshot",
                    Some(json!({"version": 1, "lastEventSequence": wrong})),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}: {refused}");
        }
    }
);
