/** The door's input checks: one list of hostile inputs against submit and the directory (STYLE §11). */
import { test, type TestContext } from 'node:test';
import { rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import { ADMISSION_REFUSALS, LedgerNode, NODE_ERRORS } from '../../src/node/index.ts';
import { LEDGER_ERRORS } from '../../src/ledger/index.ts';
import { PRECHECK_ERRORS } from '../../src/contract/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const clock = () => ({ now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) });

/** A node on a fresh data directory, removed when the test ends. */
async function openNode(t: TestContext) {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  return { node, chainId };
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { k: v };
  return v;
}

test("every refusal code of the door is declared in the node's, the ledger's or the prechecks' registry", () => {
  for (const code of ADMISSION_REFUSALS) {
    assert.ok(Object.hasOwn(NODE_ERRORS.registry, code) || Object.hasOwn(LEDGER_ERRORS.registry, code) || Object.hasOwn(PRECHECK_ERRORS.registry, code), code);
  }
});

test('hostile submissions are refused with their typed code, never an untyped error, and nothing is ledgered', async (t) => {
  const { node, chainId } = await openNode(t);
  try {
    const good = await new Actor('raj', chainId).register();
    const circular: Record<string, unknown> = { ...good };
    circular.self = circular;
    const withBody = (body: unknown) => ({ ...good, body });
    const cases: [string, unknown, string][] = [
      ['undefined', undefined, 'TX_NOT_JSON'],
      ['a function', () => good, 'TX_NOT_JSON'],
      ['a symbol', Symbol('tx'), 'TX_NOT_JSON'],
      ['a BigInt', 10n, 'TX_NOT_JSON'],
      ['a BigInt inside', { ...good, header: { ...good.header, time: 1n } }, 'TX_NOT_JSON'],
      ['NaN inside', { ...good, header: { ...good.header, time: NaN } }, 'TX_NOT_JSON'],
      ['a circular object', circular, 'TX_NOT_JSON'],
      ['a Date', new Date(0), 'TX_NOT_JSON'],
      ['a Map', new Map([['header', good.header]]), 'TX_NOT_JSON'],
      ['a getter that throws', Object.defineProperty({}, 'header', { enumerable: true, get: () => { throw new Error('boom'); } }), 'TX_NOT_JSON'],
      ['null', null, 'TX_MALFORMED'],
      ['a number', 7, 'TX_MALFORMED'],
      ['an array', [good], 'TX_MALFORMED'],
      ['a body nested 2,000 deep (object)', withBody(nested(2000)), 'TX_MALFORMED'],
      ['a body nested 2,000 deep (text, 4.9 KB)', JSON.stringify(withBody(nested(2000))), 'TX_MALFORMED'],
      ['the whole value nested 100,000 deep', nested(100_000), 'TX_MALFORMED'],
      ['a lone surrogate in the body', withBody({ ...(good.body as object), username: '\ud800' }), 'TX_MALFORMED'],
      ['a lone surrogate key in the body (text)', JSON.stringify(good).replace('"username"', '"\\udc00"'), 'TX_MALFORMED'],
      ['a signature of 4 characters', { ...good, sig: 'AAAA' }, 'TX_MALFORMED'],
      ['a signature of 513 characters', { ...good, sig: good.sig + 'A' }, 'TX_MALFORMED'],
      ['a signature of 511 characters', { ...good, sig: good.sig.slice(1) }, 'TX_MALFORMED'],
      ['a signature of 1 character', { ...good, sig: 'A' }, 'TX_MALFORMED'],
      ['text that is not JSON', '{"header":', 'TX_NOT_JSON'],
      ['text over maxTxBytes', `"${'é'.repeat(200_000)}"`, 'TX_TOO_LARGE'],
      ['a value over maxTxBytes', { ...good, pad: 'x'.repeat(300_000) }, 'TX_TOO_LARGE'],
    ];
    for (const [label, input, code] of cases) {
      await assert.rejects(node.submit(input), (e: unknown) => {
        assert.ok(isDhlError(e), `${label}: ${String(e)}`);
        assert.equal(e.code, code, label);
        assert.ok((ADMISSION_REFUSALS as readonly string[]).includes(e.code), `${label}: ${e.code} is an admission code`);
        return true;
      });
    }
    assert.equal(node.head.treeSize, 0);
    assert.equal((await node.submit(good)).outcome, 'OK', 'the node still admits a good transaction');
  } finally {
    await node.close();
  }
});

test('directory paging is validated at the node: NaN, fractions, negatives, strings and a limit over the page maximum are QUERY_INVALID', async (t) => {
  const { node, chainId } = await openNode(t);
  try {
    await node.submit(await new Actor('raj', chainId).register());
    const bad: [unknown, unknown, unknown, string][] = [
      ['raj', 'raj', { limit: NaN }, 'limit'],
      ['raj', 'raj', { limit: 0 }, 'limit'],
      ['raj', 'raj', { limit: 1.5 }, 'limit'],
      ['raj', 'raj', { limit: 501 }, 'limit'],
      ['raj', 'raj', { limit: '10' }, 'limit'],
      ['raj', 'raj', { after: -1 }, 'after'],
      ['raj', 'raj', { after: Infinity }, 'after'],
      ['raj', 'raj', { after: 2n }, 'after'],
      ['raj', 'raj', 'page 2', 'page'],
      ['raj', ['raj'], {}, 'patient'],
      [{ toString: () => 'raj' }, 'raj', {}, 'viewer'],
    ];
    for (const [viewer, patient, page, field] of bad) {
      assert.throws(
        () => node.reads.directory(viewer as string, patient as string, page as never),
        (e: unknown) => isDhlError(e, 'QUERY_INVALID') && e.details.field === field,
        `${String(field)}: ${String((page as { limit?: unknown })?.limit ?? page)}`,
      );
    }
    assert.deepEqual(node.reads.directory('raj', 'raj', { limit: 500 }), { entries: [] });
    assert.deepEqual(node.reads.directory('raj', 'raj', { after: 3 }), { entries: [] });
    assert.throws(() => node.reads.directory('raj', 'nobody'), (e: unknown) => isDhlError(e, 'RESOURCE_NOT_FOUND'));
  } finally {
    await node.close();
  }
});
