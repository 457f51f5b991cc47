import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, isDhlError, type JsonValue } from '../../src/crypto/index.ts';
import { parseSignedHead, verifyExtendsHead, verifySignedHead, type SignedHead } from '../../src/ledger/index.ts';
import { nodeSha256, type LedgerVectors } from '../vectors/ledger/build.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/ledger/ledger-vectors.json', import.meta.url), 'utf8')) as LedgerVectors;
const { heads, extensions, mutations } = vectors.signedHeads;

const current = (h: SignedHead, headerAtHeight?: SignedHead['header']) => ({
  height: h.header.height, treeSize: h.header.treeSize, treeRoot: h.header.treeRoot, ...(headerAtHeight ? { headerAtHeight } : {}),
});

test("every block's signed head in the vectors verifies under the genesis node's key", async () => {
  assert.equal(heads.length, vectors.blocks.length);
  for (const [i, head] of heads.entries()) {
    const checked = await verifySignedHead(nodeSha256, vectors.chainId, vectors.genesis, structuredClone(head));
    assert.deepEqual(checked, head);
    assert.equal(head.attestation.attestation.blockHash, vectors.blocks[i]!.blockHash);
  }
});

test('every signed-head mutation in the vectors is HEAD_INVALID naming its field', async () => {
  for (const m of mutations) {
    const head = structuredClone(heads[m.head]!) as unknown as Record<string, unknown>;
    let target = head as Record<string | number, unknown>;
    for (const key of m.path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[m.path.at(-1)!] = m.value as JsonValue;
    await assert.rejects(verifySignedHead(nodeSha256, vectors.chainId, vectors.genesis, head), (e: unknown) => isDhlError(e, m.expectedCode) && e.details.field === m.expectedField, m.name);
  }
});

test('a ledger extends a head exactly when a consistency proof from its tree verifies and it is not behind: the vector cases', () => {
  for (const x of extensions) {
    const check = () => verifyExtendsHead(nodeSha256, heads[x.head]!, current(heads[x.current]!), x.proof.map((h) => fromHex(h)));
    if (x.expectedCode === null) check();
    else assert.throws(check, (e: unknown) => isDhlError(e, x.expectedCode!) && e.details.height === heads[x.head]!.header.height, x.name);
  }
});

test('a ledger whose own header at the head height is another is HEAD_MISMATCH, even with a valid proof', () => {
  const proof = extensions[0]!.proof.map((h) => fromHex(h));
  const other = { ...heads[0]!.header, time: heads[0]!.header.time + 1 };
  verifyExtendsHead(nodeSha256, heads[0]!, current(heads[2]!, heads[0]!.header), proof);
  assert.throws(() => verifyExtendsHead(nodeSha256, heads[0]!, current(heads[2]!, other), proof), (e: unknown) => isDhlError(e, 'HEAD_MISMATCH') && e.details.field === 'header');
});

test('hostile signed heads are HEAD_INVALID, never a crash', () => {
  for (const value of [null, 'head', [], {}, { header: heads[0]!.header }, { header: 5, attestation: heads[0]!.attestation }, { header: heads[0]!.header, attestation: { sig: 'x' } }]) {
    assert.throws(() => parseSignedHead(value), (e: unknown) => isDhlError(e, 'HEAD_INVALID'), JSON.stringify(value));
  }
});
