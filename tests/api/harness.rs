//! Runs the real application on a real listener (port 0) against its own fresh
//! database — a new SQLite file or a new PostgreSQL database per test.

use std::sync::Arc;

use checkout_templates::config::FileConfig;
use checkout_templates::startup::Launch;
use checkout_templates::store::Store;
use checkout_templates::webhooks::SignOn;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs a test body once per engine, as two separate tests.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::harness::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::harness::Engine::Postgres).await
            }
        }
    };
}

pub const SITE_A: &str = "11111111-1111-4111-8111-111111111111";
pub const SITE_B: &str = "22222222-2222-4222-8222-222222222222";
pub const ADMIN_A: &str = "admin-key-a";
pub const ADMIN_B: &str = "admin-key-b";
pub const VISITOR_A: &str = "visitor-key-a";
pub const ADMIN_AB: &str = "admin-key-ab";
pub const STORES_APP: &str = "215238eb-22a5-4c36-9e7b-e7c08025e04e";

/// Two sites, admin keys for each, a visitor key for A and a key for both.
pub const BASE_CONFIG: &str = r#"
[[sites]]
id = "11111111-1111-4111-8111-111111111111"
url = "https://site-a.example.com"

[[sites]]
id = "22222222-2222-4222-8222-222222222222"
url = "https://site-b.example.com/shop/"
currency = "EUR"

[[api_keys]]
key = "admin-key-a"
site_ids = ["11111111-1111-4111-8111-111111111111"]
role = "admin"

[[api_keys]]
key = "admin-key-b"
site_ids = ["22222222-2222-4222-8222-222222222222"]
role = "admin"

[[api_keys]]
key = "visitor-key-a"
site_ids = ["11111111-1111-4111-8111-111111111111"]
role = "visitor"

[[api_keys]]
key = "admin-key-ab"
site_ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]
role = "admin"
"#;

/// A `[webhooks]` line for tests where Wix's resend schedule (a minute, then
/// up to hours) is not the point: ten resends 50 ms apart.
pub const FAST_RESENDS: &str =
    "retry_schedule_secs = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]";

pub struct TestApp {
    pub base: String,
    /// The start-up facts (the banner's, and the ready file's).
    pub facts: checkout_templates::startup::Facts,
    pub client: reqwest::Client,
    pub store: Store,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// The database, unless this server shares another's.
    _db: Option<Arc<Database>>,
    db_url: String,
}

/// A database of its own for one test, removed when dropped.
pub struct Database {
    pub url: String,
    kind: TestDb,
}

enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub async fn fresh_database(engine: Engine) -> Database {
    let name = format!("ct_test_{}", uuid::Uuid::new_v4().simple());
    match engine {
        Engine::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            Database {
                url: format!("sqlite://{}", path.display()),
                kind: TestDb::Sqlite(path),
            }
        }
        Engine::Postgres => {
            let admin_url = pg_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("PostgreSQL must be reachable at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres)");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let url = match admin_url.rfind('/') {
                Some(i) => format!("{}/{name}", &admin_url[..i]),
                None => panic!("TEST_POSTGRES_URL needs a database path"),
            };
            Database {
                url,
                kind: TestDb::Postgres { admin_url, name },
            }
        }
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        TestApp::spawn_with(engine, BASE_CONFIG).await
    }

    pub async fn spawn_with(engine: Engine, config_toml: &str) -> TestApp {
        let db = Arc::new(fresh_database(engine).await);
        let mut app = TestApp::serve(&db.url, config_toml).await;
        app._db = Some(db);
        app
    }

    /// A server on a database the caller made (and removes).
    pub async fn on_database(db_url: &str, config_toml: &str) -> TestApp {
        TestApp::serve(db_url, config_toml).await
    }

    /// A second server (another instance) on this one's database.
    pub async fn another_instance(&self, config_toml: &str) -> TestApp {
        let mut app = TestApp::serve(&self.db_url, config_toml).await;
        app._db = self._db.clone();
        app
    }

    async fn serve(db_url: &str, config_toml: &str) -> TestApp {
        let mut config: FileConfig = toml::from_str(config_toml).expect("test config parses");
        config.validate().expect("test config is valid");
        config.limits.max_connections = 16;
        let server = Launch {
            config,
            database_url: db_url.to_string(),
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: None,
            public_url: None,
            dispatcher: Some(SignOn::Threads),
        }
        .start()
        .await
        .expect("the emulator starts");
        let base = server.facts.base_url.clone();
        let facts = server.facts.clone();
        let store = server.state.store.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .expect("server runs");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            facts,
            client,
            store,
            shutdown: Some(tx),
            server: Some(server),
            _db: None,
            db_url: db_url.to_string(),
        }
    }

    /// Sends a request with an API key and site header; returns status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: &str,
        site: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .header("Authorization", key)
            .header("wix-site-id", site);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        assert!(
            resp.headers().contains_key("x-wix-request-id"),
            "every response has a request id"
        );
        let content_type = content_type(&resp);
        let bytes = resp.bytes().await.unwrap();
        // Every response a test sees must match the OpenAPI document.
        crate::contract::check(
            &method,
            path,
            status.as_u16(),
            content_type.as_deref(),
            &bytes,
        );
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// As the admin of site A.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, ADMIN_A, SITE_A, body).await
    }

    /// Creates a template on site A and returns it; panics unless 200.
    pub async fn create(&self, template: Value) -> Value {
        let (status, body) = self
            .admin(
                Method::POST,
                "/ecom/v1/checkout-templates",
                Some(serde_json::json!({"checkoutTemplate": template})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["checkoutTemplate"].clone()
    }

    /// Creates a template on site A and returns its id.
    pub async fn create_id(&self, template: Value) -> String {
        self.create(template).await["id"]
            .as_str()
            .expect("a created template has an id")
            .to_string()
    }

    /// The PEM an app's webhooks verify with, as a subscriber fetches it.
    pub async fn public_key(&self, app_id: &str) -> String {
        self.client
            .get(format!("{}/_emulator/apps/{app_id}/public-key", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Follows nothing: returns the status and `Location` of a share-link click.
    pub async fn click(&self, template_id: &str, site_id: &str) -> (StatusCode, Option<String>) {
        let resp = self
            .client
            .get(format!(
                "{}/ecom/v1/checkout-templates/{template_id}/create-and-redirect-to-checkout?siteId={site_id}",
                self.base
            ))
            .send()
            .await
            .unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let status = resp.status();
        let content_type = content_type(&resp);
        let bytes = resp.bytes().await.unwrap();
        crate::contract::check(
            &Method::GET,
            &format!("/ecom/v1/checkout-templates/{template_id}/create-and-redirect-to-checkout"),
            status.as_u16(),
            content_type.as_deref(),
            &bytes,
        );
        (status, location)
    }

    pub async fn count(&self, table: checkout_templates::store::Table) -> i64 {
        self.store.count(table).await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        match &self.kind {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; a throwaway runtime on its own thread does the cleanup.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn content_type(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The checkout id in a checkout URL of Wix's shape,
/// `<site url>/checkout?appSectionParams=<URL-encoded {"checkoutId": …}>`.
pub fn checkout_id_in(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    if !url.path().ends_with("/checkout") {
        return None;
    }
    let (_, params) = url
        .query_pairs()
        .find(|(name, _)| name == "appSectionParams")?;
    let params: Value = serde_json::from_str(&params).ok()?;
    params["checkoutId"].as_str().map(str::to_string)
}

/// A custom line item with what Wix requires of one (quantity, name, type).
pub fn custom_item(name: &str, price: &str) -> Value {
    serde_json::json!({"quantity": 1, "price": price, "productName": {"original": name}, "itemType": {"preset": "PHYSICAL"}})
}

/// A minimal valid template: one catalog line item.
pub fn simple_template() -> Value {
    serde_json::json!({
        "lineItems": [{
            "quantity": 1,
            "catalogReference": {"catalogItemId": "item-1", "appId": STORES_APP}
        }]
    })
}
