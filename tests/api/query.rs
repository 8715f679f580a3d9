use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::on_both_engines;

const QUERY: &str = "/ecom/v1/checkout-templates/query";

async fn query(app: &TestApp, q: Value) -> (StatusCode, Value) {
    app.admin(Method::POST, QUERY, Some(json!({"query": q})))
        .await
}

fn ids(body: &Value) -> Vec<String> {
    body["checkoutTemplates"]
        .as_array()
        .unwrap_or_else(|| panic!("no templates in {body}"))
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

/// Creates `n` templates on site A, every third INACTIVE; returns (id, status) sorted by id.
async fn seed(app: &TestApp, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut t = simple_template();
        let status = if i % 3 == 0 { "INACTIVE" } else { "ACTIVE" };
        t["status"] = json!(status);
        let created = app.create(t).await;
        out.push((
            created["id"].as_str().unwrap().to_string(),
            status.to_string(),
        ));
    }
    out.sort();
    out
}

on_both_engines!(operators_filter_as_documented, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let all = seed(&app, 9).await;
    let active: Vec<String> = all
        .iter()
        .filter(|(_, s)| s == "ACTIVE")
        .map(|(i, _)| i.clone())
        .collect();
    let inactive: Vec<String> = all
        .iter()
        .filter(|(_, s)| s == "INACTIVE")
        .map(|(i, _)| i.clone())
        .collect();
    let every: Vec<String> = all.iter().map(|(i, _)| i.clone()).collect();
    let first = every[0].clone();
    // A prefix with a letter in it, so that upper-casing it changes it.
    let prefix: String = every
        .iter()
        .map(|i| i[..4].to_string())
        .find(|p| p.chars().any(|c| c.is_ascii_alphabetic()))
        .expect("one of nine random ids has a letter in its first four characters");
    let with_prefix: Vec<String> = every
        .iter()
        .filter(|i| i.starts_with(&prefix))
        .cloned()
        .collect();

    let cases: Vec<(Value, Vec<String>)> = vec![
        (json!({}), every.clone()),
        (json!({"status": "ACTIVE"}), active.clone()),
        (json!({"status": {"$eq": "INACTIVE"}}), inactive.clone()),
        (json!({"status": {"$ne": "INACTIVE"}}), active.clone()),
        (
            json!({"status": {"$in": ["ACTIVE", "INACTIVE"]}}),
            every.clone(),
        ),
        (
            json!({"status": {"$hasSome": ["INACTIVE"]}}),
            inactive.clone(),
        ),
        (
            json!({"id": {"$in": [every[1], every[4], "0e7d3f5a-3b1c-4a1e-9d1e-1b2c3d4e5f60"]}}),
            vec![every[1].clone(), every[4].clone()],
        ),
        (json!({"id": first}), vec![first.clone()]),
        (json!({"id": {"$startsWith": prefix}}), with_prefix.clone()),
        (
            json!({"id": {"$startsWith": prefix.to_uppercase()}}),
            with_prefix,
        ),
        (json!({"id": {"$gt": every[3]}}), every[4..].to_vec()),
        (json!({"id": {"$gte": every[3]}}), every[3..].to_vec()),
        (json!({"id": {"$lt": every[3]}}), every[..3].to_vec()),
        (json!({"id": {"$lte": every[3]}}), every[..=3].to_vec()),
        (
            json!({"id": {"$gt": every[1], "$lt": every[5]}}),
            every[2..5].to_vec(),
        ),
        (
            json!({"$and": [{"id": {"$gte": every[6]}}, {"status": "ACTIVE"}]}),
            every[6..]
                .iter()
                .filter(|i| active.contains(i))
                .cloned()
                .collect(),
        ),
        (json!({"id": {"$exists": true}}), every.clone()),
        (json!({"status": {"$exists": false}}), vec![]),
        (
            json!({"$and": [{"status": "ACTIVE"}, {"id": {"$ne": active[0]}}]}),
            active[1..].to_vec(),
        ),
        (
            json!({"$or": [{"id": every[0]}, {"id": every[8]}]}),
            vec![every[0].clone(), every[8].clone()],
        ),
        (json!({"$not": {"status": "ACTIVE"}}), inactive.clone()),
        (
            json!({"status": "ACTIVE", "id": {"$in": [every[0], every[1], every[2]]}}),
            every[..3]
                .iter()
                .filter(|i| active.contains(i))
                .cloned()
                .collect(),
        ),
        (json!({"status": {"$in": []}}), vec![]),
    ];
    for (filter, expected) in cases {
        let (status, body) = query(&app, json!({"filter": filter})).await;
        assert_eq!(status, StatusCode::OK, "{filter} -> {body}");
        assert_eq!(ids(&body), expected, "filter {filter}");
        assert_eq!(body["pagingMetadata"]["count"], expected.len());
    }
    // A JSON-string filter, as some clients send it.
    let (_, body) = query(&app, json!({"filter": "{\"status\":\"INACTIVE\"}"})).await;
    assert_eq!(ids(&body), inactive);
});

