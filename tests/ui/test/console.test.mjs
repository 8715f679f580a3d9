// The console and the hosted checkout page, as a person uses them, in
// Debian's Chromium (headless). Controls are found by their accessible names.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ADMIN_KEY, OTHER_SITE, SITE, STORES_APP, VISITOR_KEY, startEmulator } from '../lib/emulator.mjs';
import { eventually, startReceiver } from '../lib/receiver.mjs';

const engine = process.env.CT_ENGINE ?? 'sqlite';
const MARKUP = '<img src=x onerror="window.__xss=1">';

let emulator;
let receiver;
let browser;
/** Errors thrown by any page's scripts, and dialogs any page opened: both must stay empty. */
const pageErrors = [];
const dialogs = [];

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: emulator.base });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  page.on('dialog', async (dialog) => {
    dialogs.push(`${page.url()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  return page;
}

/** A full-page screenshot under target/ui-screenshots/, named by engine and page. */
async function shot(page, name) {
  await page.screenshot({ path: join(process.env.CT_SHOTS, `${engine}-${name}.png`), fullPage: true });
}

const url = (path) => `${emulator.base}${path}`;

async function signIn(page, key = ADMIN_KEY) {
  await page.goto(url('/_emulator/ui/sign-in'));
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Nothing a page shows may have run the markup in a product name. */
async function assertMarkupInert(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `markup ran on ${page.url()}`);
  assert.equal(await page.locator('img[src="x"]').count(), 0, `an <img> was made from markup on ${page.url()}`);
}

let signedIn;
let formTemplateId;
let shareLink;

before(async () => {
  receiver = await startReceiver();
  emulator = await startEmulator({ bin: process.env.CT_BIN, engine, webhookUrl: receiver.url });
  browser = await chromium.launch({ executablePath: process.env.CT_CHROMIUM, headless: true });
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
  await receiver?.close();
});

describe(`console on ${engine}`, { timeout: 120_000 }, () => {
  test('a browser without a session sees no data', async () => {
    const { checkoutTemplate } = await emulator.api('POST', '/ecom/v1/checkout-templates', {
      checkoutTemplate: { customLineItems: [{ quantity: 1, price: '3', productName: { original: 'Secret poster' }, itemType: { preset: 'PHYSICAL' } }] },
    });
    const page = await newPage();
    for (const path of ['/_emulator/ui/templates', `/_emulator/ui/templates/${checkoutTemplate.id}`, '/_emulator/ui/checkouts', '/_emulator/ui/webhooks']) {
      await page.goto(url(path));
      assert.equal(new URL(page.url()).pathname, '/_emulator/ui/sign-in', path);
      const text = await page.locator('body').innerText();
      assert.ok(!text.includes(checkoutTemplate.id) && !text.includes('Secret poster'), `${path} showed data`);
    }
    await page.goto(url('/'));
    assert.equal(new URL(page.url()).pathname, '/_emulator/ui/sign-in');
    await shot(page, 'sign-in');
    await page.context().close();
  });

  test('sign in with the form; a wrong key and a visitor key are refused; sign out', async () => {
    const page = await newPage();
    await signIn(page, 'not-a-key');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await signIn(page, VISITOR_KEY);
    await page.getByRole('alert').filter({ hasText: 'visitor key' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Templates', exact: true }).count(), 0);
    await signIn(page);
    await page.getByRole('heading', { name: 'Templates' }).waitFor();
    for (const name of ['Templates', 'Checkouts', 'Webhooks']) {
      assert.ok(await page.getByRole('link', { name, exact: true }).isVisible(), name);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor();
    await page.goto(url('/_emulator/ui/templates'));
    assert.equal(new URL(page.url()).pathname, '/_emulator/ui/sign-in');
    await page.context().close();
  });

  test('the one-click link from the start-up facts signs in once, to a clean URL', async () => {
    const link = emulator.facts.consoleSignInUrl;
    assert.match(link, /\/_emulator\/ui\/sign-in\?token=[0-9a-f]{64}$/);
    signedIn = await newPage();
    await signedIn.goto(link);
    await signedIn.getByRole('heading', { name: 'Templates' }).waitFor();
    assert.equal(signedIn.url(), url('/_emulator/ui/templates'));
    const again = await newPage();
    await again.goto(link);
    await again.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
    await again.context().close();
  });

  test('create a template through the form: an invalid quantity is shown beside its field, then fixed', async () => {
    const page = signedIn;
    await page.getByRole('link', { name: 'New template' }).click();
    const line = page.getByRole('group', { name: 'Line item 1', exact: true });
    await line.getByLabel('Catalog item id', { exact: true }).fill('sneaker');
    await line.getByLabel('Quantity', { exact: true }).fill('0');
    await line.getByLabel('Product name', { exact: true }).fill('Sneaker');
    await line.getByLabel('Price', { exact: true }).fill('49.90');
    // Rows come and go without script.
    await page.getByRole('button', { name: 'Add custom line item' }).click();
    await page.getByRole('group', { name: 'Custom line item 2', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Remove custom line item 2' }).click();
    await page.getByRole('group', { name: 'Custom line item 2', exact: true }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('group', { name: 'Line item 1', exact: true }).getByLabel('Quantity', { exact: true }).inputValue(), '0');
    const custom = page.getByRole('group', { name: 'Custom line item 1', exact: true });
    await custom.getByLabel('Product name', { exact: true }).fill('Gift wrap');
    await custom.getByLabel('Quantity', { exact: true }).fill('1');
    await custom.getByLabel('Price', { exact: true }).fill('4.50');
    await page.getByLabel('Coupon code', { exact: true }).fill('FLASH');
    await page.getByLabel('Lock the coupon code', { exact: true }).check();
    await page.getByRole('button', { name: 'Create template' }).click();

    const quantity = page.getByRole('group', { name: 'Line item 1', exact: true }).getByLabel('Quantity', { exact: true });
    assert.equal(await quantity.getAttribute('aria-invalid'), 'true');
    const describedBy = await quantity.getAttribute('aria-describedby');
    assert.match(await page.locator(`#${describedBy}`).innerText(), /must be at least 1/);
    // Beside the field: inside the same field box, just under the input.
    const field = quantity.locator('xpath=..');
    assert.match(await field.innerText(), /must be at least 1/);
    assert.match(await page.getByRole('alert').innerText(), /lineItems\[0\]\.quantity/);
    await shot(page, 'new-template-error');

    await quantity.fill('2');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('status').filter({ hasText: 'Template created.' }).waitFor();
    formTemplateId = new URL(page.url()).pathname.split('/').pop();
    assert.match(formTemplateId, /^[0-9a-f-]{36}$/);
    const { checkoutTemplate } = await emulator.api('GET', `/ecom/v1/checkout-templates/${formTemplateId}`);
    assert.equal(checkoutTemplate.lineItems[0].quantity, 2);
    assert.equal(checkoutTemplate.customLineItems[0].productName.original, 'Gift wrap');
    assert.equal(checkoutTemplate.couponCode, 'FLASH');
    assert.equal(checkoutTemplate.customization.lockedCoupon, true);
    // The copy button exists once its script ran, and copies.
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    shareLink = await page.getByLabel('Share link', { exact: true }).inputValue();
    assert.equal(shareLink, url(`/ecom/v1/checkout-templates/${formTemplateId}/create-and-redirect-to-checkout?siteId=${SITE}`));
  });

  test('its share link lands on the checkout page with the items and the right total', async () => {
    const page = await newPage();
    await page.goto(shareLink);
    await page.getByRole('heading', { name: 'Checkout', exact: true }).waitFor();
    assert.match(new URL(page.url()).pathname, new RegExp(`/_emulator/sites/${SITE}/checkout$`));
    const items = await page.locator('.lines').innerText();
    assert.match(items, /Sneaker[\s\S]*Quantity: 2 × \$49\.90[\s\S]*\$99\.80/);
    assert.match(items, /Gift wrap[\s\S]*Quantity: 1 × \$4\.50/);
    // 99.80 + 4.50 = 104.30; FLASH takes 10 %: 10.43.
    assert.equal(await page.locator('#subtotal').innerText(), '$104.30');
    assert.equal(await page.locator('#discount').innerText(), '−$10.43');
    assert.equal(await page.locator('#total').innerText(), '$93.87');
    assert.match(await page.locator('.applied').innerText(), /FLASH applied: −\$10\.43/);
    assert.equal(await page.getByLabel('Coupon code', { exact: true }).inputValue(), 'FLASH');
    assert.ok(!(await page.getByLabel('Coupon code', { exact: true }).isEditable()), 'the locked coupon field is not editable');
    assert.ok(await page.getByLabel('Gift card', { exact: true }).isEditable());
    assert.ok(await page.getByRole('link', { name: 'Continue shopping' }).isVisible());
    assert.ok(await page.getByLabel("I agree to the store's policies", { exact: true }).isVisible());
    assert.ok(await page.getByLabel('Manual payment (pay offline)', { exact: true }).isVisible());
    assert.match(await page.getByRole('note').innerText(), /no payment is taken/i);
    await page.context().close();

    await signedIn.reload();
    assert.equal(await signedIn.locator('#checkouts-made').innerText(), '1');
    await shot(signedIn, 'template');
  });

  test('customSettings are honoured on the checkout page: locked fields, no button, no checkbox, no manual payment', async () => {
    const { checkoutTemplate } = await emulator.api('POST', '/ecom/v1/checkout-templates', {
      checkoutTemplate: {
        lineItems: [{
          quantity: 1,
          catalogReference: { appId: STORES_APP, catalogItemId: 'sneaker' },
          catalogOverrideFields: {
            productName: { original: 'Trail sneaker' },
            price: '89.00',
            image: { id: receiver.imageUrl, width: 160, height: 160, altText: 'Trail sneaker' },
            descriptionLines: [{ name: { original: 'Size' }, plainText: { original: '42' } }, { name: { original: 'Colour' }, plainText: { original: 'Blue' } }],
          },
        }],
        customLineItems: [{ quantity: 2, price: '4.50', productName: { original: 'Gift wrap' }, itemType: { preset: 'PHYSICAL' } }],
        couponCode: 'FLASH',
        customization: {
          lockedCoupon: true,
          lockedGiftCard: true,
          disabledManualPayment: true,
          webClient: { disabledContinueShoppingButton: true, disabledPolicyAgreementCheckbox: true },
        },
      },
    });
    const page = await newPage();
    await page.goto(url(`/ecom/v1/checkout-templates/${checkoutTemplate.id}/create-and-redirect-to-checkout?siteId=${SITE}`));
    await page.getByRole('heading', { name: 'Checkout', exact: true }).waitFor();
    assert.ok(!(await page.getByLabel('Coupon code', { exact: true }).isEditable()));
    assert.ok(!(await page.getByLabel('Gift card', { exact: true }).isEditable()));
    assert.equal(await page.getByRole('link', { name: 'Continue shopping' }).count(), 0);
    assert.equal(await page.getByLabel("I agree to the store's policies", { exact: true }).count(), 0);
    assert.equal(await page.getByLabel('Manual payment (pay offline)', { exact: true }).count(), 0);
    assert.match(await page.locator('.lines').innerText(), /Size: 42[\s\S]*Colour: Blue/);
    const image = page.locator('.line img').first();
    await eventually(() => image.evaluate((img) => img.complete && img.naturalWidth > 0), 'the product image to load');
    // 89.00 + 9.00 = 98.00; 10 %: 9.80.
    assert.equal(await page.locator('#total').innerText(), '$88.20');
    await shot(page, 'hosted-checkout');
    await page.context().close();
  });

  test('deactivating in the console makes the link land on the site page', async () => {
    const page = signedIn;
    await page.goto(url(`/_emulator/ui/templates/${formTemplateId}`));
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await page.getByRole('button', { name: 'Activate', exact: true }).waitFor();
    const { checkoutTemplate } = await emulator.api('GET', `/ecom/v1/checkout-templates/${formTemplateId}`);
    assert.equal(checkoutTemplate.status, 'INACTIVE');

    const customer = await newPage();
    await customer.goto(shareLink);
    assert.equal(new URL(customer.url()).pathname, `/_emulator/sites/${SITE}`);
    assert.match(await customer.locator('main').innerText(), /Why you are here:.*inactive, was deleted, or never existed/s);
    await shot(customer, 'site');
    await customer.context().close();
    assert.equal(await page.locator('#checkouts-made').innerText(), '1', 'no checkout was made');

    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).waitFor();
  });

  test('the webhook log lists the deliveries, and Replay sends one again', async () => {
    const page = signedIn;
    const created = () => receiver.events.filter((e) => e.slug === 'created' && e.entityId === formTemplateId);
    await eventually(() => created().length === 1, 'the created event to arrive');
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    const log = await page.locator('main').innerText();
    for (const slug of ['created', 'updated', 'used']) assert.match(log, new RegExp(`checkout_template_${slug}`));
    assert.match(log, new RegExp(formTemplateId));

    await page.getByLabel('Entity id', { exact: true }).fill(formTemplateId);
    await page.getByLabel('Event', { exact: true }).selectOption('created');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/slug=created/);
    await eventually(async () => {
      await page.reload();
      return (await page.locator('article.delivery .badge').first().textContent()) === 'delivered';
    }, 'the delivery to show as delivered');
    assert.equal(await page.locator('article.delivery').count(), 1);
    const delivery = page.locator('article.delivery');
    assert.match(await delivery.innerText(), /200/);
    await shot(page, 'webhooks');
    await delivery.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'will be sent again' }).waitFor();
    await eventually(() => created().length === 2, 'the replayed delivery to arrive');
    assert.equal(created()[0].id, created()[1].id, 'the same event, sent again');

    await page.locator('article.delivery').getByRole('link', { name: formTemplateId }).click();
    assert.equal(new URL(page.url()).pathname, `/_emulator/ui/templates/${formTemplateId}`);
  });

  test('checkouts are listed, filtered by template, and a checkout shows its lines and totals', async () => {
    const page = signedIn;
    await page.getByRole('link', { name: 'Checkouts', exact: true }).click();
    await page.getByRole('heading', { name: 'Checkouts' }).waitFor();
    assert.ok((await page.locator('tbody tr').count()) >= 2);
    await page.getByLabel('Template id', { exact: true }).fill(formTemplateId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/template=/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await shot(page, 'checkouts');
    await page.locator('tbody tr a').first().click();
    await page.getByRole('heading', { name: /^Checkout / }).waitFor();
    assert.equal(await page.locator('#total').innerText(), '$93.87');
    assert.match(await page.getByLabel('Checkout JSON', { exact: true }).innerText(), /"priceSummary"/);
    await shot(page, 'checkout');
  });

  test('markup in a product name never runs anywhere', async () => {
    const { checkoutTemplate } = await emulator.api('POST', '/ecom/v1/checkout-templates', {
      checkoutTemplate: {
        customLineItems: [{ quantity: 1, price: '1', productName: { original: MARKUP }, itemType: { preset: 'PHYSICAL' } }],
        couponCode: MARKUP,
      },
    });
    const id = checkoutTemplate.id;
    const customer = await newPage();
    await customer.goto(url(`/ecom/v1/checkout-templates/${id}/create-and-redirect-to-checkout?siteId=${SITE}`));
    await customer.getByText(MARKUP).first().waitFor();
    await assertMarkupInert(customer);
    await customer.context().close();

    const page = signedIn;
    for (const path of ['/_emulator/ui/templates', `/_emulator/ui/templates/${id}`, `/_emulator/ui/templates/${id}/edit`,
      `/_emulator/ui/templates/${id}/edit?mode=json`, `/_emulator/ui/checkouts?template=${id}`, `/_emulator/ui/webhooks?entity=${id}`]) {
      await page.goto(url(path));
      await assertMarkupInert(page);
    }
    await page.goto(url(`/_emulator/ui/templates/${id}`));
    assert.ok(await page.getByText(MARKUP).first().isVisible(), 'the markup shows as text');
    await page.goto(url(`/_emulator/ui/checkouts?template=${id}`));
    await page.locator('tbody tr a').first().click();
    await page.getByText(MARKUP).first().waitFor();
    await assertMarkupInert(page);
    await page.goto(url(`/_emulator/ui/templates?q=${encodeURIComponent(MARKUP)}`));
    await assertMarkupInert(page);
  });

  test('a form post without the CSRF token is a 403 and changes nothing', async () => {
    const request = signedIn.context().request;
    for (const form of [{ status: 'INACTIVE' }, { status: 'INACTIVE', csrf: 'f'.repeat(64) }]) {
      const response = await request.post(url(`/_emulator/ui/templates/${formTemplateId}/status`), { form, maxRedirects: 0 });
      assert.equal(response.status(), 403);
      assert.match(await response.text(), /CSRF token/);
    }
    const deleted = await request.post(url(`/_emulator/ui/templates/${formTemplateId}/delete`), { form: {}, maxRedirects: 0 });
    assert.equal(deleted.status(), 403);
    const { checkoutTemplate } = await emulator.api('GET', `/ecom/v1/checkout-templates/${formTemplateId}`);
    assert.equal(checkoutTemplate.status, 'ACTIVE');
    const signIn = await request.post(url('/_emulator/ui/sign-in'), { form: { api_key: ADMIN_KEY }, maxRedirects: 0 });
    assert.equal(signIn.status(), 403);
  });

  test('a key with several sites switches between them', async () => {
    const page = signedIn;
    await page.goto(url('/_emulator/ui/templates'));
    await page.getByLabel('Site', { exact: true }).selectOption(OTHER_SITE);
    await page.getByRole('button', { name: 'Switch site' }).click();
    await page.getByText('No templates here yet').waitFor();
    await page.getByLabel('Site', { exact: true }).selectOption(SITE);
    await page.getByRole('button', { name: 'Switch site' }).click();
    await page.getByRole('link', { name: formTemplateId }).waitFor();
    await shot(page, 'templates');
  });

  test('edit in the form and in JSON, then delete after a confirmation', async () => {
    const page = signedIn;
    await page.goto(url(`/_emulator/ui/templates/${formTemplateId}`));
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Coupon code', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Template saved.' }).waitFor();
    let { checkoutTemplate } = await emulator.api('GET', `/ecom/v1/checkout-templates/${formTemplateId}`);
    assert.equal(checkoutTemplate.couponCode, undefined);
    assert.equal(checkoutTemplate.lineItems[0].quantity, 2, 'what the form did not change stays');

    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('button', { name: 'Switch to JSON' }).click();
    const json = JSON.parse(await page.getByLabel('Template JSON', { exact: true }).inputValue());
    json.couponCode = 'FLASH';
    await page.getByLabel('Template JSON', { exact: true }).fill(JSON.stringify(json, null, 2));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Template saved.' }).waitFor();
    ({ checkoutTemplate } = await emulator.api('GET', `/ecom/v1/checkout-templates/${formTemplateId}`));
    assert.equal(checkoutTemplate.couponCode, 'FLASH');

    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Delete template?' }).waitFor();
    await shot(page, 'confirm-delete');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'was deleted' }).waitFor();
    const response = await fetch(url(`/ecom/v1/checkout-templates/${formTemplateId}`), { headers: { authorization: ADMIN_KEY, 'wix-site-id': SITE } });
    assert.equal(response.status, 404);
    await eventually(() => receiver.events.some((e) => e.slug === 'deleted' && e.entityId === formTemplateId), 'the deleted event');
  });

  test('test control: advance the clock, add and delete a fault rule, send a test event, see the journal', async () => {
    const page = signedIn;
    await page.getByRole('link', { name: 'Test control', exact: true }).click();
    await page.getByRole('heading', { name: 'Test control' }).waitFor();
    const siteTime = async () => Date.parse((await page.locator('#site-time').innerText()).replace(' UTC', 'Z').replace(' ', 'T'));
    const before = await siteTime();
    await page.getByLabel('Seconds', { exact: true }).fill('3600');
    await page.getByRole('button', { name: 'Advance clock' }).click();
    await page.getByRole('status').filter({ hasText: 'clock moved' }).waitFor();
    const after = await siteTime();
    assert.ok(after - before >= 3_590_000, `an hour ahead: ${before} → ${after}`);
    const { now } = await emulator.api('GET', '/_emulator/clock');
    assert.ok(Math.abs(Date.parse(now) - after) < 60_000, 'the API reads the same clock');

    // A rule the validator refuses is shown with its reason, and not made.
    await page.getByLabel('Operation', { exact: true }).selectOption('getCheckoutTemplate');
    await page.getByRole('button', { name: 'Add fault rule' }).click();
    await page.getByRole('alert').filter({ hasText: 'a fault must do something' }).waitFor();
    await page.getByLabel('Operation', { exact: true }).selectOption('getCheckoutTemplate');
    await page.getByLabel('Status', { exact: true }).fill('503');
    await page.getByLabel('Times', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Add fault rule' }).click();
    await page.getByRole('status').filter({ hasText: 'fault rule was made' }).waitFor();
    const { faults } = await emulator.api('GET', '/_emulator/faults');
    assert.equal(faults.length, 1);
    assert.deepEqual([faults[0].operation, faults[0].status, faults[0].remaining], ['getCheckoutTemplate', 503, 1]);
    const get = await fetch(url('/ecom/v1/checkout-templates/e5cda5ba-2f1a-4c2e-8a4b-1b2c3d4e5f60'), { headers: { authorization: ADMIN_KEY, 'wix-site-id': SITE } });
    assert.equal(get.status, 503, 'the rule fires');
    await page.reload();
    await page.getByRole('button', { name: `Delete fault rule ${faults[0].id}` }).waitFor();
    await shot(page, 'test-control');
    await page.getByRole('button', { name: `Delete fault rule ${faults[0].id}` }).click();
    await page.getByRole('status').filter({ hasText: 'fault rule was deleted' }).waitFor();
    assert.deepEqual((await emulator.api('GET', '/_emulator/faults')).faults, []);

    // The journal shows the request the rule answered, and which rule it was.
    assert.equal(await page.getByRole('button', { name: `Delete fault rule ${faults[0].id}` }).count(), 0);
    const answered = page.getByRole('row').filter({ has: page.getByRole('cell', { name: faults[0].id, exact: true }) });
    assert.match(await answered.innerText(), /getCheckoutTemplate\s+503/);

    // A test event reaches the receiver, as a real one would.
    const sent = receiver.events.length;
    await page.getByLabel('Event', { exact: true }).selectOption('used');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status').filter({ hasText: 'test event is queued' }).waitFor();
    await eventually(() => receiver.events.length > sent && receiver.events.at(-1).slug === 'used', 'the test event to arrive');

    // Back on the machine's time is refused: the site wrote things an hour ahead.
    await emulator.api('POST', '/ecom/v1/checkout-templates', { checkoutTemplate: { customLineItems: [{ quantity: 1, productName: { original: 'Later' }, itemType: { preset: 'PHYSICAL' } }] } });
    await page.getByRole('button', { name: "Back to the machine's time" }).click();
    await page.getByRole('alert').filter({ hasText: 'cannot go back' }).waitFor();
  });

  test('no page threw an error or opened a dialog', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(dialogs, []);
  });
});
