//! The console's security, over plain HTTP (no browser): the session cookie
//! and its flags, CSRF tokens, security headers, who may sign in, nothing
//! shown without a session, escaped markup; its actions write the API's events;
//! the hosted checkout page reads Wix's checkout URL form. The browser suite
//! in `tests/ui/` covers the same pages as a person uses them.

use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::*;
use crate::on_both_engines;
use checkout_templates::store::Table;

/// The value `name` is set to by a `Set-Cookie` of `headers`, with its attributes.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

/// The value of the first hidden `csrf` input of a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .expect("the page has a csrf field");
    html[at + 19..at + 19 + 64].to_string()
}

/// The last GUID in `s`, however the URL around it is encoded.
fn guid_in(s: &str) -> Option<String> {
    let is_guid = |w: &[u8]| {
        w.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    };
    s.as_bytes()
        .windows(36)
        .rev()
        .find(|w| is_guid(w))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn get(app: &TestApp, path: &str, session: Option<&str>) -> Response {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(session) = session {
        request = request.header(COOKIE, format!("ct_session={session}"));
    }
    let response = request.send().await.unwrap();
    Response {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    Response {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

/// The template's status, as the API reads it.
async fn status_of(app: &TestApp, id: &str) -> String {
    let (_, body) = app
        .admin(
            Method::GET,
            &format!("/ecom/v1/checkout-templates/{id}"),
            None,
        )
        .await;
    body["checkoutTemplate"]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Signs in through the form; the response of the post.
async fn sign_in(app: &TestApp, key: &str) -> Response {
    let form = get(app, "/_emulator/ui/sign-in", None).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = cookie_value(&set_cookie(&form.headers, "ct_sign_in").unwrap());
    assert_eq!(csrf_of(&form.body), token);
    post(
        app,
        "/_emulator/ui/sign-in",
        &format!("ct_sign_in={token}"),
        &[("csrf", &token), ("api_key", key)],
    )
    .await
}

/// A session of the admin of site A, and its CSRF token.
async fn session(app: &TestApp) -> (String, String) {
    let signed_in = sign_in(app, ADMIN_A).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let session = cookie_value(&set_cookie(&signed_in.headers, "ct_session").unwrap());
    let page = get(app, "/_emulator/ui/templates", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.body);
    (session, csrf)
}

on_both_engines!(
    signing_in_sets_an_httponly_samesite_strict_cookie,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let signed_in = sign_in(&app, ADMIN_A).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.headers[LOCATION], "/_emulator/ui/templates");
        let cookie = set_cookie(&signed_in.headers, "ct_session").unwrap();
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
        assert_eq!(
            attributes,
            ["Path=/_emulator/ui", "HttpOnly", "SameSite=Strict"]
        );
        assert_eq!(cookie_value(&cookie).len(), 64);
    }
);

on_both_engines!(
    a_visitor_key_and_an_unknown_key_get_no_session,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        for (key, status) in [
            (VISITOR_A, StatusCode::FORBIDDEN),
            ("no-such-key", StatusCode::UNAUTHORIZED),
        ] {
            let refused = sign_in(&app, key).await;
            assert_eq!(refused.status, status, "{key}");
            assert!(set_cookie(&refused.headers, "ct_session").is_none());
        }
        // A sign-in post without its token is refused before the key is looked at.
        let bare = post(&app, "/_emulator/ui/sign-in", "", &[("api_key", ADMIN_A)]).await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN);
        assert!(set_cookie(&bare.headers, "ct_session").is_none());
    }
);

on_both_engines!(without_a_session_no_page_shows_data, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app
            .create_id(json!({"customLineItems": [{"quantity": 1, "price": "1", "productName": {"original": "Secret"}, "itemType": {"preset": "PHYSICAL"}}]}))
            .await;
    app.click(&id, SITE_A).await;
    for path in [
        "/_emulator/ui/templates".to_string(),
        format!("/_emulator/ui/templates/{id}"),
        format!("/_emulator/ui/templates/{id}/edit"),
        "/_emulator/ui/checkouts".to_string(),
        "/_emulator/ui/webhooks".to_string(),
    ] {
        for session in [None, Some("0".repeat(64).as_str())] {
            let page = get(&app, &path, session).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(page.headers[LOCATION], "/_emulator/ui/sign-in");
            assert!(!page.body.contains(&id) && !page.body.contains("Secret"));
        }
    }
    // A post without a session is refused, and changes nothing.
    let events = app.count(Table::Events).await;
    let refused = post(
        &app,
        &format!("/_emulator/ui/templates/{id}/status"),
        "",
        &[("status", "INACTIVE")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count(Table::Events).await, events);
});

on_both_engines!(
    a_post_without_the_csrf_token_is_a_403_and_with_it_writes_the_apis_event,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let id = app.create_id(simple_template()).await;
        let (session, csrf) = session(&app).await;
        let cookie = format!("ct_session={session}");
        let path = format!("/_emulator/ui/templates/{id}/status");
        let events = app.count(Table::Events).await;
        let wrong = "f".repeat(64);
        for form in [
            vec![("status", "INACTIVE")],
            vec![("status", "INACTIVE"), ("csrf", wrong.as_str())],
            vec![("status", "INACTIVE"), ("csrf", "")],
        ] {
            let refused = post(&app, &path, &cookie, &form).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{form:?}");
            assert!(refused.body.contains("CSRF token"));
        }
        assert_eq!(app.count(Table::Events).await, events);
        assert_eq!(status_of(&app, &id).await, "ACTIVE");

        let done = post(
            &app,
            &path,
            &cookie,
            &[("status", "INACTIVE"), ("csrf", &csrf)],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&app, &id).await, "INACTIVE");
        // The same `updated` event an API update writes.
        assert_eq!(app.count(Table::Events).await, events + 1);
        let delete = post(
            &app,
            &format!("/_emulator/ui/templates/{id}/delete"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(delete.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count(Table::Events).await, events + 2);
        assert_eq!(app.count(Table::Templates).await, 0);
    }
);

on_both_engines!(pages_send_security_headers, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let id = app.create_id(simple_template()).await;
    let (_, location) = app.click(&id, SITE_A).await;
    let checkout = location.unwrap();
    let checkout_path = checkout
        .strip_prefix("https://site-a.example.com")
        .map(str::to_string);
    assert!(checkout_path.is_some(), "{checkout}");
    let (session, _) = session(&app).await;
    for (path, session) in [
        ("/_emulator/ui/sign-in".to_string(), None),
        (
            "/_emulator/ui/templates".to_string(),
            Some(session.as_str()),
        ),
        (
            format!("/_emulator/ui/templates/{id}"),
            Some(session.as_str()),
        ),
        (format!("/_emulator/sites/{SITE_A}"), None),
    ] {
        let page = get(&app, &path, session).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        assert_eq!(page.headers["cache-control"], "no-store");
        assert!(
            !page.body.contains("<script>"),
            "no inline script on {path}"
        );
        assert!(!page.body.contains(" style="), "no inline style on {path}");
    }
    // The API's own responses are as they were.
    let api = app
        .client
        .get(format!("{}/_emulator/health", app.base))
        .send()
        .await
        .unwrap();
    assert!(api.headers().get("content-security-policy").is_none());
});

