// A webhook receiver as an app would write it: every POST body goes to
// client.webhooks.process(), which verifies the JWT and runs the handlers.
import { createServer } from 'node:http';

export async function startReceiver(handle) {
  const failures = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      try {
        await handle(body);
        res.writeHead(200).end();
      } catch (error) {
        failures.push(error);
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks`,
    failures,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Resolves once check() is true, or rejects after the limit. */
export async function eventually(check, what, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
