// What the Node suites (tests/sdk, tests/ui) share to run the emulator
// binary: a database of its own per run, and a start that waits for the
// start-up facts the binary writes to its --ready-file.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** A fresh SQLite file in `dir`, or a fresh PostgreSQL database (dropped by drop()). */
export function freshDatabase(engine, dir, prefix) {
  if (engine !== 'postgres') {
    return { url: `sqlite://${join(dir, 'emulator.db')}`, drop() {} };
  }
  const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  return {
    url: admin.replace(/\/[^/]*$/, `/${name}`),
    drop: () => execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

/** Spawns `bin args… --ready-file <dir>/ready.json`; resolves with the facts once written (30 s at most). */
export async function startBinary(bin, args, dir) {
  const ready = join(dir, 'ready.json');
  const child = spawn(bin, [...args, '--ready-file', ready], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  let exited = null;
  child.once('exit', (code) => { exited = code; });
  const deadline = Date.now() + 30_000;
  while (!existsSync(ready)) {
    if (exited !== null) throw new Error(`the emulator exited with ${exited} before it was ready`);
    if (Date.now() > deadline) throw new Error('the emulator wrote no ready file within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    facts: JSON.parse(readFileSync(ready, 'utf8')),
    /** SIGTERM, and wait for the exit. */
    async stop() {
      if (exited === null) {
        const stopped = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await stopped;
      }
    },
  };
}