on_both_engines!(markup_in_a_template_is_escaped, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let markup = r#"<script>alert(1)</script><img src=x onerror="alert(2)">"#;
    let id = app
        .create_id(json!({
            "customLineItems": [{"quantity": 1, "price": "2", "productName": {"original": markup}, "itemType": {"preset": "PHYSICAL"}}],
            "couponCode": markup,
        }))
        .await;
    let (session, _) = session(&app).await;
    for path in [
        "/_emulator/ui/templates".to_string(),
        format!("/_emulator/ui/templates/{id}"),
        format!("/_emulator/ui/templates/{id}/edit"),
        format!("/_emulator/ui/templates/{id}/edit?mode=json"),
    ] {
        let page = get(&app, &path, Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(page.body.contains("&#60;script&#62;alert(1)"), "{path}");
    }
});

on_both_engines!(
    the_one_click_link_signs_in_once_and_redirects_to_a_clean_url,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let link = app
            .facts
            .console_sign_in_url
            .clone()
            .expect("a sign-in link");
        let path = link.strip_prefix(&app.base).unwrap();
        let first = get(&app, path, None).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        assert_eq!(first.headers[LOCATION], "/_emulator/ui/templates");
        let session = cookie_value(&set_cookie(&first.headers, "ct_session").unwrap());
        let page = get(&app, "/_emulator/ui/templates", Some(&session)).await;
        assert_eq!(page.status, StatusCode::OK);
        let again = get(&app, path, None).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert!(set_cookie(&again.headers, "ct_session").is_none());
        assert!(again.body.contains("already used"));
    }
);

