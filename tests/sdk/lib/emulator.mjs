// Starts the emulator binary for one test file: its own database (a fresh
// SQLite file or PostgreSQL database), an HTTPS listener with the suite's CA,
// and a known set of sites, keys, an app, a catalog item and a coupon.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freshDatabase, startBinary } from '../../lib/emulator-process.mjs';

export const SITE = '11111111-1111-4111-8111-111111111111';
export const OTHER_SITE = '22222222-2222-4222-8222-222222222222';
export const ADMIN_KEY = 'sdk-admin-key';
export const VISITOR_KEY = 'sdk-visitor-key';
export const OTHER_ADMIN_KEY = 'sdk-other-admin-key';
export const APP_ID = '5ad50e1a-0000-4000-8000-00000000a11c';
export const CATALOG_APP = '215238eb-22a5-4c36-9e7b-e7c08025e04e';

function config(webhookUrl, wixResends) {
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
${wixResends ? '# Wix\'s resend schedule: a minute, then longer' : 'retry_schedule_secs = [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]'}
poll_interval_ms = 50
`;
}

/** Starts the emulator; resolves once it wrote its start-up facts to its ready file. */
/** `wixResends`: Wix's resend schedule rather than fast resends. */
export async function startEmulator({ webhookUrl, wixResends = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ct-sdk-'));
  writeFileSync(join(dir, 'config.toml'), config(webhookUrl, wixResends));
  const db = freshDatabase(process.env.CT_ENGINE, dir, 'ct_sdk');
  const tls = process.env.CT_TLS_DIR;
  const emulator = await startBinary(
    process.env.CT_BIN,
    [
      '--config', join(dir, 'config.toml'),
      '--database-url', db.url,
      '--listen', '127.0.0.1:0',
      '--tls-listen', '127.0.0.1:0',
      '--tls-cert', join(tls, 'cert.pem'),
      '--tls-key', join(tls, 'key.pem'),
    ],
    dir,
  );
  const banner = { http: emulator.facts.baseUrl, apiBaseUrl: emulator.facts.sdkHost };
  return {
    apiBaseUrl: banner.apiBaseUrl,
    http: banner.http,
    async stop() {
      await emulator.stop();
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
