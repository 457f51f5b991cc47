/**
 * The read facade: one test per rule, each showing the reader with the right
 * served and a reader without it refused with its code (DESIGN §2; issue 16).
 * Cast: raj and sara are patients; meera is a doctor raj grants; omar is a
 * doctor with no grant; admin runs city-hospital, whose doctors meera and omar
 * are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, isDhlError, type JsonValue } from '../../src/crypto/index.ts';
import { sealRecord } from '../../src/client/index.ts';
import { unwrapDek, wrapDek } from '../../src/crypto/index.ts';
import { entryLeafHash, parseTx, verifyInclusion } from '../../src/ledger/index.ts';
import { LedgerNode, sha256 } from '../../src/node/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { Actor, testDataDir, T0 } from '../helpers/ledger-fixture.ts';

const WINDOW_MS = 60_000;

/** A clock the test moves; batch timers fire at once. */
function clock() {
  let now = T0 + 1000;
  return {
    now: () => now,
    advance: (ms: number) => void (now += ms),
    setTimeout: (fn: () => void) => setImmediate(fn),
    clearTimeout: (h: unknown) => clearImmediate(h as NodeJS.Immediate),
  };
}

const refusedWith = (code: string, reason?: string) => (e: unknown) =>
  isDhlError(e, code) && (reason === undefined || e.details.reason === reason);

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const piece of stream) n += piece.length;
  return n;
}

/** The scenario up to meera's accepted read, on a node of its own. */
async function world() {
  const { dataDir, chainId } = await testDataDir();
  const time = clock();
  const node = await LedgerNode.open(dataDir, { clock: time, ordering: { maxItems: 50, maxDelayMs: 1 }, receiptWindowMs: WINDOW_MS });
  const [admin, raj, meera, sara, omar] = (['admin', 'raj', 'meera', 'sara', 'omar'] as const).map((u) => new Actor(u, chainId));
  const ok = async (tx: unknown) => {
    const r = await node.submit(tx);
    assert.equal(r.outcome, 'OK', `${(tx as { header: { type: string } }).header.type}: ${r.outcome}`);
    return r;
  };
  for (const a of [admin!, raj!, meera!, sara!, omar!]) await ok(await a.register());
  for (const doctor of [meera!, omar!]) {
    const k = await doctor.keys();
    await ok(await admin!.tx('AssignRole', { username: doctor.user, role: 'doctor', org: 'city-hospital', encKeyId: k.enc.keyId, sigKeyId: k.sig.keyId }));
  }
  const rajKeys = await raj!.keys();
  const chunks: Uint8Array[] = [];
  const content = new Uint8Array(300_000).map((_, i) => 32 + (i % 90));
  const sealed = await sealRecord(
    {
      chain: chainId, patient: 'raj', author: 'raj', authorSig: { keyId: rajKeys.sig.keyId, privateKey: rajKeys.sig.privateKey },
      readers: [rajKeys.enc.publicKey], title: 'Imaging, November', mediaType: 'text/plain', fileName: 'scan.txt', createdAt: T0, chunkSize: 4096,
    },
    [content],
    (c) => void chunks.push(c.bytes),
  );
  const recordId = sealed.signedManifest.manifest.recordId;
  await node.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
    yield* chunks;
  })());
  const add = await ok(await raj!.tx('AddRecord', {
    manifest: sealed.signedManifest.manifest as unknown as JsonValue,
    manifestSig: sealed.signedManifest.signature as unknown as JsonValue,
    wrappedKeys: sealed.wrappedKeys as unknown as JsonValue,
  }));
  await ok(await raj!.tx('SetListing', { recordId, listed: true }));
  const request = await ok(await meera!.tx('RequestAccess', { patient: 'raj', records: [recordId], purpose: 'follow-up', durationMs: 86_400_000 }));
  const dek = await unwrapDek(sealed.wrappedKeys[0]!, (await fixtureKey('raj', 'enc')).privateKey, chainId);
  const forMeera = await wrapDek(dek, (await meera!.keys()).enc.publicKey, { chain: chainId, recordId, version: 1 });
  const grant = await ok(await raj!.tx('GrantAccess', { grantee: 'meera', requestId: request.txHash, expiresAt: T0 + 86_400_000, scopes: ['read'], keys: [forMeera as unknown as JsonValue] }));
  const read = await ok(await meera!.tx('RecordRead', { recordId, version: 1 }));
  const refusedRead = await node.submit(await omar!.tx('RecordRead', { recordId, version: 1 }));
  assert.equal(refusedRead.outcome, 'READ_NOT_PERMITTED');
  const storedSize = chunks.reduce((a, c) => a + c.length, 0);
  return { node, time, chainId, recordId, storedSize, raj: raj!, meera: meera!, sara: sara!, omar: omar!, admin: admin!, add, request, grant, read, refusedRead };
}

const shared = world();
test.after(async () => (await shared).node.close());

