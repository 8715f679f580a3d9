// The SDK's query builder against 250 stored templates: every operator the
// API supports, both sort orders, limits, and paging with next() and prev().
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../lib/emulator.mjs';
import { apiClient, customItem, rejects } from '../lib/clients.mjs';

let emulator;
let client;
let ids = [];
let inactive = [];
const query = () => client.queryCheckoutTemplates();

/** Follows next() to the end; returns the ids and the page sizes. */
async function all(builder) {
  let page = await builder.find();
  const seen = [...page.items.map((t) => t._id)];
  const sizes = [page.items.length];
  while (page.hasNext()) {
    page = await page.next();
    seen.push(...page.items.map((t) => t._id));
    sizes.push(page.items.length);
  }
  return { seen, sizes };
}

before(async () => {
  emulator = await startEmulator();
  client = apiClient(emulator).checkoutTemplates;
  for (const size of [100, 100, 50]) {
    const batch = Array.from({ length: size }, (_, i) => ({ customLineItems: [customItem(`T${i}`)] }));
    const result = await client.bulkCreateCheckoutTemplates(batch, { returnEntity: false });
    assert.equal(result.bulkActionMetadata.totalSuccesses, size);
    ids.push(...result.results.map((r) => r.itemMetadata._id));
  }
  ids.sort();
  inactive = ids.filter((_, i) => i % 25 === 3);
  for (const id of inactive) await client.updateCheckoutTemplate(id, { status: 'INACTIVE' });
});
after(() => emulator?.stop());

test('250 templates paged 100 at a time come back each exactly once, in order', async () => {
  const { seen, sizes } = await all(query().limit(100));
  assert.deepEqual(sizes, [100, 100, 50]);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, ids);
});

test('prev() returns to the page before', async () => {
  const first = await query().limit(100).find();
  const second = await first.next();
  const back = await second.prev();
  assert.deepEqual(back.items.map((t) => t._id), first.items.map((t) => t._id));
  assert.equal(second.items[0]._id, ids[100]);
});

test('descending sorts by id from the end', async () => {
  const { seen } = await all(query().descending('_id').limit(100));
  assert.deepEqual(seen, [...ids].reverse());
});

test('ascending by status then id puts ACTIVE first', async () => {
  const { seen } = await all(query().ascending('status', '_id').limit(100));
  const active = ids.filter((id) => !inactive.includes(id));
  assert.deepEqual(seen, [...active, ...inactive]);
});

test('limit caps a page and reports more', async () => {
  const page = await query().limit(7).find();
  assert.equal(page.items.length, 7);
  assert.equal(page.hasNext(), true);
  assert.deepEqual(page.items.map((t) => t._id), ids.slice(0, 7));
});

test('eq and ne on status', async () => {
  assert.deepEqual((await all(query().eq('status', 'INACTIVE').limit(100))).seen, inactive);
  const { seen } = await all(query().ne('status', 'INACTIVE').limit(100));
  assert.equal(seen.length, 250 - inactive.length);
  assert.ok(seen.every((id) => !inactive.includes(id)));
});

test('eq on id, and in', async () => {
  assert.deepEqual((await query().eq('_id', ids[42]).find()).items.map((t) => t._id), [ids[42]]);
  const some = [ids[5], ids[150], ids[249]];
  assert.deepEqual((await query().in('_id', some).find()).items.map((t) => t._id), some);
});

test('startsWith on id, ignoring case', async () => {
  const prefix = ids.map((id) => id.slice(0, 2)).find((p) => /[a-f]/.test(p));
  const expected = ids.filter((id) => id.startsWith(prefix));
  assert.ok(expected.length > 0);
  assert.deepEqual((await all(query().startsWith('_id', prefix).limit(100))).seen, expected);
  assert.deepEqual((await all(query().startsWith('_id', prefix.toUpperCase()).limit(100))).seen, expected);
});

test('ge, gt, le and lt on id', async () => {
  assert.deepEqual((await all(query().ge('_id', ids[200]).limit(100))).seen, ids.slice(200));
  assert.deepEqual((await all(query().gt('_id', ids[200]).limit(100))).seen, ids.slice(201));
  assert.deepEqual((await all(query().le('_id', ids[30]).limit(100))).seen, ids.slice(0, 31));
  assert.deepEqual((await all(query().lt('_id', ids[30]).limit(100))).seen, ids.slice(0, 30));
  const between = await all(query().gt('_id', ids[10]).lt('_id', ids[20]).limit(100));
  assert.deepEqual(between.seen, ids.slice(11, 20));
});

test('exists', async () => {
  assert.equal((await all(query().exists('status', true).limit(100))).seen.length, 250);
  assert.equal((await query().exists('status', false).find()).items.length, 0);
});

test('hasSome', async () => {
  assert.deepEqual((await all(query().hasSome('status', ['INACTIVE']).limit(100))).seen, inactive);
  const pair = [ids[1], ids[2]];
  assert.deepEqual((await query().hasSome('_id', pair).find()).items.map((t) => t._id), pair);
});

test('and, or, not', async () => {
  const or = await all(query().eq('status', 'INACTIVE').or(query().eq('_id', ids[0])).limit(100));
  assert.deepEqual(or.seen, [ids[0], ...inactive].sort());

  const and = await query().eq('status', 'INACTIVE').and(query().in('_id', [inactive[0], ids[0]])).find();
  assert.deepEqual(and.items.map((t) => t._id), [inactive[0]]);

  const not = await all(query().not(query().eq('status', 'ACTIVE')).limit(100));
  assert.deepEqual(not.seen, inactive);
});

test('an operator the API does not support on a field is a validation error, not a 500', async () => {
  for (const builder of [query().ge('status', 'ACTIVE'), query().lt('status', 'INACTIVE'), query().startsWith('status', 'ACT')]) {
    await rejects(builder.find(), 400, (details) => {
      assert.ok(details.validationError.fieldViolations.length > 0);
    });
  }
});
