//! The API under load, on the release binary: req/s and p50/p99 latency per
//! endpoint at concurrency 1, 8, 32 and 128 (wrk), memory, start-to-ready;
//! the click beside pgbench running the same transaction, with and without
//! group commit; GET and create beside Stoplight Prism serving this project's
//! OpenAPI document; and how get, query and the click scale with stored
//! templates and line items.
//!
//! `cargo bench --bench http` — needs wrk and pgbench (bench/run installs
//! them). BENCH_ENGINES=sqlite|postgres picks one engine; BENCH_SECONDS sets
//! each wrk run's length (default 5); BENCH_PARTS picks parts (default
//! "endpoints,prism,scaling,filters,memory,pgbench"; "console" times the
//! console's pages with 10,000 templates); BENCH_CASES picks endpoints by
//! the start of their names ("click,create"); BENCH_BIN measures another
//! build of the binary.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::*;

const CONCURRENCY: [u32; 4] = [1, 8, 32, 128];

#[derive(Debug, Clone, Copy, Default)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

/// Runs wrk against `url` with a Lua `script`; parses its summary.
fn wrk(url: &str, concurrency: u32, script: &Path) -> Load {
    let threads = concurrency.min(2);
    let out = Command::new("wrk")
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &concurrency.to_string(),
            "-d",
            &format!("{}s", seconds()),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + field("Socket errors:")
            .map(|v| {
                v.split(',')
                    .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
    Load {
        rps: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        p50_ms: field("50%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        p99_ms: field("99%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        errors,
    }
}

fn millis(v: &str) -> f64 {
    let (number, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
    let n: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}

/// A wrk script sending `method path body` with the bench key, or picking a
/// path from `paths` at random per request.
fn script(dir: &Path, name: &str, method: &str, paths: &[String], body: Option<&Value>) -> PathBuf {
    let mut lua = String::new();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    writeln!(lua, "wrk.method = \"{method}\"").unwrap();
    writeln!(lua, "wrk.headers[\"Content-Type\"] = \"application/json\"").unwrap();
    writeln!(lua, "wrk.headers[\"Authorization\"] = \"{KEY}\"").unwrap();
    writeln!(lua, "wrk.headers[\"wix-site-id\"] = \"{SITE}\"").unwrap();
    writeln!(lua, "local body = [==[{body}]==]").unwrap();
    let list: Vec<String> = paths.iter().map(|p| format!("\"{p}\"")).collect();
    writeln!(lua, "local paths = {{{}}}", list.join(",")).unwrap();
    writeln!(
        lua,
        "request = function() return wrk.format(nil, paths[math.random(#paths)], nil, body ~= '' and body or nil) end"
    )
    .unwrap();
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua).unwrap();
    path
}

fn template_with(items: usize) -> Value {
    let items: Vec<Value> = (0..items)
        .map(|i| json!({"quantity": 1, "price": "5.00", "productName": {"original": format!("Item {i}")}, "itemType": {"preset": "PHYSICAL"}}))
        .collect();
    json!({"customLineItems": items, "couponCode": "SALE"})
}

struct Api {
    server: Server,
    client: reqwest::Client,
}

impl Api {
    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .client
            .post(format!("{}{path}", self.server.base))
            .header("Authorization", KEY)
            .header("wix-site-id", SITE)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    async fn create(&self, template: Value) -> String {
        self.post(
            "/ecom/v1/checkout-templates",
            json!({"checkoutTemplate": template}),
        )
        .await["checkoutTemplate"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn bulk(&self, n: usize, template: &Value) -> Vec<String> {
        bulk_create(&self.client, &self.server.base, n, template).await
    }
}

/// Starts the binary and measures spawn → `/_emulator/ready` answering 200.
async fn start_api(db: &Database, config: &Path) -> (Api, Duration) {
    let started = Instant::now();
    let server = serve(config, &db.url);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    loop {
        let ready = client
            .get(format!("{}/_emulator/ready", server.base))
            .send()
            .await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (Api { server, client }, started.elapsed())
}

fn config(dir: &Path, group_commit: bool) -> PathBuf {
    write_config(
        dir,
        None,
        &format!(
            "[limits]\nmax_connections = 32\n\n[performance]\ngroup_commit = {group_commit}\n"
        ),
    )
}

/// One engine's endpoint table; returns each endpoint's load at 32 connections.
async fn endpoints(engine: Engine, dir: &Path, report: &mut String) -> Vec<(String, Load)> {
    let db = Database::fresh(engine, dir).await;
    let cfg = config(dir, true);
    let (api, first_start) = start_api(&db, &cfg).await;
    api.server.stop();
    let mut restarts = Vec::new();
    for _ in 0..5 {
        let (api, took) = start_api(&db, &cfg).await;
        restarts.push(took.as_secs_f64() * 1000.0);
        api.server.stop();
    }
    restarts.sort_by(f64::total_cmp);
    let (api, _) = start_api(&db, &cfg).await;
    let idle_rss = api.server.rss_mib();

    let template = template_with(1);
    let hot = api.create(template.clone()).await;
    let pool = api.bulk(100, &template).await;
    let _ = api.bulk(900, &template).await;
    let paths = |suffix: &str| -> Vec<String> {
        pool.iter()
            .map(|id| format!("/ecom/v1/checkout-templates/{id}{suffix}"))
            .collect()
    };
    let cases: Vec<(&str, PathBuf)> = vec![
        (
            "click (create-and-redirect)",
            script(
                dir,
                "click",
                "GET",
                &[format!("/ecom/v1/checkout-templates/{hot}/create-and-redirect-to-checkout?siteId={SITE}")],
                None,
            ),
        ),
        (
            "create-checkout-from-template",
            script(
                dir,
                "checkout",
                "POST",
                &[format!("/ecom/v1/checkout-templates/{hot}/create-checkout-from-template")],
                Some(&json!({"siteId": SITE})),
            ),
        ),
        ("get", script(dir, "get", "GET", &paths(""), None)),
        (
            "query (50 per page)",
            script(
                dir,
                "query",
                "POST",
                &["/ecom/v1/checkout-templates/query".to_string()],
                Some(&json!({"query": {"filter": {"status": "ACTIVE"}, "cursorPaging": {"limit": 50}}})),
            ),
        ),
        (
            "create",
            script(
                dir,
                "create",
                "POST",
                &["/ecom/v1/checkout-templates".to_string()],
                Some(&json!({"checkoutTemplate": template})),
            ),
        ),
        (
            "update",
            script(
                dir,
                "update",
                "PATCH",
                &paths(""),
                Some(&json!({"checkoutTemplate": {"couponCode": "NEXT"}})),
            ),
        ),
    ];
    writeln!(
        report,
        "\n### {} — endpoints (req/s · p50 · p99 ms)\n",
        engine.name()
    )
    .unwrap();
    writeln!(
        report,
        "| endpoint | {} | errors |",
        CONCURRENCY.map(|c| format!("c={c}")).join(" | ")
    )
    .unwrap();
    writeln!(report, "|---|{}---|", "---|".repeat(CONCURRENCY.len())).unwrap();
    let mut peak_rss = idle_rss;
    let mut at_32 = Vec::new();
    // BENCH_CASES=click,create runs only the endpoints whose names start so.
    let wanted = std::env::var("BENCH_CASES").unwrap_or_default();
    let picked =
        |name: &str| wanted.is_empty() || wanted.split(',').any(|w| name.starts_with(w.trim()));
    for (name, lua) in cases.iter().filter(|(name, _)| picked(name)) {
        let mut cells = Vec::new();
        let mut errors = 0;
        for c in CONCURRENCY {
            db.settle().await;
            let sampler = sample_rss(api.server.child.id());
            let load = wrk(&api.server.base, c, lua);
            peak_rss = peak_rss.max(sampler.stop());
            errors += load.errors;
            if c == 32 {
                at_32.push((name.to_string(), load));
            }
            cells.push(format!(
                "{:.0} · {:.2} · {:.2}",
                load.rps, load.p50_ms, load.p99_ms
            ));
        }
        writeln!(report, "| {name} | {} | {errors} |", cells.join(" | ")).unwrap();
        print!("{report}");
        report.clear();
    }
    writeln!(
        report,
        "\nstart to ready: first start (migrations) {:.0} ms, restart p50 {:.0} ms · RSS idle {:.1} MiB, peak under load {:.1} MiB",
        first_start.as_secs_f64() * 1000.0,
        percentile(&restarts, 0.5),
        idle_rss,
        peak_rss
    )
    .unwrap();
    api.server.stop();
    db.drop_it().await;
    at_32
}

/// Stoplight Prism (bench/prism) mocking this project's OpenAPI document: what
/// a user would otherwise pick. GET and create at 32 connections.
async fn prism(dir: &Path, ours: &[(Engine, Vec<(String, Load)>)], report: &mut String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("bench/prism/node_modules/.bin/prism");
    if !bin.exists() {
        writeln!(report, "\nPrism: not installed (cd bench/prism && npm ci)").unwrap();
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(bin)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(root.join("openapi/openapi.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prism starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client
            .get(format!("{base}/_emulator/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = "11111111-2222-4333-8444-555555555555";
    let get = script(
        dir,
        "prism-get",
        "GET",
        &[format!("/ecom/v1/checkout-templates/{id}")],
        None,
    );
    let create = script(
        dir,
        "prism-create",
        "POST",
        &["/ecom/v1/checkout-templates".to_string()],
        Some(&json!({"checkoutTemplate": template_with(1)})),
    );
    let theirs = [
        ("get", wrk(&base, 32, &get)),
        ("create", wrk(&base, 32, &create)),
    ];
    let _ = child.kill();
    let _ = child.wait();
    writeln!(
        report,
        "\n### Beside Stoplight Prism (stateless mock of the same OpenAPI document, 32 connections)\n\n\
         | endpoint | Prism req/s | p99 ms | errors | {} |\n|---|---|---|---|{}",
        ours.iter()
            .map(|(e, _)| format!("{} req/s (× Prism)", e.name()))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(ours.len())
    )
    .unwrap();
    for (name, load) in theirs {
        let cells: Vec<String> = ours
            .iter()
            .map(|(_, loads)| {
                let mine = loads
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(f64::NAN, |(_, l)| l.rps);
                format!("{mine:.0} ({:.1}×)", mine / load.rps)
            })
            .collect();
        writeln!(
            report,
            "| {name} | {:.0} | {:.2} | {} | {} |",
            load.rps,
            load.p99_ms,
            load.errors,
            cells.join(" | ")
        )
        .unwrap();
    }
}

/// How get, query and the click change with the number of stored templates
/// (indexes: they should not) and with line items per template (at most
/// linearly). Rows go to `bench/results/scaling-*.csv` for `bench/plot.py`.
async fn scaling(engine: Engine, dir: &Path, report: &mut String) {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
    std::fs::create_dir_all(&results).unwrap();
    let db = Database::fresh(engine, dir).await;
    let (api, _) = start_api(&db, &config(dir, true)).await;
    let template = template_with(1);
    let mut ids = vec![api.create(template.clone()).await];
    let mut csv = String::from(
        "templates,get_rps,get_p50_ms,get_p99_ms,query_rps,query_p50_ms,query_p99_ms\n",
    );
    writeln!(
        report,
        "\n### {} — scaling with stored templates (8 connections; req/s · p50 · p99 ms)\n\n\
         | templates | get | query (first page of 50, status = ACTIVE) |\n|---|---|---|",
        engine.name()
    )
    .unwrap();
    for size in [1usize, 1_000, 10_000, 100_000] {
        if ids.len() < size {
            ids.extend(api.bulk(size - ids.len(), &template).await);
        }
        db.settle().await;
        // Gets spread over the whole table, not one hot row.
        let sample: Vec<String> = ids
            .iter()
            .step_by((ids.len() / 200).max(1))
            .map(|id| format!("/ecom/v1/checkout-templates/{id}"))
            .collect();
        let get = wrk(
            &api.server.base,
            8,
            &script(dir, "scale-get", "GET", &sample, None),
        );
        let query = wrk(
            &api.server.base,
            8,
            &script(
                dir,
                "scale-query",
                "POST",
                &["/ecom/v1/checkout-templates/query".to_string()],
                Some(
                    &json!({"query": {"filter": {"status": "ACTIVE"}, "cursorPaging": {"limit": 50}}}),
                ),
            ),
        );
        writeln!(
            csv,
            "{size},{:.0},{:.3},{:.3},{:.0},{:.3},{:.3}",
            get.rps, get.p50_ms, get.p99_ms, query.rps, query.p50_ms, query.p99_ms
        )
        .unwrap();
        writeln!(
            report,
            "| {size} | {:.0} · {:.2} · {:.2} | {:.0} · {:.2} · {:.2} |",
            get.rps, get.p50_ms, get.p99_ms, query.rps, query.p50_ms, query.p99_ms
        )
        .unwrap();
    }
    let slug = engine.name().to_lowercase();
    std::fs::write(results.join(format!("scaling-templates-{slug}.csv")), csv).unwrap();

    let mut csv = String::from("line_items,click_rps,click_p50_ms,click_p99_ms\n");
    writeln!(
        report,
        "\n### {} — scaling with line items per template (click, 8 connections)\n\n\
         | line items | req/s | p50 ms | p99 ms |\n|---|---|---|---|",
        engine.name()
    )
    .unwrap();
    for items in [1usize, 10, 100, 300] {
        let id = api.create(template_with(items)).await;
        db.settle().await;
        let click = wrk(
            &api.server.base,
            8,
            &script(
                dir,
                "scale-click",
                "GET",
                &[format!("/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout?siteId={SITE}")],
                None,
            ),
        );
        writeln!(
            csv,
            "{items},{:.0},{:.3},{:.3}",
            click.rps, click.p50_ms, click.p99_ms
        )
        .unwrap();
        writeln!(
            report,
            "| {items} | {:.0} | {:.2} | {:.2} |",
            click.rps, click.p50_ms, click.p99_ms
        )
        .unwrap();
    }
    std::fs::write(results.join(format!("scaling-line-items-{slug}.csv")), csv).unwrap();
    api.server.stop();
    db.drop_it().await;
}

/// Memory with 100,000 stored templates, each clicked once (so each is read
/// into the template cache and its checkout worked out), and after a pause.
async fn memory(engine: Engine, dir: &Path, report: &mut String) {
    use futures::StreamExt as _;
    const TEMPLATES: usize = 100_000;
    let db = Database::fresh(engine, dir).await;
    let (api, _) = start_api(&db, &config(dir, true)).await;
    let baseline = api.server.rss_mib();
    let ids = api.bulk(TEMPLATES, &template_with(1)).await;
    let created = api.server.rss_mib();
    let sampler = sample_rss(api.server.child.id());
    let started = Instant::now();
    let base = api.server.base.clone();
    futures::stream::iter(ids)
        .for_each_concurrent(32, |id| {
            let (client, base) = (&api.client, &base);
            async move {
                let resp = client
                    .get(format!(
                        "{base}/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout?siteId={SITE}"
                    ))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 302, "a click redirects");
            }
        })
        .await;
    let clicking = started.elapsed();
    let peak = sampler.stop();
    let after = api.server.rss_mib();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle = api.server.rss_mib();
    writeln!(
        report,
        "\n### {} — memory (RSS, MiB) with {TEMPLATES} templates, each clicked once ({:.1} s of clicks)\n\n\
         | at start | after creating them | peak while clicking | right after | after 10 s idle |\n|---|---|---|---|---|\n\
         | {baseline:.1} | {created:.1} | {peak:.1} | {after:.1} | {idle:.1} |",
        engine.name(),
        clicking.as_secs_f64(),
    )
    .unwrap();
    api.server.stop();
    db.drop_it().await;
}

/// The console's pages with 10,000 templates on the site, one of them with
/// 1,000 checkouts and a delivery log of over 11,000 (undelivered: no
/// dispatcher runs): each page's latency over HTTP, sequential, p50 and p99.
/// Every page is a keyset page or an index range, so none should approach 50 ms.
async fn console(engine: Engine, dir: &Path, report: &mut String) {
    use futures::StreamExt as _;
    const TEMPLATES: usize = 10_000;
    const BUSY_CLICKS: usize = 1_000;
    const RUNS: usize = 50;
    let db = Database::fresh(engine, dir).await;
    let cfg = write_config(
        dir,
        Some("http://127.0.0.1:9/hooks"),
        "[limits]\nmax_connections = 32\n",
    );
    let server = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--config",
            cfg.to_str().unwrap(),
            "--no-dispatcher",
        ],
        &db.url,
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = server.base.clone();
    let ids = bulk_create(&client, &base, TEMPLATES, &template_with(3)).await;
    let busy = ids[TEMPLATES / 2].clone();
    let click = format!(
        "{base}/ecom/v1/checkout-templates/{busy}/create-and-redirect-to-checkout?siteId={SITE}"
    );
    let checkouts: Vec<String> = futures::stream::iter(0..BUSY_CLICKS)
        .map(|_| {
            let (client, click) = (&client, &click);
            async move {
                let resp = client.get(click).send().await.unwrap();
                assert_eq!(resp.status(), 302);
                resp.headers()["location"].to_str().unwrap().to_string()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    db.settle().await;

    // Sign in through the form, as a person does.
    let form = client
        .get(format!("{base}/_emulator/ui/sign-in"))
        .send()
        .await
        .unwrap();
    let token = first_cookie(&form);
    let csrf = token.split_once('=').unwrap().1.to_string();
    let signed_in = client
        .post(format!("{base}/_emulator/ui/sign-in"))
        .header("cookie", &token)
        .form(&[("csrf", csrf.as_str()), ("api_key", KEY)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    let session = first_cookie(&signed_in);
    let page = |path: String| {
        let (client, base, session) = (client.clone(), base.clone(), session.clone());
        async move {
            let started = Instant::now();
            let resp = client
                .get(format!("{base}{path}"))
                .header("cookie", session)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            let html = resp.text().await.unwrap();
            (started.elapsed().as_secs_f64() * 1000.0, html)
        }
    };
    // The 100th page of the list, reached by its cursors as a person paging would.
    let mut deep = "/_emulator/ui/templates".to_string();
    for _ in 0..100 {
        let (_, html) = page(deep.clone()).await;
        let at = html
            .find("rel=\"next\"")
            .map(|end| html[..end].rfind("href=\"").unwrap() + 6);
        let Some(at) = at else { break };
        deep = html[at..].split('"').next().unwrap().replace("&#38;", "&");
    }
    let checkout = checkouts[0]
        .split_once("/checkout?")
        .map(|(_, q)| q.to_string())
        .unwrap();
    let checkout_id = last_guid(&checkouts[0]);
    let prefix = &busy[..10];
    let pages = [
        (
            "templates, first page",
            "/_emulator/ui/templates".to_string(),
        ),
        ("templates, 100th page", deep),
        (
            "templates, INACTIVE (none)",
            "/_emulator/ui/templates?status=INACTIVE".to_string(),
        ),
        (
            "templates, id prefix",
            format!("/_emulator/ui/templates?q={prefix}"),
        ),
        (
            "template with 1,000 checkouts",
            format!("/_emulator/ui/templates/{busy}"),
        ),
        ("edit form", format!("/_emulator/ui/templates/{busy}/edit")),
        (
            "new template form",
            "/_emulator/ui/templates/new".to_string(),
        ),
        (
            "checkouts, first page",
            "/_emulator/ui/checkouts".to_string(),
        ),
        (
            "checkouts of one template",
            format!("/_emulator/ui/checkouts?template={busy}"),
        ),
        ("checkout", format!("/_emulator/ui/checkouts/{checkout_id}")),
        ("webhook log", "/_emulator/ui/webhooks".to_string()),
        (
            "webhook log, one entity",
            format!("/_emulator/ui/webhooks?entity={busy}"),
        ),
        (
            "hosted checkout page",
            format!("/_emulator/sites/{SITE}/checkout?{checkout}"),
        ),
    ];
    writeln!(
        report,
        "\n### {} — console pages with {TEMPLATES} templates ({RUNS} sequential requests each, ms over HTTP)\n\n\
         | page | p50 | p99 | max |\n|---|---|---|---|",
        engine.name()
    )
    .unwrap();
    for (name, path) in pages {
        let _ = page(path.clone()).await;
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            times.push(page(path.clone()).await.0);
        }
        times.sort_by(f64::total_cmp);
        writeln!(
            report,
            "| {name} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[RUNS - 1]
        )
        .unwrap();
    }
    server.stop();
    db.drop_it().await;
}

/// `name=value` of the first cookie a response sets.
fn first_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

/// The last GUID in `s`, however the URL around it is encoded.
fn last_guid(s: &str) -> String {
    let is_guid = |w: &[u8]| {
        w.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    };
    let window = s.as_bytes().windows(36).rev().find(|w| is_guid(w));
    String::from_utf8_lossy(window.expect("a GUID")).into_owned()
}

/// The largest filters the query accepts: what one costs as its size grows
/// (it should grow linearly), and a plain get's latency while eight of the
/// largest run at once (readers must not be starved).
async fn filters(engine: Engine, dir: &Path, report: &mut String) {
    let db = Database::fresh(engine, dir).await;
    let (api, _) = start_api(&db, &config(dir, true)).await;
    let ids = api.bulk(10_000, &template_with(1)).await;
    db.settle().await;
    let (client, base) = (api.client.clone(), api.server.base.clone());
    let query = move |filter: Value| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let started = Instant::now();
            let resp = client
                .post(format!("{base}/ecom/v1/checkout-templates/query"))
                .header("Authorization", KEY)
                .header("wix-site-id", SITE)
                .json(&json!({"query": {"filter": filter, "cursorPaging": {"limit": 100}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                resp.status(),
                200,
                "{}",
                resp.text().await.unwrap_or_default()
            );
            started.elapsed()
        }
    };
    let in_filter = |n: usize| json!({"id": {"$in": ids[..n].to_vec()}});
    let or_filter = |n: usize| json!({"$or": ids[..n].iter().map(|id| json!({"id": {"$startsWith": &id[..8]}})).collect::<Vec<_>>()});
    writeln!(
        report,
        "\n### {} — the largest filters, on 10,000 templates (median of 20, ms)\n\n\
         | filter | ¼ size | ½ size | full size |\n|---|---|---|---|",
        engine.name()
    )
    .unwrap();
    for (name, sizes, make) in [
        (
            "`$in` of 250 / 500 / 1,000 ids",
            [250, 500, 1000],
            &in_filter as &dyn Fn(usize) -> Value,
        ),
        (
            "`$or` of 25 / 50 / 100 `$startsWith`",
            [25, 50, 100],
            &or_filter,
        ),
    ] {
        let mut row = format!("| {name} |");
        for n in sizes {
            let mut times = Vec::new();
            for _ in 0..20 {
                times.push(query(make(n)).await.as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            write!(row, " {:.2} |", percentile(&times, 0.5)).unwrap();
        }
        writeln!(report, "{row}").unwrap();
    }
    // A plain get, alone and beside eight of the largest filters at once.
    let get = |id: String| {
        let (client, base) = (api.client.clone(), api.server.base.clone());
        async move {
            let started = Instant::now();
            let resp = client
                .get(format!("{base}/ecom/v1/checkout-templates/{id}"))
                .header("Authorization", KEY)
                .header("wix-site-id", SITE)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            started.elapsed().as_secs_f64() * 1000.0
        }
    };
    let mut alone = Vec::new();
    for id in ids.iter().take(50) {
        alone.push(get(id.clone()).await);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heavy: Vec<_> = (0..8)
        .map(|_| {
            let (stop, filter, q) = (stop.clone(), in_filter(1000), query.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    q(filter.clone()).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut beside = Vec::new();
    for id in ids.iter().skip(50).take(50) {
        beside.push(get(id.clone()).await);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut heavy_done = 0;
    for h in heavy {
        heavy_done += h.await.unwrap();
    }
    alone.sort_by(f64::total_cmp);
    beside.sort_by(f64::total_cmp);
    writeln!(
        report,
        "\nA get alone: p50 {:.2} ms, max {:.2} ms; beside eight `$in`-of-1,000 queries at once ({heavy_done} of them ran meanwhile): p50 {:.2} ms, max {:.2} ms.",
        percentile(&alone, 0.5),
        alone.last().unwrap(),
        percentile(&beside, 0.5),
        beside.last().unwrap(),
    )
    .unwrap();
    api.server.stop();
    db.drop_it().await;
}

/// Polls a process's RSS until stopped; returns the peak in MiB.
struct RssSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<f64>,
}

fn sample_rss(pid: u32) -> RssSampler {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut peak: f64 = 0.0;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(rss_mib_of(pid));
            std::thread::sleep(Duration::from_millis(50));
        }
        peak
    });
    RssSampler { stop, handle }
}

impl RssSampler {
    fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle.join().unwrap_or(0.0)
    }
}

/// The click at 32 connections with and without group commit, beside pgbench
/// running the same transaction on the same tables. Three rounds, alternating,
/// so a machine that drifts affects all three alike; medians are reported.
async fn click_vs_pgbench(dir: &Path, report: &mut String) {
    let db = Database::fresh(Engine::Postgres, dir).await;
    let (api, _) = start_api(&db, &config(dir, true)).await;
    let id = api.create(template_with(1)).await;
    let lua = script(
        dir,
        "click32",
        "GET",
        &[format!(
            "/ecom/v1/checkout-templates/{id}/create-and-redirect-to-checkout?siteId={SITE}"
        )],
        None,
    );
    // Warm up, and leave a checkout and a `used` event for pgbench to copy.
    wrk(&api.server.base, 32, &lua);
    api.server.stop();
    let bodies = pgbench_script(&db, &id).await;
    let (mut single, mut grouped, mut tps) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        for group_commit in [false, true] {
            fresh_tables(&db).await;
            let (api, _) = start_api(&db, &config(dir, group_commit)).await;
            let load = wrk(&api.server.base, 32, &lua);
            api.server.stop();
            if group_commit {
                grouped.push(load)
            } else {
                single.push(load)
            }
        }
        fresh_tables(&db).await;
        tps.push(pgbench(&db, &bodies));
    }
    let _ = std::fs::remove_file(&bodies);
    db.drop_it().await;
    let median = |loads: &mut Vec<Load>| {
        loads.sort_by(|a, b| a.rps.total_cmp(&b.rps));
        loads[loads.len() / 2]
    };
    let (one, many) = (median(&mut single), median(&mut grouped));
    tps.sort_by(f64::total_cmp);
    let tps = tps[1];
    writeln!(
        report,
        "\n### The click beside PostgreSQL's own limit (32 connections, synchronous_commit=on; median of 3)\n\n\
         | | req/s | p50 ms | p99 ms | errors | ÷ pgbench tps |\n|---|---|---|---|---|---|\n\
         | pgbench -M prepared, same transaction | {tps:.0} | | | | 1.00 |\n\
         | click, each its own transaction | {:.0} | {:.2} | {:.2} | {} | {:.2} |\n\
         | click, group commit | {:.0} | {:.2} | {:.2} | {} | {:.2} |",
        one.rps, one.p50_ms, one.p99_ms, one.errors, one.rps / tps,
        many.rps, many.p50_ms, many.p99_ms, many.errors, many.rps / tps,
    )
    .unwrap();
}

/// Every measurement starts from the same state: no checkouts or events, and
/// nothing left for a checkpoint to write in the middle of it.
async fn fresh_tables(db: &Database) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    for sql in [
        "TRUNCATE checkouts, webhook_attempts, webhook_deliveries, outbox_events",
        "VACUUM ANALYZE",
        "CHECKPOINT",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

/// What a click does as a pgbench script — read the template, insert the
/// checkout, insert the `used` event — with bodies the emulator wrote.
async fn pgbench_script(db: &Database, template_id: &str) -> PathBuf {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let checkout: String = sqlx::query_scalar("SELECT body FROM checkouts LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let used: String =
        sqlx::query_scalar("SELECT body FROM outbox_events WHERE slug = 'used' LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    // pgbench reads ":name" as a variable; JSON's "key":value must not look like one.
    let literal = |json: &str| json.replace("\":", "\": ").replace('\'', "''");
    let sql = format!(
        "\\set n random(1, 2000000000)\n\
         BEGIN;\n\
         SELECT body FROM checkout_templates WHERE site_id = '{SITE}' AND id = '{template_id}';\n\
         INSERT INTO checkouts (site_id, id, template_id, body, created_at) VALUES ('{SITE}', 'pgbench-' || :client_id || '-' || :n || '-' || random(), '{template_id}', '{}', 1);\n\
         INSERT INTO outbox_events (id, site_id, entity_id, slug, body, event_time) VALUES ('pgbench-' || :client_id || '-' || :n || '-' || random(), '{SITE}', '{template_id}', 'used', '{}', 1);\n\
         END;\n",
        literal(&checkout),
        literal(&used)
    );
    let file = std::env::temp_dir().join(format!("click-{}.sql", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, sql).unwrap();
    file
}

/// pgbench -M prepared at 32 connections; its tps.
fn pgbench(db: &Database, script: &Path) -> f64 {
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-c", "32", "-j", "2", "-T"])
        .arg(seconds().to_string())
        .arg("-f")
        .arg(script)
        .arg(&db.url)
        .output()
        .expect("pgbench runs (apt-get install postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("pgbench failed: {}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("ct-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut report = String::new();
    writeln!(
        report,
        "## HTTP ({} cores; wrk, {} s per run)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        seconds()
    )
    .unwrap();
    let parts = std::env::var("BENCH_PARTS")
        .unwrap_or_else(|_| "endpoints,prism,scaling,filters,memory,pgbench".into());
    let part = |name: &str| parts.split(',').any(|p| p.trim() == name);
    let mut ours = Vec::new();
    if part("endpoints") {
        for engine in Engine::selected() {
            ours.push((engine, endpoints(engine, &dir, &mut report).await));
            print!("{report}");
            report.clear();
        }
    }
    if part("prism") && !ours.is_empty() {
        prism(&dir, &ours, &mut report).await;
        print!("{report}");
        report.clear();
    }
    if part("scaling") {
        for engine in Engine::selected() {
            scaling(engine, &dir, &mut report).await;
            print!("{report}");
            report.clear();
        }
    }
    if part("filters") {
        for engine in Engine::selected() {
            filters(engine, &dir, &mut report).await;
            print!("{report}");
            report.clear();
        }
    }
    if part("memory") {
        for engine in Engine::selected() {
            memory(engine, &dir, &mut report).await;
            print!("{report}");
            report.clear();
        }
    }
    if part("console") {
        for engine in Engine::selected() {
            console(engine, &dir, &mut report).await;
            print!("{report}");
            report.clear();
        }
    }
    if part("pgbench") && Engine::selected().contains(&Engine::Postgres) {
        click_vs_pgbench(&dir, &mut report).await;
        print!("{report}");
        report.clear();
    }
    println!();
    let _ = std::fs::remove_dir_all(&dir);
}
