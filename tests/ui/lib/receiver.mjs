// A webhook receiver on 127.0.0.1:0 that answers 200 and keeps each event it
// gets (the JWT's claims decoded, not verified: the SDK suite verifies). It
// also serves a product image, so the checkout page has one to show offline.
import { createServer } from 'node:http';

const IMAGE = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160">
<rect width="160" height="160" fill="#e8eefc"/><path d="M30 110 q20-40 50-40 h30 q20 0 20 20 v20 z" fill="#2855d8"/>
<rect x="30" y="110" width="100" height="12" rx="4" fill="#141a2a"/></svg>`;

export async function startReceiver() {
  const events = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/sneaker.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(IMAGE);
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        const claims = JSON.parse(Buffer.from(body.split('.')[1], 'base64url').toString('utf8'));
        const data = JSON.parse(claims.data);
        const event = JSON.parse(data.data);
        events.push({ id: event.id, slug: event.slug, entityId: event.entityId });
      } catch (error) {
        events.push({ error: String(error) });
      }
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/webhooks`,
    imageUrl: `${origin}/sneaker.svg`,
    events,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Resolves once check() is true; rejects after limitMs. */
export async function eventually(check, what, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
