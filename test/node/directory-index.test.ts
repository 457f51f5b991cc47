import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isDhlError, type JsonValue } from '../../src/crypto/index.ts';
import { sealRecord } from '../../src/client/index.ts';
import { directory } from '../../src/contract/index.ts';
import { DB_FILE, LedgerNode, verifyDataDir } from '../../src/node/index.ts';
import { SqliteStateView } from '../../src/node/store/index.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const clock = () => ({ now: () => T0 + 1000, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate) });

/** Seals, uploads and records one small record of `patient`; returns its id. */
async function addRecord(node: LedgerNode, patient: Actor, title: string): Promise<string> {
  const { sig, enc } = await patient.keys();
  const chunks: Uint8Array[] = [];
  const sealed = await sealRecord(
    {
      chain: patient.chain, patient: patient.user, author: patient.user, authorSig: { keyId: sig.keyId, privateKey: sig.privateKey },
      readers: [enc.publicKey], title, mediaType: 'text/plain', fileName: `${title}.txt`, createdAt: T0, chunkSize: 64,
    },
    [new TextEncoder().encode(`notes: ${title}\n`)],
    (c) => void chunks.push(c.bytes),
  );
  await node.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
    yield* chunks;
  })());
  const result = await node.submit(
    await patient.tx('AddRecord', {
      manifest: sealed.signedManifest.manifest as unknown as JsonValue,
      manifestSig: sealed.signedManifest.signature as unknown as JsonValue,
      wrappedKeys: sealed.wrappedKeys as unknown as JsonValue,
    }),
  );
  assert.equal(result.outcome, 'OK');
  return sealed.signedManifest.manifest.recordId;
}

/** A page from the node's read facade, with its refusal told as the contract's code (the facade hides an unknown user as not found). */
function directoryPage(node: LedgerNode, viewer: string, patient: string, page: { after?: number; limit?: number } = {}) {
  try {
    return { ok: true as const, ...node.reads.directory(viewer, patient, page) };
  } catch (err) {
    if (isDhlError(err, 'READ_DENIED')) return { ok: false as const, code: err.details.reason };
    if (isDhlError(err, 'RESOURCE_NOT_FOUND')) return { ok: false as const, code: 'USER_UNKNOWN' };
    throw err;
  }
}

/** Every page of `limit` from the node, concatenated. */
function allPages(node: LedgerNode, viewer: string, patient: string, limit: number) {
  const first = directoryPage(node, viewer, patient, { limit });
  if (!first.ok) return first;
  const entries = [...first.entries];
  for (let next = first.next; next !== undefined; ) {
    const page = directoryPage(node, viewer, patient, { after: next, limit });
    assert.ok(page.ok);
    assert.ok(page.entries.length <= limit);
    entries.push(...page.entries);
    next = page.next;
  }
  return { ok: true as const, entries };
}

test("the node's directory index answers exactly what the contract's directory() says, for the patient, a doctor, a non-doctor and an unknown user, in pages of 1, 2, 3 and 100", async (t) => {
  const { dataDir, chainId } = await testDataDir();
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  try {
    const [admin, raj, meera] = (['admin', 'raj', 'meera'] as const).map((u) => new Actor(u, chainId));
    for (const a of [admin!, raj!, meera!]) assert.equal((await node.submit(await a.register())).outcome, 'OK');
    const viewers = ['raj', 'meera', 'admin', 'nobody'];
    // The contract's directory() over the committed state, read on a connection of its own.
    const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
    t.after(() => db.close());
    const agree = (label: string) => {
      const state = new SqliteStateView(db);
      for (const viewer of viewers) {
        const want = directory(state, viewer, 'raj');
        for (const limit of [1, 2, 3, 100]) assert.deepEqual(allPages(node, viewer, 'raj', limit), want, `${label}: ${viewer}, pages of ${limit}`);
      }
    };
    agree('no records');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await addRecord(node, raj!, `record ${i}`));
    agree('seven unlisted records');
    const meeraKeys = await meera!.keys();
    await node.submit(await admin!.tx('AssignRole', { username: 'meera', role: 'doctor', org: 'city-hospital', encKeyId: meeraKeys.enc.keyId, sigKeyId: meeraKeys.sig.keyId }));
    // Listing changes land in one block together (their order is the order admission finishes: none conflict),
    // then one is taken back.
    const setListing = async (i: number, listed: boolean) => node.submit(await raj!.tx('SetListing', { recordId: ids[i]!, listed }));
    const listings = await Promise.all([0, 3, 5, 6].map((i) => setListing(i, true)));
    listings.push(await setListing(3, false));
    assert.ok(listings.every((r) => r.outcome === 'OK'));
    agree('some listed, meera a doctor');
    const asDoctor = directoryPage(node, 'meera', 'raj');
    assert.ok(asDoctor.ok);
    assert.deepEqual(asDoctor.entries.map((e) => e.title), ['record 0', 'record 5', 'record 6']);
    const asPatient = directoryPage(node, 'raj', 'raj');
    assert.ok(asPatient.ok);
    assert.deepEqual(asPatient.entries.map((e) => e.title), ids.map((_, i) => `record ${i}`));
    assert.deepEqual(directoryPage(node, 'admin', 'raj'), { ok: false, code: 'DOCTOR_REQUIRED' });
    assert.deepEqual(directoryPage(node, 'nobody', 'raj'), { ok: false, code: 'USER_UNKNOWN' });
  } finally {
    await node.close();
  }
  await verifyDataDir(dataDir);
});
