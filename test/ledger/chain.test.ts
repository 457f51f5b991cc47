import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { fromHex, isDhlError, toHex, type JsonValue } from '../../src/crypto/index.ts';
import {
  blockHash, chainIdOf, ChainVerifier, createTx, genesisBytes, parseGenesis, parseTx, verifyChain, verifyConsistency, verifyInclusion,
  withhold, txToJson, type ChainBlock, type ChainVerifierHooks, type SignedTx,
} from '../../src/ledger/index.ts';
import { buildLedgerVectors, fixtureSignerHooks, nodeSha256, type LedgerVectors } from '../vectors/ledger/build.ts';
import { fixtureKey } from '../fixtures/keys.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/ledger/ledger-vectors.json', import.meta.url), 'utf8')) as LedgerVectors;
const clone = <T>(x: T): T => structuredClone(x);
const chainBlocks = (v: LedgerVectors): ChainBlock[] => v.blocks.map(({ header, entries, writes, attestations }) => ({ header, entries, writes, attestations }));

async function expectLedgerError(promise: Promise<unknown>, code: string, height?: number) {
  try {
    await promise;
  } catch (err) {
    assert.ok(isDhlError(err), `not a DhlError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (height !== undefined) assert.equal(err.details.height, height, `height of ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, but it verified`);
}

test('the committed ledger vectors are exactly what the generator makes now', async () => {
  assert.deepEqual(await buildLedgerVectors(vectors), vectors);
});

test('the vector chain verifies from its trusted chain id, ending at the last block head', async () => {
  const head = await verifyChain(nodeSha256, vectors.chainId, vectors.genesis, chainBlocks(vectors), await fixtureSignerHooks(), { minAttestations: 1 });
  const last = vectors.blocks.at(-1)!;
  assert.equal(head.height, last.header.height);
  assert.equal(head.blockHash, last.blockHash);
  assert.equal(head.treeRoot, last.header.treeRoot);
  assert.equal(head.stateDigest, last.header.stateDigest);
});

test('every chain mutation in the vectors fails with its code at its height', async () => {
  const hooks = await fixtureSignerHooks();
  for (const m of vectors.mutations) {
    const v = clone(vectors) as unknown as Record<string, unknown>;
    let target = v as Record<string | number, unknown>;
    for (const key of m.path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[m.path.at(-1)!] = m.value;
    const mutated = v as unknown as LedgerVectors;
    await expectLedgerError(
      verifyChain(nodeSha256, vectors.chainId, mutated.genesis, chainBlocks(mutated), hooks, { minAttestations: 1 }),
      m.expectedCode,
      m.expectedHeight,
    ).catch((e: Error) => assert.fail(`${m.name}: ${e.message}`));
  }
});

test('a wrong trusted chain id stops verification at the genesis', async () => {
  await expectLedgerError(verifyChain(nodeSha256, '00'.repeat(32), vectors.genesis, [], await fixtureSignerHooks()), 'CHAIN_GENESIS_MISMATCH', 0);
});

test('withheld bodies verify in an export; where bodies may not be withheld they are CHAIN_BODY_MISSING', async () => {
  const blocks = chainBlocks(vectors).map((b) => ({
    ...b,
    entries: b.entries.map((e) => ({ ...e, tx: txToJson(withhold(parseTx(nodeSha256, e.tx))) })),
  }));
  const hooks = await fixtureSignerHooks();
  await verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, hooks);
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, { ...hooks, bodyMayBeWithheld: () => false }), 'CHAIN_BODY_MISSING', 1);
  const unmarked = clone(chainBlocks(vectors));
  delete (unmarked[1]!.entries[0]!.tx as Partial<SignedTx>).body;
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, unmarked, hooks), 'TX_MALFORMED', 2);
});

test('re-execution that disagrees with a recorded outcome or write names the entry or write', async () => {
  const base = await fixtureSignerHooks();
  const recorded = (h: number) => vectors.blocks[h - 1]!;
  const honest: ChainVerifierHooks = {
    ...base,
    execute: (txs, header) => ({ outcomes: recorded(header.height).entries.map((e) => e.outcome), writes: recorded(header.height).writes }),
  };
  await verifyChain(nodeSha256, vectors.chainId, vectors.genesis, chainBlocks(vectors), honest);
  const lying: ChainVerifierHooks = {
    ...honest,
    execute: (txs, header) => ({
      outcomes: recorded(header.height).entries.map((e, i) => (header.height === 2 && i === 1 ? 'OK' : e.outcome)),
      writes: recorded(header.height).writes,
    }),
  };
  const err = await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, chainBlocks(vectors), lying), 'CHAIN_OUTCOME_MISMATCH', 2);
  assert.equal(err.details.entry, 1);
  const otherWrites: ChainVerifierHooks = {
    ...honest,
    execute: (txs, header) => ({ outcomes: recorded(header.height).entries.map((e) => e.outcome), writes: [...recorded(header.height).writes, ['zz/extra', 1]] }),
  };
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, chainBlocks(vectors), otherWrites), 'CHAIN_WRITES_MISMATCH', 1);
});

test('a transaction logged twice is CHAIN_DUPLICATE_TX', async () => {
  const blocks = clone(chainBlocks(vectors));
  blocks[2]!.entries[0] = clone(blocks[0]!.entries[0]!);
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, await fixtureSignerHooks()), 'CHAIN_DUPLICATE_TX', 3);
});

test('a transaction signed by a key the chain does not know is TX_KEY_UNKNOWN', async () => {
  const hooks: ChainVerifierHooks = { signerKeys: async (txs) => txs.map(() => undefined) };
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, chainBlocks(vectors), hooks), 'TX_KEY_UNKNOWN', 1);
});

test('missing attestations fail when the verifier requires them', async () => {
  const blocks = chainBlocks(vectors).map((b) => ({ ...b, attestations: [] }));
  await verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, await fixtureSignerHooks());
  await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, await fixtureSignerHooks(), { minAttestations: 1 }), 'CHAIN_ATTESTATION_INVALID', 1);
});

test('the vector proofs verify against the block heads', () => {
  for (const p of vectors.proofs.inclusion) {
    verifyInclusion(nodeSha256, p.index, p.size, fromHex(p.leafHash), p.proof.map((h) => fromHex(h)), fromHex(p.root));
  }
  for (const p of vectors.proofs.consistency) {
    verifyConsistency(nodeSha256, p.size1, p.size2, p.proof.map((h) => fromHex(h)), fromHex(p.root1), fromHex(p.root2));
  }
  const heads = new Set(vectors.blocks.map((b) => b.header.treeRoot));
  assert.ok(vectors.proofs.consistency.every((p) => heads.has(p.root2)));
});

test("the browser's hash (@noble/hashes) gives the same chain id, block hashes and tx hashes as node:crypto", () => {
  const noble = (d: Uint8Array) => nobleSha256(d);
  assert.equal(chainIdOf(noble, vectors.genesis), vectors.chainId);
  for (const b of vectors.blocks) {
    assert.equal(blockHash(noble, b.header), b.blockHash);
    for (const e of b.entries) assert.equal(parseTx(noble, e.tx).hash, parseTx(nodeSha256, e.tx).hash);
  }
  assert.equal(toHex(noble(genesisBytes(vectors.genesis))), vectors.chainId);
});

test('createTx then parseTx round-trips; the signed bytes are the tag and the canonical header', async () => {
  const raj = await fixtureKey('raj', 'sig');
  const tx = await createTx(nodeSha256, { chain: vectors.chainId, type: 'SetListing', actor: 'raj', keyId: raj.keyId, body: { recordId: 'ab'.repeat(16), listed: true }, notAfter: 5, time: 1 }, raj.privateKey);
  assert.match(tx.header.nonce, /^[0-9a-f]{32}$/);
  const again = parseTx(nodeSha256, JSON.parse(JSON.stringify(txToJson(tx))), { chain: vectors.chainId });
  assert.equal(again.hash, tx.hash);
  const example = vectors.txExamples[0]!;
  assert.ok(Buffer.from(example.signingBytesHex, 'hex').toString('utf8').startsWith('dhl/tx/v1\n{"actor":"admin","alg":"PS256","body'));
});

test('hostile transactions are TX_MALFORMED naming the field, never a crash', () => {
  const good = vectors.blocks[0]!.entries[0]!.tx as SignedTx;
  const cases: [string, unknown][] = [
    ['$', null], ['$', 'tx'], ['$', []], ['header', { ...good, header: 5 }],
    ['header.v', { ...good, header: { ...good.header, v: 2 } }],
    ['header.notAfter', { ...good, header: { ...good.header, notAfter: Number.NaN } }],
    ['header.notAfter', { ...good, header: { ...good.header, notAfter: 2 ** 60 } }],
    ['header.time', { ...good, header: { ...good.header, time: -1 } }],
    ['header.actor', { ...good, header: { ...good.header, actor: 'Raj' } }],
    ['header.actor', { ...good, header: { ...good.header, actor: 'r'.repeat(33) } }],
    ['header.nonce', { ...good, header: { ...good.header, nonce: '00' } }],
    ['header.alg', { ...good, header: { ...good.header, alg: 'RS256' } }],
    ['header.type', { ...good, header: { ...good.header, type: 'x'.repeat(100) } }],
    ['sig', { ...good, sig: 'AAAA' }],
    ['sig', { ...good, sig: 7 }],
    ['body.x', { ...good, body: { x: 1.5 } }],
    ['extra', { ...good, extra: true }],
  ];
  for (const [field, value] of cases) {
    assert.throws(() => parseTx(nodeSha256, value), (e: unknown) => isDhlError(e, 'TX_MALFORMED') && e.details.field === field, `field ${field}`);
  }
});

test('a malformed genesis names its field (lookalike admin usernames included)', () => {
  const g = vectors.genesis as unknown as Record<string, JsonValue>;
  const cases: [string, unknown][] = [
    ['kind', { ...g, kind: 'block' }],
    ['params.notAfterWindowMs', { ...g, params: { ...(g.params as object), notAfterWindowMs: 0 } }],
    ['orgs', { ...g, orgs: [] }],
    ['orgs[0].admins[0].username', { ...g, orgs: [{ ...(g.orgs as JsonValue[])[0] as object, admins: [{ username: 'A', sigSpki: 'x', encSpki: 'y' }] }] }],
    ['orgs[0].admins[0].username', { ...g, orgs: [{ ...(g.orgs as JsonValue[])[0] as object, admins: [{ username: 'adm.', sigSpki: 'x', encSpki: 'y' }] }] }],
    ['orgs[0].admins[1].username', {
      ...g, orgs: [{ ...(g.orgs as JsonValue[])[0] as object, admins: [{ username: 'adam', sigSpki: 'x', encSpki: 'y' }, { username: 'a.dam', sigSpki: 'z', encSpki: 'w' }] }],
    }],
  ];
  for (const [field, value] of cases) {
    assert.throws(() => parseGenesis(value), (e: unknown) => isDhlError(e, 'GENESIS_INVALID') && e.details.field === field, field);
  }
});

test('block verification is incremental: a verifier fed block by block reaches the same head', async () => {
  const verifier = await ChainVerifier.create(nodeSha256, vectors.chainId, vectors.genesis, await fixtureSignerHooks());
  for (const b of chainBlocks(vectors)) await verifier.verifyBlock(b);
  assert.equal(verifier.head.blockHash, vectors.blocks.at(-1)!.blockHash);
});

test("an error from parsing a transaction or header names its height and entry in its message, not only in its details", async () => {
  const hooks = await fixtureSignerHooks();
  const blocks = clone(chainBlocks(vectors));
  (blocks[1]!.entries[1]!.tx.header as unknown as Record<string, unknown>).extra = 1;
  const err = await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, blocks, hooks), 'TX_MALFORMED', 2);
  assert.equal(err.details.entry, 1);
  assert.match(err.message, /field=header\.extra, height=2, entry=1\)$/);
  const headers = clone(chainBlocks(vectors));
  (headers[2]!.header as unknown as Record<string, unknown>).entriesRoot = 'x';
  const bad = await expectLedgerError(verifyChain(nodeSha256, vectors.chainId, vectors.genesis, headers, hooks), 'BLOCK_MALFORMED', 3);
  assert.match(bad.message, /height=3\)$/);
});