on_both_engines!(
    the_hosted_checkout_page_reads_both_checkout_url_forms,
    |engine| async move {
        // Site A without a url: the emulator hosts it.
        let config = BASE_CONFIG.replacen("url = \"https://site-a.example.com\"\n", "", 1);
        let app = TestApp::spawn_with(engine, &config).await;
        let id = app
            .create_id(json!({"customLineItems": [{"quantity": 3, "price": "2.50", "productName": {"original": "Poster"}, "itemType": {"preset": "PHYSICAL"}}]}))
            .await;
        let (status, location) = app.click(&id, SITE_A).await;
        assert_eq!(status, StatusCode::FOUND);
        let location = location.unwrap();
        let hosted = format!("{}/_emulator/sites/{SITE_A}/checkout?", app.base);
        assert!(location.starts_with(&hosted), "{location}");
        let checkout_id = guid_in(&location).expect("the checkout URL names the checkout");
        let section = serde_urlencoded::to_string([(
            "appSectionParams",
            json!({"checkoutId": checkout_id}).to_string(),
        )])
        .unwrap();
        let path = format!("/_emulator/sites/{SITE_A}/checkout?{section}");
        let page = get(&app, &path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("Poster"));
        assert!(page.body.contains("$7.50"));
        assert!(page.body.contains("no payment is taken"));
        // Wix's checkout URLs have no other form.
        let plain = format!("/_emulator/sites/{SITE_A}/checkout?checkoutId={checkout_id}");
        assert_eq!(get(&app, &plain, None).await.status, StatusCode::NOT_FOUND);
        let unknown = get(
            &app,
            &format!(
                "/_emulator/sites/{SITE_A}/checkout?checkoutId={}",
                "0".repeat(8)
            ),
            None,
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);

/// The checkouts of `ids` in the order a page first mentions them.
fn checkouts_in_page_order(body: &str, ids: &[String]) -> Vec<String> {
    let mut seen: Vec<(usize, String)> = ids
        .iter()
        .filter_map(|id| body.find(id.as_str()).map(|at| (at, id.clone())))
        .collect();
    seen.sort();
    seen.into_iter().map(|(_, id)| id).collect()
}

/// The target of the link labelled `label` (e.g. "Next"), unescaped.
fn link_labelled(body: &str, label: &str) -> Option<String> {
    let end = body.find(&format!(">{label}"))?;
    let start = body[..end].rfind("href=\"")? + 6;
    let href = &body[start..end];
    Some(
        href[..href.find('"')?]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

on_both_engines!(
    a_templates_checkouts_are_listed_newest_first_page_by_page,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let template = app.create_id(simple_template()).await;
        let other = app.create_id(simple_template()).await;
        let mut made = Vec::new();
        for i in 0..58 {
            // Another template's checkouts between them stay off its list.
            let from = if i % 10 == 5 { &other } else { &template };
            let (status, location) = app.click(from, SITE_A).await;
            assert_eq!(status, StatusCode::FOUND);
            if from == &template {
                made.push(checkout_id_in(&location.unwrap()).unwrap());
            }
        }
        let newest_first: Vec<String> = made.iter().rev().cloned().collect();
        let (session, _) = session(&app).await;

        let shown = get(
            &app,
            &format!("/_emulator/ui/templates/{template}"),
            Some(&session),
        )
        .await;
        assert_eq!(
            checkouts_in_page_order(&shown.body, &made),
            newest_first[..10],
            "a template's page shows its ten newest checkouts"
        );

        let first = get(
            &app,
            &format!("/_emulator/ui/checkouts?template={template}"),
            Some(&session),
        )
        .await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(
            checkouts_in_page_order(&first.body, &made),
            newest_first[..50]
        );
        assert!(link_labelled(&first.body, "Previous").is_none());
        let next = link_labelled(&first.body, "Next").expect("a next page");
        let second = get(&app, &next, Some(&session)).await;
        assert_eq!(
            checkouts_in_page_order(&second.body, &made),
            newest_first[50..]
        );
        assert!(link_labelled(&second.body, "Next").is_none());
        let prev = link_labelled(&second.body, "Previous").expect("a previous page");
        let back = get(&app, &prev, Some(&session)).await;
        assert_eq!(
            checkouts_in_page_order(&back.body, &made),
            newest_first[..50]
        );

        // The site's list has both templates' checkouts, newest first too.
        let all = get(&app, "/_emulator/ui/checkouts", Some(&session)).await;
        assert_eq!(
            checkouts_in_page_order(&all.body, &made)[..10],
            newest_first[..10]
        );
    }
);