on_both_engines!(
    ids_are_random_so_id_order_is_not_creation_order,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let mut created = Vec::new();
        for _ in 0..12 {
            created.push(app.create_id(simple_template()).await);
        }
        let (_, body) = query(&app, json!({"cursorPaging": {"limit": 100}})).await;
        let by_id = ids(&body);
        let mut sorted = created.clone();
        sorted.sort();
        assert_eq!(by_id, sorted, "the default sort is by id");
        assert_ne!(
            by_id, created,
            "12 templates made one after another do not come back in creation order"
        );
        for id in &created {
            assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
        }
    }
);

on_both_engines!(sorting, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let all = seed(&app, 7).await;
    let mut desc: Vec<String> = all.iter().map(|(i, _)| i.clone()).collect();
    desc.reverse();
    let (_, body) = query(
        &app,
        json!({"sort": [{"fieldName": "id", "order": "DESC"}]}),
    )
    .await;
    assert_eq!(ids(&body), desc);

    let mut by_status = all.clone();
    by_status.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let expected: Vec<String> = by_status.iter().map(|(i, _)| i.clone()).collect();
    let (_, body) = query(
        &app,
        json!({"sort": [{"fieldName": "status", "order": "DESC"}]}),
    )
    .await;
    assert_eq!(ids(&body), expected, "status DESC, then id ASC");
    let (_, body) = query(&app, json!({"sort": [{"fieldName": "status"}]})).await;
    let mut asc = all.clone();
    asc.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    assert_eq!(
        ids(&body),
        asc.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>()
    );
});

