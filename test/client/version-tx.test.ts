/**
 * verifyRecord's last check (src/client/flows/ledger.ts checkVersionTx): the
 * inclusion proof names a transaction hash, and the transaction under it must
 * be the one that added the version. The lying node here answers the version
 * route with the real, author-signed manifest beside the real proof of
 * another of the author's accepted transactions: every earlier check passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDhlError } from '../../src/crypto/index.ts';
import { requestAccess } from '../../src/client/flows/access.ts';
import { approveRequest, requests, setListing } from '../../src/client/flows/chart.ts';
import { verifyRecord } from '../../src/client/flows/ledger.ts';
import { uploadRecord } from '../../src/client/flows/records.ts';
import type { Reads } from '../../src/client/reads.ts';
import { utf8 } from '../../src/crypto/index.ts';
import { startWorld } from './world.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { txHashOf as hashOfTx } from '../../src/ledger/index.ts';

const txHashOf = (e: { tx: { header: unknown; sig: string } }) => hashOfTx(sha256, e.tx.header as never, e.tx.sig);

/** `reads`, except that a version's answer carries the entry, hash and proof of transaction `txHash` (fetched under the same head). */
function pairedWith(reads: Reads, txHash: string): Reads {
  const lying = Object.create(reads) as Reads;
  lying.version = async (recordId, version) => {
    const real = await reads.version(recordId, version);
    const other = await reads.transaction(txHash);
    return { ...real, txHash, entry: other.entry, treeSize: other.treeSize, proof: other.proof };
  };
  return lying;
}

/** `pairedWith`, and the block's entry of `txHash` served in its withheld form (header and signature only). */
function pairedWithheld(reads: Reads, txHash: string): Reads {
  const lying = pairedWith(reads, txHash);
  lying.block = async (height) => {
    const block = await reads.block(height);
    return { ...block, entries: block.entries.map((e) => (e.tx.sig && txHashOf(e) === txHash ? { ...e, tx: { header: e.tx.header, sig: e.tx.sig, withheld: true as const } } : e)) };
  };
  return lying;
}

const refusedAs = (reason: string) => (err: unknown) => isDhlError(err, 'MANIFEST_NOT_PROVEN') && err.details.reason === reason;

test("a version's manifest beside the proof of another of the author's accepted transactions is refused: by its kind for every reader, by its body for a reader who may see it (withheld from them, too)", async (t) => {
  const { raj, meera } = await startWorld(t);
  const upload = (title: string) => uploadRecord(raj.ctx, { title, mediaType: 'text/plain', fileName: `${title}.txt`, content: () => [utf8.encode(title)], contentSize: title.length });
  const a = await upload('fevers');
  const b = await upload('allergies');
  const listing = await setListing(raj.ctx, a.recordId, true);
  const req = await requestAccess(meera.ctx, { patient: 'raj', records: [a.recordId], purpose: 'follow-up', durationMs: 86_400_000 });
  const [incoming] = await requests(raj.reads, { direction: 'incoming', status: 'pending' });
  assert.equal(incoming?.requestId, req.requestId);
  await approveRequest(raj.ctx, raj.reads, incoming);

  // The honest answers verify, for the owner and for the granted doctor.
  assert.equal((await verifyRecord(raj.ctx, raj.reads, a.recordId, 1)).txHash, a.result.txHash);
  assert.equal((await verifyRecord(meera.ctx, meera.reads, a.recordId, 1)).txHash, a.result.txHash);

  // Another AddRecord of raj's: raj sees its body, which carries another manifest.
  await assert.rejects(verifyRecord(raj.ctx, pairedWith(raj.reads, b.result.txHash), a.recordId, 1), refusedAs('the transaction does not add this version'));
  // The same, with that AddRecord's body withheld from raj, who may read it: refused, not taken on trust.
  await assert.rejects(verifyRecord(raj.ctx, pairedWithheld(raj.reads, b.result.txHash), a.recordId, 1), refusedAs('the transaction does not add this version'));
  // Raj's SetListing: not a transaction that adds a version, whether its body is seen (raj) or withheld (meera).
  const listingTx = listing.txHash;
  await assert.rejects(verifyRecord(raj.ctx, pairedWith(raj.reads, listingTx), a.recordId, 1), refusedAs('the transaction does not add this version'));
  await assert.rejects(verifyRecord(meera.ctx, pairedWith(meera.reads, listingTx), a.recordId, 1), refusedAs('the transaction does not add this version'));
});
