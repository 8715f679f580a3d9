// The README's SDK snippets, extracted and run as written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, ADMIN_KEY, APP_ID, SITE } from '../lib/emulator.mjs';
import { apiClient, customItem } from '../lib/clients.mjs';
import { eventually } from '../lib/receiver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '../../../README.md'), 'utf8');

/** Writes the README's `<!-- snippet: NAME -->` block next to node_modules. */
function snippet(name) {
  const match = readme.match(new RegExp(`<!-- snippet: ${name.replace('.', '\\.')} -->\\n\`\`\`js\\n([\\s\\S]*?)\`\`\``));
  assert.ok(match, `README has the ${name} snippet`);
  const dir = join(here, '../.snippets');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, match[1]);
  return file;
}

/** Runs a script; collects its output; resolves on exit. */
function run(file, env) {
  const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { text: '', child };
  child.stdout.on('data', (d) => (out.text += d));
  child.stderr.on('data', (d) => (out.text += d));
  out.exited = new Promise((resolve) => child.once('exit', resolve));
  return out;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let emulator;
let port;
before(async () => {
  port = await freePort();
  emulator = await startEmulator({ webhookUrl: `http://127.0.0.1:${port}/` });
});
after(() => emulator?.stop());

test('"Use it with the official SDK" runs as written', async () => {
  const out = run(snippet('sdk-quickstart.mjs'), {
    EMULATOR_HOST: emulator.apiBaseUrl,
    WIX_SITE_ID: SITE,
    WIX_API_KEY: ADMIN_KEY,
  });
  assert.equal(await out.exited, 0, out.text);
  assert.match(out.text, /^checkout at https:\/\/shop\.example\.com\/checkout\?appSectionParams=%7B%22checkoutId%22%3A%22[0-9a-f-]{36}%22%7D$/m);
  assert.match(out.text, /^active templates: 1$/m);
  assert.match(out.text, /^error: NOT_FOUND$/m);
});

test('"Verify webhooks" receives and verifies every event', async () => {
  const out = run(snippet('verify-webhooks.mjs'), {
    EMULATOR_URL: emulator.http,
    WIX_APP_ID: APP_ID,
    PORT: String(port),
  });
  try {
    await eventually(() => out.text.includes('listening'), 'the receiver to listen');
    const client = apiClient(emulator).checkoutTemplates;
    const { _id } = await client.createCheckoutTemplate({ customLineItems: [customItem()] });
    await client.updateCheckoutTemplate(_id, { couponCode: 'SAVE10' });
    const { checkoutId } = await client.createCheckoutFromTemplate(_id, SITE);
    await client.deleteCheckoutTemplate(_id);
    for (const line of [`updated ${_id}`, `used ${_id} ${checkoutId}`, `deleted ${_id}`]) {
      await eventually(() => out.text.includes(line), line);
    }
    assert.match(out.text, new RegExp(`^created ${_id} [0-9a-f-]{36}$`, 'm'));
    assert.doesNotMatch(out.text, /Error/);
  } finally {
    out.child.kill();
  }
});

test('"Testing your app against it" runs as written', async () => {
  // An emulator of its own, whose app sends webhooks to the script's port.
  const hookPort = await freePort();
  // Wix's resends (a minute): only the script's clock makes it pass in time.
  const own = await startEmulator({ webhookUrl: `http://127.0.0.1:${hookPort}/`, wixResends: true });
  try {
    const out = run(snippet('test-your-app.mjs'), {
      EMULATOR_URL: own.http,
      EMULATOR_HOST: own.apiBaseUrl,
      WIX_API_KEY: ADMIN_KEY,
      WIX_APP_ID: APP_ID,
      PORT: String(hookPort),
    });
    assert.equal(await out.exited, 0, out.text);
    assert.match(out.text, /^attempt 1 failed; next at \d{4}-\d{2}-\d{2}T[\d:.]+Z$/m);
    assert.match(out.text, /^attempt 2 delivered; the app saw checkout [0-9a-f-]{36}$/m);
  } finally {
    await own.stop();
  }
});
