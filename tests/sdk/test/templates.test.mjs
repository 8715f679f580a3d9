// Every checkout-template call of the SDK against the emulator over HTTPS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, SITE, CATALOG_APP, ADMIN_KEY, APP_ID } from '../lib/emulator.mjs';
import { apiClient, appCode, catalogItem, customItem, rejects } from '../lib/clients.mjs';

let emulator;
let client;
before(async () => {
  emulator = await startEmulator();
  client = apiClient(emulator).checkoutTemplates;
});
after(() => emulator?.stop());

const full = () => ({
  lineItems: [{ ...catalogItem('mug', 2), catalogOverrideFields: { productName: { original: 'Big mug' } } }],
  customLineItems: [customItem('Poster', '20.00', 1)],
  couponCode: 'SAVE10',
  customization: { lockedCoupon: true, lockedGiftCard: false, webClient: { disabledContinueShoppingButton: true } },
  customContentReference: { appId: CATALOG_APP, componentId: '8a3c1a25-0d42-4a45-a1c0-2a0c7e4d4f5b' },
  externalReference: { appId: CATALOG_APP, resourceId: 'campaign-7' },
});

test('create returns the template with an id, ACTIVE by default, every field kept', async () => {
  const created = await client.createCheckoutTemplate(full());
  assert.match(created._id, /^[0-9a-f-]{36}$/);
  assert.equal(created.status, 'ACTIVE');
  assert.deepEqual(created.lineItems[0].catalogReference, { catalogItemId: 'mug', appId: CATALOG_APP });
  assert.equal(created.lineItems[0].quantity, 2);
  assert.equal(created.customLineItems[0].price, '20.00');
  assert.equal(created.couponCode, 'SAVE10');
  assert.equal(created.customization.lockedCoupon, true);
  assert.equal(created.customization.webClient.disabledContinueShoppingButton, true);
  assert.equal(created.externalReference.resourceId, 'campaign-7');
});

test('get returns what create stored', async () => {
  const created = await client.createCheckoutTemplate(full());
  const got = await client.getCheckoutTemplate(created._id);
  assert.deepEqual(got, created);
});

test('update changes only the fields sent', async () => {
  const created = await client.createCheckoutTemplate(full());
  const updated = await client.updateCheckoutTemplate(created._id, { status: 'INACTIVE', couponCode: 'OTHER' });
  assert.equal(updated.status, 'INACTIVE');
  assert.equal(updated.couponCode, 'OTHER');
  assert.deepEqual(updated.lineItems, created.lineItems);
  assert.deepEqual(updated.customization, created.customization);
  assert.deepEqual(await client.getCheckoutTemplate(created._id), updated);
});

test('delete removes the template', async () => {
  const created = await client.createCheckoutTemplate({ customLineItems: [customItem()] });
  assert.equal(await client.deleteCheckoutTemplate(created._id), undefined);
  await rejects(client.getCheckoutTemplate(created._id), 404);
});

test('bulk create makes every template, with entities on request', async () => {
  const result = await client.bulkCreateCheckoutTemplates(
    [{ customLineItems: [customItem('A')] }, { lineItems: [catalogItem()] }],
    { returnEntity: true },
  );
  assert.deepEqual(result.results.map((r) => r.itemMetadata.success), [true, true]);
  assert.deepEqual(result.results.map((r) => r.itemMetadata.originalIndex), [0, 1]);
  assert.equal(result.results[0].item.customLineItems[0].productName.original, 'A');
  assert.equal(result.results[0].itemMetadata._id, result.results[0].item._id);
  assert.equal(result.bulkActionMetadata.totalSuccesses, 2);
  assert.equal(result.bulkActionMetadata.totalFailures, 0);
  const got = await client.getCheckoutTemplate(result.results[1].item._id);
  assert.equal(got.lineItems[0].catalogReference.catalogItemId, 'mug');
});

