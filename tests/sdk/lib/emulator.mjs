// Starts the emulator binary for one test file: its own database (a fresh
// SQLite file or PostgreSQL database), an HTTPS listener with the suite's CA,
// and a known set of sites, keys, an app, a catalog item and a coupon.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export const SITE = '11111111-1111-4111-8111-111111111111';
export const OTHER_SITE = '22222222-2222-4222-8222-222222222222';
export const ADMIN_KEY = 'sdk-admin-key';
export const VISITOR_KEY = 'sdk-visitor-key';
export const OTHER_ADMIN_KEY = 'sdk-other-admin-key';
export const APP_ID = '5ad50e1a-0000-4000-8000-00000000a11c';
export const CATALOG_APP = '215238eb-22a5-4c36-9e7b-e7c08025e04e';

function config(webhookUrl) {
  return `
[[sites]]
id = "${SITE}"
url = "https://shop.example.com"

[[sites]]
id = "${OTHER_SITE}"
url = "https://other.example.com"

[[api_keys]]
key = "${ADMIN_KEY}"
site_ids = ["${SITE}"]
role = "admin"

[[api_keys]]
key = "${VISITOR_KEY}"
site_ids = ["${SITE}"]
role = "visitor"

[[api_keys]]
key = "${OTHER_ADMIN_KEY}"
site_ids = ["${OTHER_SITE}"]
role = "admin"

[[apps]]
id = "${APP_ID}"
${webhookUrl ? `webhook_url = "${webhookUrl}"` : ''}

[[catalog]]
app_id = "${CATALOG_APP}"
catalog_item_id = "mug"
name = "Mug"
price = "12.50"
inventory = 2

[[coupons]]
code = "SAVE10"
percent_off = "10"

[limits]
max_body_bytes = 65536

[webhooks]
retry_schedule_secs = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]
poll_interval_ms = 50
`;
}

function freshDatabase(dir) {
  if (process.env.CT_ENGINE !== 'postgres') {
    return { url: `sqlite://${join(dir, 'emulator.db')}`, drop() {} };
  }
  const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ct_sdk_${randomUUID().replaceAll('-', '')}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  return {
    url: admin.replace(/\/[^/]*$/, `/${name}`),
    drop: () => execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

/** Starts the emulator; resolves once it wrote its start-up facts to its ready file. */
export async function startEmulator({ webhookUrl } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ct-sdk-'));
  writeFileSync(join(dir, 'config.toml'), config(webhookUrl));
  const db = freshDatabase(dir);
  const tls = process.env.CT_TLS_DIR;
  const ready = join(dir, 'ready.json');
  const child = spawn(
    process.env.CT_BIN,
    [
      '--config', join(dir, 'config.toml'),
      '--database-url', db.url,
      '--listen', '127.0.0.1:0',
      '--tls-listen', '127.0.0.1:0',
      '--tls-cert', join(tls, 'cert.pem'),
      '--tls-key', join(tls, 'key.pem'),
      '--ready-file', ready,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  let exited = null;
  child.once('exit', (code) => { exited = code; });
  const deadline = Date.now() + 30_000;
  while (!existsSync(ready)) {
    if (exited !== null) throw new Error(`the emulator exited with ${exited} before it was ready`);
    if (Date.now() > deadline) throw new Error('the emulator wrote no ready file within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const facts = JSON.parse(readFileSync(ready, 'utf8'));
  const banner = { http: facts.baseUrl, apiBaseUrl: facts.sdkHost };
  return {
    apiBaseUrl: banner.apiBaseUrl,
    http: banner.http,
    async stop() {
      if (exited === null) {
        const stopped = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await stopped;
      }
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