on_both_engines!(
    cursor_paging_visits_every_row_once_both_ways,
    |engine| async move {
        let app = TestApp::spawn(engine).await;
        let all = seed(&app, 23).await;
        let expected: Vec<String> = {
            let mut v = all.clone();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
            v.into_iter().map(|(i, _)| i).collect()
        };
        let sort =
            json!([{"fieldName": "status", "order": "DESC"}, {"fieldName": "id", "order": "DESC"}]);
        let (status, mut body) =
            query(&app, json!({"sort": sort, "cursorPaging": {"limit": 5}})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["pagingMetadata"]["cursors"].get("prev").is_none());
        let mut seen = ids(&body);
        let mut pages = vec![body.clone()];
        while body["pagingMetadata"]["hasNext"] == true {
            let cursor = body["pagingMetadata"]["cursors"]["next"]
                .as_str()
                .unwrap()
                .to_string();
            // What the SDK sends for next(): only the cursor and the limit.
            let (s, next) = query(
                &app,
                json!({"cursorPaging": {"cursor": cursor, "limit": 5}}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{next}");
            seen.extend(ids(&next));
            pages.push(next.clone());
            body = next;
        }
        assert_eq!(seen, expected, "every row once, in order");
        assert_eq!(pages.len(), 5);
        assert!(body["pagingMetadata"]["cursors"].get("next").is_none());

        // Walking back from the last page with prev cursors gives the same pages.
        let mut back = pages.last().unwrap().clone();
        for page in pages.iter().rev().skip(1) {
            let cursor = back["pagingMetadata"]["cursors"]["prev"]
                .as_str()
                .unwrap()
                .to_string();
            let (_, prev) = query(&app, json!({"cursorPaging": {"cursor": cursor}})).await;
            assert_eq!(ids(&prev), ids(page));
            back = prev;
        }
        assert!(back["pagingMetadata"]["cursors"].get("prev").is_none());

        // A cursor keeps its filter.
        let (_, page) = query(
            &app,
            json!({"filter": {"status": "ACTIVE"}, "cursorPaging": {"limit": 2}}),
        )
        .await;
        let cursor = page["pagingMetadata"]["cursors"]["next"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, next) = query(&app, json!({"cursorPaging": {"cursor": cursor}})).await;
        assert_eq!(next["checkoutTemplates"].as_array().unwrap().len(), 2);
        assert!(next["checkoutTemplates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "ACTIVE"));
    }
);

on_both_engines!(limits_default_and_max, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let created: Vec<Value> = (0..120).map(|_| simple_template()).collect();
    for chunk in created.chunks(100) {
        let (s, _) = app
            .admin(
                Method::POST,
                "/ecom/v1/bulk/checkout-templates/create",
                Some(json!({"checkoutTemplates": chunk})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (_, body) = app.admin(Method::POST, QUERY, Some(json!({}))).await;
    assert_eq!(body["pagingMetadata"]["count"], 50);
    assert_eq!(body["pagingMetadata"]["hasNext"], true);
    let (_, body) = query(&app, json!({"cursorPaging": {"limit": 100}})).await;
    assert_eq!(body["pagingMetadata"]["count"], 100);
    let (s, body) = query(&app, json!({"cursorPaging": {"limit": 101}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["details"]["validationError"]["fieldViolations"][0]["violatedRule"],
        "MAX"
    );
});

on_both_engines!(bad_queries_are_400_never_500, |engine| async move {
    let app = TestApp::spawn(engine).await;
    seed(&app, 3).await;
    let (_, page) = query(&app, json!({"cursorPaging": {"limit": 1}})).await;
    let cursor = page["pagingMetadata"]["cursors"]["next"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tampered = cursor.clone();
    let flip = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(tampered.len() - 1.., flip);
    let bad: Vec<Value> = vec![
        json!({"filter": {"couponCode": "X"}}),
        json!({"filter": {"customization.lockedCoupon": true}}),
        json!({"filter": {"status": {"$startsWith": "ACT"}}}),
        json!({"filter": {"status": {"$gt": "ACTIVE"}}}),
        json!({"filter": {"status": {"$gte": "ACTIVE"}}}),
        json!({"filter": {"status": {"$lt": "ACTIVE"}}}),
        json!({"filter": {"status": {"$lte": "ACTIVE"}}}),
        json!({"filter": {"id": {"$gt": 5}}}),
        json!({"filter": {"id": {"$lte": ["a"]}}}),
        json!({"filter": {"$nor": [{"status": "ACTIVE"}]}}),
        json!({"filter": {"status": {"$in": "ACTIVE"}}}),
        json!({"filter": {"status": 3}}),
        json!({"filter": {"$and": {"status": "ACTIVE"}}}),
        json!({"filter": 7}),
        json!({"filter": "not json"}),
        json!({"sort": [{"fieldName": "couponCode"}]}),
        json!({"sort": [{"fieldName": "id", "order": "UP"}]}),
        json!({"sort": {"fieldName": "id"}}),
        json!({"cursorPaging": {"limit": -1}}),
        json!({"cursorPaging": {"limit": "lots"}}),
        json!({"cursorPaging": {"cursor": "garbage"}}),
        json!({"cursorPaging": {"cursor": tampered}}),
        json!({"cursorPaging": {"cursor": cursor}, "filter": {"status": "ACTIVE"}}),
        json!("string query"),
    ];
    for q in bad {
        let (s, body) = query(&app, q.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q} -> {body}");
        assert!(
            body["details"]["validationError"]["fieldViolations"].is_array(),
            "{body}"
        );
    }
    // Another site cannot use this site's cursor.
    let (s, _) = app
        .call(
            Method::POST,
            QUERY,
            ADMIN_B,
            SITE_B,
            Some(json!({"query": {"cursorPaging": {"cursor": cursor}}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
});

on_both_engines!(
    limit_reads_as_every_integer_field_does,
    |engine| async move {
        // proto3 JSON: a whole number spelled as a float is that integer, and a
        // string of digits may carry a sign but no spaces.
        let app = TestApp::spawn(engine).await;
        seed(&app, 3).await;
        for limit in [json!(2.0), json!("+2"), json!("02")] {
            let (s, body) = query(&app, json!({"cursorPaging": {"limit": limit}})).await;
            assert_eq!(s, StatusCode::OK, "{limit} -> {body}");
            assert_eq!(ids(&body).len(), 2, "{limit}");
        }
        for limit in [json!(" 2"), json!("2 "), json!(2.5)] {
            let (s, body) = query(&app, json!({"cursorPaging": {"limit": limit}})).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{limit} -> {body}");
            assert_eq!(
                body["details"]["validationError"]["fieldViolations"][0]["violatedRule"],
                "FORMAT"
            );
        }
    }
);
