// Runs the UI suite in Debian's Chromium against the emulator binary, once
// per engine. Screenshots go to target/ui-screenshots/ on every run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.env.CHECKOUT_TEMPLATES_BIN ?? join(here, '../../target/debug/checkout-templates'));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = resolve(process.env.UI_SCREENSHOTS ?? join(here, '../../target/ui-screenshots'));
const engines = (process.env.UI_ENGINES ?? 'sqlite,postgres').split(',').filter(Boolean);
for (const [what, path] of [['the emulator binary', bin], ['Chromium', chromium]]) {
  if (!existsSync(path)) {
    console.error(`${what} is not at ${path}`);
    process.exit(1);
  }
}
mkdirSync(shots, { recursive: true });

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('test', f));

let failed = false;
for (const engine of engines) {
  console.log(`\n== console and checkout page in Chromium, on ${engine}`);
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, CT_ENGINE: engine, CT_BIN: bin, CT_CHROMIUM: chromium, CT_SHOTS: shots },
  });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
