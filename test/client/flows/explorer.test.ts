import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkBlock, checkConsistency, checkHead, checkInclusion } from '../../../src/client/flows/explorer.ts';
import { trustedGenesis } from '../../../src/client/flows/ledger.ts';
import { submit } from '../../../src/client/flows/context.ts';
import { Reads } from '../../../src/client/reads.ts';
import { blockHash, consistencyProofLength, parseBlockHeader, type SignedHead } from '../../../src/ledger/index.ts';
import { startWorld, type World } from '../world.ts';

/** By ines, so raj's keeper does not see its answer's head; refused by the contract (no such record), it is still an entry of a block. */
const listing = (w: World, n: number) => submit(w.ines.ctx, 'SetListing', { recordId: n.toString(16).padStart(32, '0'), listed: true });
/** A hex hash with its first digit changed. */
const flipped = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

/** Raj's reads with one answer altered on its way, as a lying node would serve it. */
class AlteredReads extends Reads {
  alter: { consistency?: boolean; inclusion?: boolean; attestation?: boolean } = {};
  override async consistencyProof(from: number, to?: number) {
    const a = await super.consistencyProof(from, to);
    return this.alter.consistency && a.proof.length > 0 ? { ...a, proof: [flipped(a.proof[0]!), ...a.proof.slice(1)] } : a;
  }
  override async inclusionProof(seq: number, treeSize?: number) {
    const a = await super.inclusionProof(seq, treeSize);
    return this.alter.inclusion && a.proof.length > 0 ? { ...a, proof: [flipped(a.proof[0]!), ...a.proof.slice(1)] } : a;
  }
  override async head() {
    const h = await super.head();
    if (!this.alter.attestation) return h;
    const [first, ...rest] = h.attestations;
    return { ...h, attestations: [{ ...first!, attestation: { ...first!.attestation, stateDigest: flipped(first!.attestation.stateDigest) } }, ...rest] };
  }
}

test('checkHead passes the node’s head under the genesis node key and proves it extends the head kept before (a proof of the length RFC 9162 gives); a forged attestation fails with HEAD_INVALID and is not kept', async (t) => {
  const w = await startWorld(t);
  const reads = new AlteredReads(w.raj.ctx.api);
  const first = await checkHead(w.raj.ctx, reads, w.genesis);
  assert.deepEqual(first.attestations.map((a) => [a.nodeId, a.org, a.ok]), [['node1', 'clinic', true]]);
  assert.deepEqual(first.accepted, { ok: true });
  for (let i = 1; i <= 3; i++) await listing(w, i);
  const second = await checkHead(w.raj.ctx, reads, w.genesis);
  const from = first.head.header.treeSize;
  const to = second.head.header.treeSize;
  assert.ok(to > from);
  assert.deepEqual(second.consistency, { from, to, ok: true, proofLength: consistencyProofLength(from, to) });

  await listing(w, 4);
  reads.alter = { attestation: true };
  const forged = await checkHead(w.raj.ctx, reads, w.genesis);
  assert.deepEqual(forged.attestations.map((a) => a.ok ? 'ok' : a.code), ['HEAD_INVALID']);
  assert.deepEqual(forged.accepted, { ok: false, code: 'HEAD_INVALID' });
  assert.equal((await w.raj.ctx.heads.latest())!.header.treeSize, to, 'the forged head was not kept');
});

test('checkConsistency fails a consistency proof with one hash changed (HEAD_MISMATCH), and a head older than the kept one (HEAD_BEHIND)', async (t) => {
  const w = await startWorld(t);
  const reads = new AlteredReads(w.raj.ctx.api);
  const older = (await checkHead(w.raj.ctx, reads, w.genesis)).head;
  for (let i = 1; i <= 3; i++) await listing(w, i);
  const newer = (await checkHead(w.raj.ctx, reads, w.genesis)).head;
  const signed = (h: typeof older) => ({ header: h.header, attestation: h.attestations[0]! }) as SignedHead;
  reads.alter = { consistency: true };
  assert.deepEqual(await checkConsistency(reads, signed(older), signed(newer)), { from: older.header.treeSize, to: newer.header.treeSize, ok: false, code: 'HEAD_MISMATCH' });
  reads.alter = {};
  assert.deepEqual(await checkConsistency(reads, signed(newer), signed(older)), { from: newer.header.treeSize, to: older.header.treeSize, ok: false, code: 'HEAD_BEHIND' });
});

test('checkBlock recomputes a block’s hash and entries root and checks a genesis node signed it (a made-up block that hashes consistently fails), and a changed outcome fails the root; checkInclusion passes every entry under the head and fails a changed proof hash or outcome with MERKLE_ROOT_MISMATCH', async (t) => {
  const w = await startWorld(t);
  const reads = new AlteredReads(w.raj.ctx.api);
  for (let i = 1; i <= 2; i++) await listing(w, i);
  const { head } = await checkHead(w.raj.ctx, reads, w.genesis);
  const trust = { chain: w.chainId, genesis: await trustedGenesis(reads, w.chainId) };
  for (let height = 1; height <= head.header.height; height++) {
    const block = await reads.block(height);
    const checked = await checkBlock(block, trust);
    assert.deepEqual([checked.hash, checked.entries], [{ ok: true }, { ok: true }], `block ${height}`);
    for (const entry of block.entries) assert.equal((await checkInclusion(reads, entry, head)).ok, true, `entry ${entry.seq}`);
  }
  const block = await reads.block(head.header.height);
  const entry = block.entries[0]!;
  const changed = { ...entry, outcome: entry.outcome === 'OK' ? 'NOT_RECORD_OWNER' : 'OK' };
  assert.deepEqual((await checkBlock({ ...block, entries: [changed, ...block.entries.slice(1)] }, trust)).entries, { ok: false, code: 'CHAIN_ENTRIES_ROOT_MISMATCH' });
  assert.deepEqual((await checkBlock({ ...block, blockHash: flipped(block.blockHash) }, trust)).hash, { ok: false, code: 'ANSWER_INVALID' });
  // A made-up block that hashes consistently (its hash recomputed after a change) carries no genesis node's signature over it.
  const madeUp = { ...block.header, time: block.header.time + 1 };
  const forged = await checkBlock({ ...block, header: madeUp, blockHash: blockHash(sha256, parseBlockHeader(madeUp)) }, trust);
  assert.equal(forged.hash.ok, false, 'an unattested block does not pass');
  assert.equal((await checkBlock({ ...block, attestations: [] }, trust)).hash.ok, false, 'nor a block without attestations');
  assert.equal((await checkInclusion(reads, changed, head)).ok, false);
  reads.alter = { inclusion: true };
  const bad = await checkInclusion(reads, entry, head);
  assert.deepEqual({ ok: bad.ok, code: bad.ok ? undefined : bad.code }, { ok: false, code: 'MERKLE_ROOT_MISMATCH' });
});
