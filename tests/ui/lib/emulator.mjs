// Starts the emulator binary for the UI suite: its own database (a fresh
// SQLite file, or a fresh PostgreSQL database), its own port, a site the
// emulator hosts (no url), a second site for the switcher, keys, a coupon and
// an app whose webhooks go to the given receiver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freshDatabase, startBinary } from '../../lib/emulator-process.mjs';

export const SITE = '11111111-1111-4111-8111-111111111111';
export const OTHER_SITE = '22222222-2222-4222-8222-222222222222';
export const ADMIN_KEY = 'ui-admin-key';
export const VISITOR_KEY = 'ui-visitor-key';
export const APP_ID = '5ad50e1a-0000-4000-8000-0000000000a1';
export const STORES_APP = '215238eb-22a5-4c36-9e7b-e7c08025e04e';

function config(webhookUrl) {
  return `
[[sites]]
id = "${SITE}"

[[sites]]
id = "${OTHER_SITE}"

[[api_keys]]
key = "${ADMIN_KEY}"
site_ids = ["${SITE}", "${OTHER_SITE}"]
role = "admin"

[[api_keys]]
key = "${VISITOR_KEY}"
site_ids = ["${SITE}"]
role = "visitor"

[[apps]]
id = "${APP_ID}"
webhook_url = "${webhookUrl}"

[[coupons]]
code = "FLASH"
percent_off = "10"

[webhooks]
retry_schedule_secs = [0.05]
poll_interval_ms = 50
`;
}

/** Starts the emulator on 127.0.0.1:0; resolves with its ready-file facts once it is serving. */
export async function startEmulator({ bin, engine, webhookUrl }) {
  const dir = mkdtempSync(join(tmpdir(), 'ct-ui-'));
  writeFileSync(join(dir, 'config.toml'), config(webhookUrl));
  const db = freshDatabase(engine, dir, 'ct_ui');
  const emulator = await startBinary(
    bin,
    ['--config', join(dir, 'config.toml'), '--database-url', db.url, '--listen', '127.0.0.1:0'],
    dir,
  );
  const { facts } = emulator;
  return {
    facts,
    base: facts.baseUrl,
    /** Calls the REST API as the admin of SITE. */
    async api(method, path, body) {
      const response = await fetch(`${facts.baseUrl}${path}`, {
        method,
        headers: { authorization: ADMIN_KEY, 'wix-site-id': SITE, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text);
    },
    async stop() {
      await emulator.stop();
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
