// Every error the API can give, as the SDK surfaces it: the HTTP status and
// details.applicationError.code or details.validationError.fieldViolations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startEmulator, OTHER_ADMIN_KEY, OTHER_SITE, SITE, VISITOR_KEY } from '../lib/emulator.mjs';
import { apiClient, appCode, catalogItem, customItem, rejects } from '../lib/clients.mjs';

let emulator;
let client;
before(async () => {
  emulator = await startEmulator();
  client = apiClient(emulator).checkoutTemplates;
});
after(() => emulator?.stop());

const template = () => ({ customLineItems: [customItem()] });

test('400: every field violation at once', async () => {
  await rejects(
    client.createCheckoutTemplate({
      customLineItems: [
        { quantity: 0, price: 'abc', productName: { original: 'X' } },
        { quantity: 1, price: '1', productName: { original: 'x'.repeat(201) } },
      ],
    }),
    400,
    (details) => {
      const byField = Object.fromEntries(details.validationError.fieldViolations.map((v) => [v.field, v]));
      assert.equal(byField['checkoutTemplate.customLineItems[0].quantity'].violatedRule, 'MIN');
      assert.equal(byField['checkoutTemplate.customLineItems[0].quantity'].data.threshold, 1);
      assert.equal(byField['checkoutTemplate.customLineItems[0].price'].violatedRule, 'FORMAT');
      assert.equal(byField['checkoutTemplate.customLineItems[1].productName.original'].violatedRule, 'MAX_LENGTH');
      assert.equal(Object.keys(byField).length, 3);
    },
  );
});

test('400 CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS', async () => {
  await rejects(client.createCheckoutTemplate({ couponCode: 'A' }), 400, appCode('CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS'));
});

test('400 CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS', async () => {
  const { _id } = await client.createCheckoutTemplate(template());
  await rejects(client.updateCheckoutTemplate(_id, {}), 400, appCode('CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITHOUT_SPECIFIED_FIELDS'));
});

test('400 CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD', async () => {
  const { _id } = await client.createCheckoutTemplate({
    ...template(),
    externalReference: { appId: randomUUID(), resourceId: 'a' },
  });
  await rejects(
    client.updateCheckoutTemplate(_id, { externalReference: { appId: randomUUID(), resourceId: 'b' } }),
    400,
    appCode('CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD'),
  );
});

test('400 CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS', async () => {
  const { _id } = await client.createCheckoutTemplate(template());
  await rejects(
    client.updateCheckoutTemplate(_id, { status: 'UNKNOWN_STATUS' }),
    400,
    appCode('CANNOT_UPDATE_CHECKOUT_UPDATE_TEMPLATE_WITH_UNKNOWN_STATUS'),
  );
});

test('400 CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_EMPTY_ITEMS', async () => {
  const { _id } = await client.createCheckoutTemplate(template());
  await rejects(
    client.updateCheckoutTemplate(_id, { customLineItems: [] }),
    400,
    appCode('CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_EMPTY_ITEMS'),
  );
});

test('401 UNAUTHENTICATED for an unknown key', async () => {
  const stranger = apiClient(emulator, { apiKey: 'no-such-key' }).checkoutTemplates;
  await rejects(stranger.createCheckoutTemplate(template()), 401, appCode('UNAUTHENTICATED'));
});

test('403 PERMISSION_DENIED for a visitor key writing, while it may create checkouts', async () => {
  const visitor = apiClient(emulator, { apiKey: VISITOR_KEY }).checkoutTemplates;
  await rejects(visitor.createCheckoutTemplate(template()), 403, appCode('PERMISSION_DENIED'));
  const { _id } = await client.createCheckoutTemplate(template());
  const made = await visitor.createCheckoutFromTemplate(_id, SITE);
  assert.ok(made.checkoutId);
});

test('404 NOT_FOUND for an unknown id and for another site', async () => {
  await rejects(client.getCheckoutTemplate(randomUUID()), 404, appCode('NOT_FOUND'));
  const { _id } = await client.createCheckoutTemplate(template());
  const other = apiClient(emulator, { siteId: OTHER_SITE, apiKey: OTHER_ADMIN_KEY }).checkoutTemplates;
  await rejects(other.getCheckoutTemplate(_id), 404, appCode('NOT_FOUND'));
  await rejects(other.deleteCheckoutTemplate(_id), 404, appCode('NOT_FOUND'));
  await rejects(client.updateCheckoutTemplate(randomUUID(), { couponCode: 'A' }), 404, appCode('NOT_FOUND'));
});

test('428 CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE', async () => {
  const { _id } = await client.createCheckoutTemplate(template());
  await client.updateCheckoutTemplate(_id, { status: 'INACTIVE' });
  await rejects(client.createCheckoutFromTemplate(_id, SITE), 428, appCode('CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE'));
});

test('428 ITEM_NOT_FOUND_IN_CATALOG', async () => {
  const { _id } = await client.createCheckoutTemplate({ lineItems: [catalogItem('no-such-item')] });
  await rejects(client.createCheckoutFromTemplate(_id, SITE), 428, appCode('ITEM_NOT_FOUND_IN_CATALOG'));
});

test('428 INSUFFICIENT_INVENTORY', async () => {
  const { _id } = await client.createCheckoutTemplate({ lineItems: [catalogItem('mug', 3)] });
  await rejects(client.createCheckoutFromTemplate(_id, SITE), 428, appCode('INSUFFICIENT_INVENTORY'));
});

test('413 for a body over the configured limit', async () => {
  const big = Array.from({ length: 300 }, (_, i) => customItem(`item ${i} ${'x'.repeat(200)}`));
  await rejects(client.createCheckoutTemplate({ customLineItems: big }), 413);
});