test('ciphertext: the reader with an accepted RecordRead of the version gets it whole or by range; without one, even the owner or a granted doctor, READ_RECEIPT_REQUIRED', async () => {
  const w = await shared;
  const whole = await w.node.reads.openCiphertext('meera', w.recordId, 1);
  assert.equal(await drain(whole), w.storedSize);
  assert.equal(whole.receipt, w.read.txHash);
  const range = await w.node.reads.openCiphertext('meera', w.recordId, 1, { start: 10, end: 19 });
  assert.equal(await drain(range), 10);
  for (const reader of ['raj', 'omar', 'sara']) {
    await assert.rejects(w.node.reads.openCiphertext(reader, w.recordId, 1), refusedWith('READ_RECEIPT_REQUIRED'), reader);
  }
  await assert.rejects(w.node.reads.openCiphertext('meera', w.recordId, 2), refusedWith('RESOURCE_NOT_FOUND'));
});

test('bodies: the actor and the users a body names see it; an admin sees identity bodies only; anyone else gets the header and bodyHash', async () => {
  const w = await shared;
  const height = w.grant.height;
  const body = (reader: string, txHash: string) => {
    const entry = w.node.reads.block(reader, height).entries.find((e) => parseTx(sha256, e.tx).hash === txHash)!;
    return 'body' in entry.tx ? 'body' : 'withheld';
  };
  assert.equal(body('raj', w.grant.txHash), 'body', 'the actor');
  assert.equal(body('meera', w.grant.txHash), 'body', 'the grantee it names');
  assert.equal(body('omar', w.grant.txHash), 'withheld');
  assert.equal(body('admin', w.grant.txHash), 'withheld', 'not an identity transaction');
  const registration = w.node.reads.block('admin', 1).entries[0]!;
  assert.ok('body' in registration.tx, 'an admin reads identity bodies');
  assert.ok(!('body' in w.node.reads.block('sara', w.add.height).entries.find((e) => parseTx(sha256, e.tx).hash === w.add.txHash)!.tx));
  const tx = w.node.reads.transaction('sara', w.add.txHash);
  assert.ok('withheld' in tx.entry.tx);
  assert.throws(() => w.node.reads.block('raj', 10_000), refusedWith('RESOURCE_NOT_FOUND'));
});

test('wrapped keys go only to their recipient: meera gets hers, raj his, sara and omar none', async () => {
  const w = await shared;
  const meeraKeyId = (await w.meera.keys()).enc.keyId;
  assert.deepEqual(w.node.reads.wrappedKeys('meera', w.recordId, 1).map((k) => k.keyId), [meeraKeyId]);
  assert.deepEqual(w.node.reads.wrappedKeys('raj', w.recordId, 1).map((k) => k.keyId), [(await w.raj.keys()).enc.keyId]);
  for (const reader of ['sara', 'omar']) assert.throws(() => w.node.reads.wrappedKeys(reader, w.recordId, 1), refusedWith('RESOURCE_NOT_FOUND'), reader);
});

test("users: keys come with their registering transaction and an inclusion proof that verifies against the signed head, and a doctor's role with the AssignRole that vouches for it; an unknown name is RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  const view = w.node.reads.user('sara', 'meera');
  const root = fromHex(view.head.header.treeRoot);
  assert.deepEqual(view.keys.map((k) => k.use).sort(), ['enc', 'sig']);
  for (const proven of [...view.keys.map((k) => k.registeredBy), view.roles[0]!.assignedBy!]) {
    const tx = parseTx(sha256, proven.entry.tx);
    const leaf = entryLeafHash(sha256, { tx: tx.hash, outcome: proven.entry.outcome });
    assert.equal(proven.treeSize, view.head.header.treeSize);
    verifyInclusion(sha256, proven.entry.seq, proven.treeSize, leaf, proven.proof.map((h) => fromHex(h)), root);
  }
  assert.equal(parseTx(sha256, view.keys[0]!.registeredBy.entry.tx).header.type, 'RegisterUser');
  assert.deepEqual(view.roles.map((r) => [r.role, r.org, r.active, r.vouched]), [['doctor', 'city-hospital', true, true]]);
  assert.equal(parseTx(sha256, view.roles[0]!.assignedBy!.entry.tx).header.type, 'AssignRole');
  assert.throws(() => w.node.reads.user('sara', 'nobody'), refusedWith('RESOURCE_NOT_FOUND'));
});

test('directory: a doctor sees what the patient listed, the patient everything; another patient is READ_DENIED (DOCTOR_REQUIRED); an unknown patient RESOURCE_NOT_FOUND; bad paging QUERY_INVALID', async () => {
  const w = await shared;
  assert.deepEqual(w.node.reads.directory('omar', 'raj').entries.map((e) => e.recordId), [w.recordId]);
  assert.equal(w.node.reads.directory('raj', 'raj').entries.length, 1);
  assert.throws(() => w.node.reads.directory('sara', 'raj'), refusedWith('READ_DENIED', 'DOCTOR_REQUIRED'));
  assert.throws(() => w.node.reads.directory('omar', 'nobody'), refusedWith('RESOURCE_NOT_FOUND'));
  for (const page of [{ limit: Number.NaN }, { limit: 0 }, { limit: 501 }, { after: '-1' }, { after: 'x'.repeat(10_000) }, { after: 1.5 }]) {
    assert.throws(() => w.node.reads.directory('raj', 'raj', page as never), refusedWith('QUERY_INVALID'), JSON.stringify(page));
  }
});

