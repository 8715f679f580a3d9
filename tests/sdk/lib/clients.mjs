// The official SDK, configured as an app developer would: ApiKeyStrategy for
// calls, AppStrategy for webhooks. Nothing is patched or shimmed.
import assert from 'node:assert/strict';
import { createClient, ApiKeyStrategy, AppStrategy } from '@wix/sdk';
import * as checkoutTemplates from '@wix/auto_sdk_ecom_checkout-templates';
import { ADMIN_KEY, APP_ID, CATALOG_APP, SITE } from './emulator.mjs';

export function apiClient(emulator, { siteId = SITE, apiKey = ADMIN_KEY } = {}) {
  return createClient({
    host: { apiBaseUrl: emulator.apiBaseUrl },
    auth: ApiKeyStrategy({ siteId, apiKey }),
    modules: { checkoutTemplates },
  });
}

export function webhookClient(publicKey) {
  return createClient({
    auth: AppStrategy({ appId: APP_ID, publicKey }),
    modules: { checkoutTemplates },
  });
}

/** A custom line item with what Wix requires of one: quantity, name and type. */
export function customItem(name = 'Poster', price = '20.00', quantity = 1) {
  return { quantity, price, productName: { original: name }, itemType: { preset: 'PHYSICAL' } };
}

export function catalogItem(catalogItemId = 'mug', quantity = 1) {
  return { quantity, catalogReference: { catalogItemId, appId: CATALOG_APP } };
}

/** Awaits a call that must fail, checks the SDK's error, and returns it. */
export async function rejects(promise, status, check = () => {}) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.details && typeof error.details, 'object', `the SDK parsed error details: ${error.stack}`);
    assert.equal(error.status ?? error.response?.status, status, error.message);
    check(error.details, error);
    return error;
  }
  assert.fail(`expected an HTTP ${status} error`);
}

export const appCode = (code) => (details) => assert.equal(details.applicationError?.code, code);
