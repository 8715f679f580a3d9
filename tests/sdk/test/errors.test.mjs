// Every error the API can give, as the SDK surfaces it: the HTTP status and
// details.applicationError.code or details.validationError.fieldViolations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startEmulator, CATALOG_APP, OTHER_ADMIN_KEY, OTHER_SITE, SITE, VISITOR_KEY } from '../lib/emulator.mjs';
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
        { ...customItem('X', 'abc', 0) },
        { ...customItem('x'.repeat(201), '1') },
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

test('400 REQUIRED_FIELD for every field @requiredField lists, with its full path', async () => {
  await rejects(
    client.createCheckoutTemplate({
      lineItems: [{ quantity: 1, catalogReference: { catalogItemId: 'mug' } }, { catalogReference: { appId: CATALOG_APP } }],
      customLineItems: [
        { quantity: 1, price: '1' },
        { quantity: 1, productName: { original: 'A' }, itemType: {} },
        { quantity: 1, productName: { original: 'B' }, itemType: { custom: 'poster' }, descriptionLines: [{ plainText: { original: 'red' } }] },
      ],
    }),
    400,
    (details) => {
      const got = details.validationError.fieldViolations.map((v) => `${v.field} ${v.violatedRule}`).sort();
      assert.deepEqual(got, [
        'checkoutTemplate.customLineItems[0].itemType REQUIRED_FIELD',
        'checkoutTemplate.customLineItems[0].productName REQUIRED_FIELD',
        'checkoutTemplate.customLineItems[1].itemType REQUIRED_FIELD',
        'checkoutTemplate.customLineItems[2].descriptionLines[0].name REQUIRED_FIELD',
        'checkoutTemplate.lineItems[0].catalogReference.appId REQUIRED_FIELD',
        'checkoutTemplate.lineItems[1].catalogReference.catalogItemId REQUIRED_FIELD',
        'checkoutTemplate.lineItems[1].quantity REQUIRED_FIELD',
      ]);
    },
  );
});

test('a custom line item needs no price: it comes back as "0"', async () => {
  const created = await client.createCheckoutTemplate({
    customLineItems: [{ quantity: 1, productName: { original: 'Quote' }, itemType: { custom: 'consultation' } }],
  });
  assert.equal(created.customLineItems[0].price, '0');
});

test('400 REQUIRED_FIELD on siteId when createCheckoutFromTemplate leaves it out; 403 for another site', async () => {
  const { _id } = await client.createCheckoutTemplate(template());
  await rejects(client.createCheckoutFromTemplate(_id), 400, (details) => {
    assert.deepEqual(
      details.validationError.fieldViolations.map((v) => [v.field, v.violatedRule]),
      [['siteId', 'REQUIRED_FIELD']],
    );
  });
  await rejects(client.createCheckoutFromTemplate(_id, OTHER_SITE), 403, appCode('PERMISSION_DENIED'));
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