test("records: metadata and signed manifests for the owner, the grantee and, for a listed record, any doctor; another patient gets RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  assert.equal(w.node.reads.record('raj', w.recordId).access, 'owner');
  assert.equal(w.node.reads.record('meera', w.recordId).access, 'grant');
  assert.equal(w.node.reads.record('omar', w.recordId).access, 'listed');
  assert.equal(w.node.reads.record('omar', w.recordId).versions[0]!.manifest.title, 'Imaging, November');
  assert.throws(() => w.node.reads.record('sara', w.recordId), refusedWith('RESOURCE_NOT_FOUND'));
  assert.throws(() => w.node.reads.record('raj', 'ff'.repeat(16)), refusedWith('RESOURCE_NOT_FOUND'));
});

test('requests and grants: the parties see them with their status; anyone else sees an empty list', async () => {
  const w = await shared;
  for (const reader of ['raj', 'meera']) {
    assert.deepEqual(w.node.reads.requests(reader).items.map((r) => [r.requestId, r.status]), [[w.request.txHash, 'granted']], reader);
    assert.deepEqual(w.node.reads.grants(reader).items.map((g) => [g.grantId, g.status, g.records]), [[w.grant.txHash, 'active', [w.recordId]]], reader);
  }
  for (const reader of ['sara', 'omar']) {
    assert.deepEqual(w.node.reads.requests(reader).items, [], reader);
    assert.deepEqual(w.node.reads.grants(reader).items, [], reader);
  }
});

test("audit: a patient reads their own trail and their record's, refused reads included; an admin reads the trail of their organisation's doctors, not of patients; anyone else RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  const recordTrail = w.node.reads.audit('raj', { record: w.recordId }).items;
  assert.ok(recordTrail.some((e) => e.outcome === 'READ_NOT_PERMITTED' && parseTx(sha256, e.tx).hash === w.refusedRead.txHash), "omar's refused read is in raj's record trail");
  assert.ok(recordTrail.every((e, i) => i === 0 || e.seq < recordTrail[i - 1]!.seq), 'newest first');
  assert.ok(w.node.reads.audit('raj', { user: 'raj' }).items.length > 0);
  assert.ok(w.node.reads.audit('admin', { user: 'meera' }).items.length > 0, "an admin over the organisation's doctor");
  assert.throws(() => w.node.reads.audit('admin', { user: 'raj' }), refusedWith('RESOURCE_NOT_FOUND'), 'an admin is not over a patient');
  assert.throws(() => w.node.reads.audit('sara', { user: 'raj' }), refusedWith('RESOURCE_NOT_FOUND'));
  assert.throws(() => w.node.reads.audit('meera', { record: w.recordId }), refusedWith('RESOURCE_NOT_FOUND'), "the grantee does not read the owner's trail");
  // Paged: pages of 2 concatenate to the whole trail.
  const pages = [];
  for (let next: string | undefined, first = true; first || next; first = false) {
    const page = w.node.reads.audit('raj', { record: w.recordId }, { limit: 2, ...(next ? { after: next } : {}) });
    pages.push(...page.items);
    next = page.next;
  }
  assert.deepEqual(pages.map((e) => e.seq), recordTrail.map((e) => e.seq));
});

test('ciphertext: a receipt opens the version only within the receipt window, and a revoke stops a download in progress with READ_DENIED', async () => {
  const w = await shared;
  const stream = await w.node.reads.openCiphertext('meera', w.recordId, 1);
  const reader = stream[Symbol.asyncIterator]();
  assert.ok(!(await reader.next()).done, 'the first piece arrives');
  const revoke = await w.node.submit(await w.raj.tx('RevokeAccess', { grantee: 'meera', recordIds: [w.recordId] }));
  assert.equal(revoke.outcome, 'OK');
  await assert.rejects(reader.next(), refusedWith('READ_DENIED', 'READ_NOT_PERMITTED'));
  await assert.rejects(w.node.reads.openCiphertext('meera', w.recordId, 1), refusedWith('READ_DENIED', 'READ_NOT_PERMITTED'));
  // The owner's own read opens it, until the window passes.
  const own = await w.node.submit(await w.raj.tx('RecordRead', { recordId: w.recordId, version: 1 }));
  assert.equal(own.outcome, 'OK');
  assert.equal(await drain(await w.node.reads.openCiphertext('raj', w.recordId, 1)), w.storedSize);
  w.time.advance(WINDOW_MS + 1);
  await assert.rejects(w.node.reads.openCiphertext('raj', w.recordId, 1), refusedWith('READ_RECEIPT_REQUIRED'));
});
