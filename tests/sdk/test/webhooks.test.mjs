// Webhooks through the official SDK: AppStrategy with the emulator's public
// key, client.webhooks.process(), and one handler per event.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, APP_ID, SITE } from '../lib/emulator.mjs';
import { apiClient, customItem, webhookClient } from '../lib/clients.mjs';
import { eventually, startReceiver } from '../lib/receiver.mjs';

let emulator;
let receiver;
let client;
const events = { created: [], updated: [], deleted: [], used: [] };

before(async () => {
  let app;
  receiver = await startReceiver((body) => app.webhooks.process(body));
  emulator = await startEmulator({ webhookUrl: receiver.url });
  const publicKey = await (await fetch(`${emulator.http}/_emulator/apps/${APP_ID}/public-key`)).text();
  app = webhookClient(publicKey);
  app.checkoutTemplates.onCheckoutTemplateCreated((event) => events.created.push(event));
  app.checkoutTemplates.onCheckoutTemplateUpdated((event) => events.updated.push(event));
  app.checkoutTemplates.onCheckoutTemplateDeleted((event) => events.deleted.push(event));
  app.checkoutTemplates.onCheckoutTemplateUsed((event) => events.used.push(event));
  client = apiClient(emulator).checkoutTemplates;
});
after(async () => {
  await emulator?.stop();
  await receiver?.close();
});

test('every event reaches its handler, verified and parsed by the SDK', async () => {
  const first = await client.createCheckoutTemplate({ customLineItems: [customItem('First')] });
  const second = await client.createCheckoutTemplate({ customLineItems: [customItem('Second')] });
  await client.updateCheckoutTemplate(first._id, { couponCode: 'SAVE10' });
  const made = await client.createCheckoutFromTemplate(first._id, SITE);
  // The share link, as a browser follows it.
  const click = await fetch(
    `https://${emulator.apiBaseUrl}/ecom/v1/checkout-templates/${second._id}/create-and-redirect-to-checkout?siteId=${SITE}`,
    { redirect: 'manual' },
  );
  assert.equal(click.status, 302);
  await client.deleteCheckoutTemplate(second._id);

  const count = () => Object.values(events).reduce((n, list) => n + list.length, 0);
  await eventually(() => count() >= 6, 'six events');
  assert.deepEqual(receiver.failures, []);
  assert.equal(events.created.length, 2);
  assert.equal(events.updated.length, 1);
  assert.equal(events.used.length, 2);
  assert.equal(events.deleted.length, 1);

  const created = events.created.find((e) => e.entity._id === first._id);
  assert.equal(created.entity.customLineItems[0].productName.original, 'First');
  assert.equal(created.metadata.entityId, first._id);
  assert.equal(created.metadata.slug, 'created');
  assert.equal(created.metadata.entityFqdn, 'wix.ecom.v1.checkout_template');
  assert.match(created.metadata.instanceId, /^[0-9a-f-]{36}$/);
  assert.equal(created.metadata.accountInfo?.siteId ?? SITE, SITE);

  const [updated] = events.updated;
  assert.equal(updated.entity._id, first._id);
  assert.equal(updated.entity.couponCode, 'SAVE10');

  const [deleted] = events.deleted;
  assert.equal(deleted.metadata.entityId, second._id);

  const fromCall = events.used.find((e) => e.data.checkout._id === made.checkoutId);
  assert.equal(fromCall.data.checkoutTemplate._id, first._id);
  const fromClick = events.used.find((e) => e.data.checkout._id !== made.checkoutId);
  assert.equal(fromClick.data.checkoutTemplate._id, second._id);

  const ids = Object.values(events).flat().map((e) => e.metadata._id);
  assert.equal(new Set(ids).size, 6, 'each event has its own id');
});