test('bulk create is all or nothing: a bad template or one without items fails the request', async () => {
  const before = await client.queryCheckoutTemplates().limit(100).find();
  await rejects(
    client.bulkCreateCheckoutTemplates([{ customLineItems: [customItem('A')] }, { customLineItems: [customItem('B', '1.00', 0)] }]),
    400,
    (details) => {
      assert.deepEqual(
        details.validationError.fieldViolations.map((v) => [v.field, v.violatedRule]),
        [['checkoutTemplates[1].customLineItems[0].quantity', 'MIN']],
      );
    },
  );
  await rejects(
    client.bulkCreateCheckoutTemplates([{ customLineItems: [customItem('A')] }, { couponCode: 'SAVE10' }]),
    400,
    appCode('CANNOT_CREATE_CHECKOUT_TEMPLATE_WITHOUT_ITEMS'),
  );
  const after = await client.queryCheckoutTemplates().limit(100).find();
  assert.equal(after.items.length, before.items.length, 'nothing was created');
});

test('what the caller left out comes back as Wix\'s default', async () => {
  const created = await client.createCheckoutTemplate({ lineItems: [catalogItem()] });
  assert.deepEqual(created.customLineItems, []);
  assert.deepEqual(created.customization, {
    webClient: { disabledContinueShoppingButton: false, disabledPolicyAgreementCheckbox: false },
    lockedGiftCard: false,
    lockedCoupon: false,
    disabledManualPayment: false,
  });
  const withCustom = await client.updateCheckoutTemplate(created._id, {
    customLineItems: [{ quantity: 1, productName: { original: 'Free' }, itemType: { preset: 'DIGITAL' } }],
  });
  const [item] = withCustom.customLineItems;
  assert.equal(item.price, '0');
  assert.equal(item.paymentOption, 'FULL_PAYMENT_ONLINE');
  assert.deepEqual([item.priceUndetermined, item.fixedQuantity, item.savePaymentMethod, item.membersOnly], [false, false, false, false]);
});

test('createCheckoutFromTemplate makes a priced checkout on the site', async () => {
  const created = await client.createCheckoutTemplate(full());
  const made = await client.createCheckoutFromTemplate(created._id, SITE);
  assert.match(made.checkoutId, /^[0-9a-f-]{36}$/);
  // Wix's documented shape: the id as URL-encoded JSON in appSectionParams.
  const params = encodeURIComponent(JSON.stringify({ checkoutId: made.checkoutId }));
  assert.equal(made.checkoutUrl, `https://shop.example.com/checkout?appSectionParams=${params}`);
  // The checkout itself, over the same HTTPS listener the SDK uses.
  const response = await fetch(`https://${emulator.apiBaseUrl}/ecom/v1/checkouts/${made.checkoutId}`, {
    headers: { Authorization: ADMIN_KEY, 'wix-site-id': SITE },
  });
  assert.equal(response.status, 200);
  const { checkout } = await response.json();
  assert.equal(checkout.lineItems.length, 2);
  // 2 × 12.50 + 20.00 = 45.00, less 10 %.
  assert.equal(Number(checkout.priceSummary.subtotal.amount), 45);
  assert.equal(Number(checkout.priceSummary.total.amount), 40.5);
  // 4.50 off, spread over the lines in proportion: 2.50 and 2.00.
  assert.deepEqual(checkout.lineItems.map((l) => l.discount.amount), ['2.5', '2']);
  assert.equal(checkout.payNow.total.amount, '40.5');
  assert.equal(checkout.customSettings.lockCouponCode, true);
  assert.deepEqual(checkout.createdBy, { appId: APP_ID });
  assert.match(checkout.buyerInfo.visitorId, /^[0-9a-f-]{36}$/);
  assert.equal(checkout.lineItems[1].productName.translated, 'Poster');
});

test('updating a template does not change checkouts made before', async () => {
  const created = await client.createCheckoutTemplate({ customLineItems: [customItem('Old', '5.00')] });
  const made = await client.createCheckoutFromTemplate(created._id, SITE);
  await client.updateCheckoutTemplate(created._id, { customLineItems: [customItem('New', '9.00')] });
  const response = await fetch(`https://${emulator.apiBaseUrl}/ecom/v1/checkouts/${made.checkoutId}`, {
    headers: { Authorization: ADMIN_KEY, 'wix-site-id': SITE },
  });
  const { checkout } = await response.json();
  assert.deepEqual(checkout.lineItems.map((item) => item.productName.original), ['Old']);
});

test('an INACTIVE template gives no checkout', async () => {
  const created = await client.createCheckoutTemplate({ customLineItems: [customItem()] });
  await client.updateCheckoutTemplate(created._id, { status: 'INACTIVE' });
  await rejects(
    client.createCheckoutFromTemplate(created._id, SITE),
    428,
    appCode('CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE'),
  );
});
