// Runs the conformance suite against the emulator binary over HTTPS, once per
// engine. The local CA has to be trusted when Node starts, so this launcher
// makes it first and hands it to each test run in NODE_EXTRA_CA_CERTS.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = process.env.CARGO_TARGET_DIR ?? join(here, '../../target');
const bin = resolve(process.env.CHECKOUT_TEMPLATES_BIN ?? join(target, 'debug/checkout-templates'));
const engines = (process.env.SDK_ENGINES ?? 'sqlite,postgres').split(',').filter(Boolean);
const tls = mkdtempSync(join(tmpdir(), 'ct-sdk-tls-'));
execFileSync(bin, ['tls-cert', '--out', tls], { stdio: 'ignore' });

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('test', f));

let failed = false;
for (const engine of engines) {
  console.log(`\n== @wix/sdk conformance on ${engine}`);
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(tls, 'ca.pem'), CT_ENGINE: engine, CT_TLS_DIR: tls, CT_BIN: bin },
  });
  if (run.status !== 0) failed = true;
}
rmSync(tls, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
