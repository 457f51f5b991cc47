import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError, toHex, randomBytes } from '../../src/crypto/index.ts';
import { createTx, txToJson } from '../../src/ledger/index.ts';
import { DB_FILE, exportLines, LedgerReader, LedgerNode, sha256, verifyExport } from '../../src/node/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { Actor, spkiOf, testDataDir, T0 } from '../helpers/ledger-fixture.ts';
import { runScenario } from '../helpers/scenario.ts';

const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) };
const IDENTITY = ['RegisterUser', 'RotateKeys', 'AssignRole', 'RevokeRole'];

/** The DESIGN §1 scenario in a data directory, and its export both ways. */
const built = (async () => {
  const { dataDir, chainId } = await testDataDir();
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 3, maxDelayMs: 0 } });
  let scenario;
  try {
    scenario = await runScenario(node, chainId);
  } finally {
    await node.close();
  }
  const ledger = LedgerReader.open(join(dataDir, DB_FILE));
  try {
    return { dataDir, chainId, scenario, full: [...exportLines(ledger)], withheld: [...exportLines(ledger, { withhold: true })] };
  } finally {
    ledger.close();
  }
})();

test.after(async () => rmSync((await built).dataDir, { recursive: true, force: true }));

type Line = { kind: string; entries?: { tx: { header: { type: string }; body?: unknown; withheld?: true } }[]; writes?: unknown };

test('a withholding export keeps identity bodies only and no state writes: no title, purpose, wrapped key or other body content', async () => {
  const { withheld, full } = await built;
  const blocks = withheld.slice(1).map((l) => JSON.parse(l) as Line);
  assert.ok(blocks.every((b) => b.writes === undefined), 'no block carries writes');
  let kept = 0;
  for (const e of blocks.flatMap((b) => b.entries!)) {
    const identity = IDENTITY.includes(e.tx.header.type);
    assert.equal('body' in e.tx, identity, `${e.tx.header.type}: body kept iff identity`);
    assert.equal(e.tx.withheld === true, !identity);
    if (identity) kept++;
  }
  assert.equal(kept, 4, 'three registrations and the role');
  const text = withheld.join('');
  // Canaries: what the full export says about raj's record and meera's request.
  for (const canary of ['Fevers, November', 'follow-up of fevers', '"title"', '"purpose"', '"wrappedDek"', '"wrappedKeys"', '"manifest"', 'wrap/', 'request/']) {
    assert.ok(full.join('').includes(canary), `the full export has ${canary}`);
    assert.ok(!text.includes(canary), `the withholding export leaks ${canary}`);
  }
});

test('a withholding export of the whole scenario verifies from the chain id, to the same head, with signer keys from its identity bodies', async () => {
  const { withheld, full, chainId } = await built;
  const all = await verifyExport(full, chainId);
  const bare = await verifyExport(withheld, chainId);
  assert.deepEqual(bare.head, all.head);
  assert.equal(all.stateWithheldFrom, undefined);
  // Blocks of identity transactions only are re-executed; the first block with a withheld body ends the replayed state.
  const firstWithheld = withheld.slice(1).findIndex((l) => (JSON.parse(l) as Line).entries!.some((e) => e.tx.withheld)) + 1;
  assert.equal(bare.stateWithheldFrom, firstWithheld);
  assert.equal(bare.stateKeys, undefined);
});

test("in a withholding export, a withheld entry's header, an identity body or a changesHash changed fails verification at its block", async () => {
  const { withheld, chainId } = await built;
  const at = withheld.findIndex((l, i) => i > 0 && (JSON.parse(l) as Line).entries!.some((e) => e.tx.withheld));
  const mutate = (line: number, change: (block: Record<string, any>) => void) => {
    const copy = [...withheld];
    const block = JSON.parse(copy[line]!);
    change(block);
    copy[line] = JSON.stringify(block);
    return copy;
  };
  const entry = (JSON.parse(withheld[at]!) as Line).entries!.findIndex((e) => e.tx.withheld);
  const cases: [string, string[], string][] = [
    ['withheld header time', mutate(at, (b) => void (b.entries[entry].tx.header.time += 1)), 'TX_SIGNATURE_INVALID'],
    ['withheld header bodyHash', mutate(at, (b) => void (b.entries[entry].tx.header.bodyHash = 'ab'.repeat(32))), 'TX_SIGNATURE_INVALID'],
    ['withheld entry outcome', mutate(at, (b) => void (b.entries[entry].outcome = 'READ_NOT_PERMITTED')), 'CHAIN_ENTRIES_ROOT_MISMATCH'],
    ['identity body', mutate(1, (b) => void (b.entries[0].tx.body.username = 'rak')), 'TX_BODY_HASH_MISMATCH'],
    ['changesHash', mutate(at, (b) => void (b.header.changesHash = '00'.repeat(32))), 'CHAIN_STATE_DIGEST_MISMATCH'],
  ];
  for (const [name, lines, code] of cases) {
    await assert.rejects(verifyExport(lines, chainId), (e: unknown) => isDhlError(e, code) && e.details.height !== undefined, name);
  }
});

test('without state writes, keys rotated after the state was withheld are found from the RotateKeys body, and the new key signs', async (t) => {
  const { dataDir, chainId } = await testDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 1, maxDelayMs: 0 } });
  const raj = new Actor('raj', chainId);
  // raj's new keys: key pairs no user of this chain has (meera's fixture keys; meera never registers here).
  const next = { sig: await fixtureKey('meera', 'sig'), enc: await fixtureKey('meera', 'enc') };
  try {
    await node.submit(await raj.register());
    await node.submit(await raj.tx('SetListing', { recordId: 'ab'.repeat(16), listed: true }));
    const rotated = await node.submit(await raj.tx('RotateKeys', {
      encSpki: await spkiOf('meera', 'enc'), encKeyId: next.enc.keyId, sigSpki: await spkiOf('meera', 'sig'), sigKeyId: next.sig.keyId,
    }));
    assert.equal(rotated.outcome, 'OK');
    const signedByNew = await createTx(sha256, {
      chain: chainId, type: 'SetListing', actor: 'raj', keyId: next.sig.keyId, body: { recordId: 'cd'.repeat(16), listed: true }, notAfter: T0 + 3_600_000, time: T0, nonce: toHex(randomBytes(16)),
    }, next.sig.privateKey);
    assert.equal((await node.submit(txToJson(signedByNew))).outcome, 'RECORD_NOT_FOUND');
  } finally {
    await node.close();
  }
  const ledger = LedgerReader.open(join(dataDir, DB_FILE));
  let lines: string[];
  try {
    lines = [...exportLines(ledger, { withhold: true })];
  } finally {
    ledger.close();
  }
  const report = await verifyExport(lines, chainId);
  assert.equal(report.stateWithheldFrom, 2);
  assert.equal(report.blocks, 4);
  // The RotateKeys body is what tells the verifier the new key: withheld, the last signature has no key.
  const cut = lines.map((l, i) => {
    if (i === 0) return l;
    const block = JSON.parse(l) as { entries: { tx: { header: { type: string }; body?: unknown; sig: string; withheld?: true } }[] };
    for (const e of block.entries) if (e.tx.header.type === 'RotateKeys') e.tx = { header: e.tx.header, sig: e.tx.sig, withheld: true };
    return JSON.stringify(block);
  });
  await assert.rejects(verifyExport(cut, chainId), (e: unknown) => isDhlError(e, 'TX_KEY_UNKNOWN') && e.details.height === 4);
});
