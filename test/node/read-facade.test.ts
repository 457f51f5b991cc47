/**
 * The read facade: one test per rule, each showing the reader with the right
 * served and a reader without it refused with its code (DESIGN §2; issue 16).
 * Cast: raj and sara are patients; meera is a doctor raj grants; omar is a
 * doctor with no grant; admin runs city-hospital, whose doctors meera and omar
 * are; admin2 runs river-clinic, the genesis's second organisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, isDhlError, type JsonValue } from '../../src/crypto/index.ts';
import { sealRecord } from '../../src/client/index.ts';
import { unwrapDek, wrapDek } from '../../src/crypto/index.ts';
import { entryLeafHash, parseTx, verifyInclusion } from '../../src/ledger/index.ts';
import { LedgerNode, sha256, verifyExport } from '../../src/node/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { Actor, spkiOf, testDataDir, twoOrgGenesis, T0 } from '../helpers/ledger-fixture.ts';

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
  const { dataDir, chainId } = await testDataDir(await twoOrgGenesis());
  const time = clock();
  const node = await LedgerNode.open(dataDir, { clock: time, ordering: { maxItems: 50, maxDelayMs: 1 }, receiptWindowMs: WINDOW_MS });
  const [admin, raj, meera, sara, omar, admin2] = (['admin', 'raj', 'meera', 'sara', 'omar', 'admin2'] as const).map((u) => new Actor(u, chainId));
  const ok = async (tx: unknown) => {
    const r = await node.submit(tx);
    assert.equal(r.outcome, 'OK', `${(tx as { header: { type: string } }).header.type}: ${r.outcome}`);
    return r;
  };
  for (const a of [admin!, raj!, meera!, sara!, omar!, admin2!]) await ok(await a.register());
  for (const doctor of [meera!, omar!]) {
    const k = await doctor.keys();
    await ok(await admin!.tx('AssignRole', { username: doctor.user, role: 'doctor', org: 'city-hospital', encKeyId: k.enc.keyId, sigKeyId: k.sig.keyId }));
  }
  const rajKeys = await raj!.keys();
  const chunks: Uint8Array[] = [];
  // More than two of the blob store's 1 MiB read pieces: a download is still under way after the first.
  const content = new Uint8Array(2_500_000).map((_, i) => 32 + (i % 90));
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
  return { node, time, chainId, recordId, storedSize, raj: raj!, meera: meera!, sara: sara!, omar: omar!, admin: admin!, admin2: admin2!, ok, add, request, grant, read, refusedRead };
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

test('users: after a RotateKeys every generation is listed with the transaction that registered it (the RotateKeys, signed by the old key; the RegisterUser), only the new pair current; the signed head is one object per block, frozen', async () => {
  const w = await shared;
  const { dataDir, chainId } = await testDataDir(await twoOrgGenesis());
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 50, maxDelayMs: 1 } });
  try {
    const sara = new Actor('sara', chainId);
    assert.equal((await node.submit(await sara.register())).outcome, 'OK');
    const next = { sig: await fixtureKey('kofi', 'sig'), enc: await fixtureKey('kofi', 'enc') };
    const rotate = await node.submit(await sara.tx('RotateKeys', {
      sigSpki: await spkiOf('kofi', 'sig'), sigKeyId: next.sig.keyId, encSpki: await spkiOf('kofi', 'enc'), encKeyId: next.enc.keyId,
    }));
    assert.equal(rotate.outcome, 'OK');
    const view = node.reads.user('raj', 'sara');
    const old = await sara.keys();
    assert.deepEqual(view.keys.map((k) => [k.keyId, k.current, parseTx(sha256, k.registeredBy.entry.tx).header.type]), [
      [old.enc.keyId, false, 'RegisterUser'], [old.sig.keyId, false, 'RegisterUser'], [next.enc.keyId, true, 'RotateKeys'], [next.sig.keyId, true, 'RotateKeys'],
    ]);
    assert.equal(parseTx(sha256, view.keys[2]!.registeredBy.entry.tx).header.keyId, old.sig.keyId, 'the rotation is signed by the old sig key');
    assert.equal(node.reads.signedHead(), node.reads.signedHead(), 'one object until the next block');
    assert.ok(Object.isFrozen(node.reads.signedHead().header));
  } finally {
    await node.close();
  }
  assert.ok(w.node.reads.signedHead().header.height > 0);
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

test("a new block's state is seen at once: the record raj unlists leaves omar's record read and directory in the first read after its block, and is back once listed again; the answers' values are frozen", async () => {
  const w = await shared;
  const seen = w.node.reads.record('omar', w.recordId);
  assert.equal(seen.access, 'listed');
  assert.ok(Object.isFrozen(seen.versions[0]!.manifest), 'shared state values go out frozen');
  assert.equal(w.node.reads.directoryLines('omar', 'raj').lines.length, 1);
  await w.ok(await w.raj.tx('SetListing', { recordId: w.recordId, listed: false }));
  assert.throws(() => w.node.reads.record('omar', w.recordId), refusedWith('RESOURCE_NOT_FOUND'));
  assert.throws(() => w.node.reads.version('omar', w.recordId, 1), refusedWith('RESOURCE_NOT_FOUND'));
  assert.deepEqual(w.node.reads.directory('omar', 'raj').entries, []);
  assert.equal(w.node.reads.record('meera', w.recordId).access, 'grant', 'her grant still stands');
  await w.ok(await w.raj.tx('SetListing', { recordId: w.recordId, listed: true }));
  assert.equal(w.node.reads.record('omar', w.recordId).listed, true);
  assert.deepEqual(w.node.reads.directoryLines('omar', 'raj').lines.map((l) => (JSON.parse(l) as { recordId: string }).recordId), [w.recordId]);
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

test("audit: a patient reads their own trail and their record's, refused reads included, an accepted read with its grant; an admin reads the trail of their organisation's doctors, not of patients; anyone else RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  const recordTrail = w.node.reads.audit('raj', { record: w.recordId }).items;
  assert.ok(recordTrail.some((e) => e.outcome === 'READ_NOT_PERMITTED' && parseTx(sha256, e.tx).hash === w.refusedRead.txHash), "omar's refused read is in raj's record trail");
  assert.ok(recordTrail.every((e, i) => i === 0 || e.seq < recordTrail[i - 1]!.seq), 'newest first');
  assert.equal(recordTrail.find((e) => parseTx(sha256, e.tx).hash === w.read.txHash)!.grantId, w.grant.txHash, "meera's read names the grant it was made under");
  assert.ok(recordTrail.filter((e) => parseTx(sha256, e.tx).hash !== w.read.txHash).every((e) => e.grantId === undefined), 'no other entry names a grant');
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

test('blocks: headers newest first, paged by height to block 1; a cursor that is no height is QUERY_INVALID', async () => {
  const w = await shared;
  const heights: number[] = [];
  for (let next: string | undefined, first = true; first || next; first = false) {
    const page = w.node.reads.blocks({ limit: 3, ...(next ? { after: next } : {}) });
    heights.push(...page.items.map((b) => b.header.height));
    next = page.next;
  }
  assert.deepEqual(heights, Array.from({ length: w.node.head.height }, (_, i) => w.node.head.height - i));
  for (const after of ['x', '-1', '1.5']) assert.throws(() => w.node.reads.blocks({ after }), refusedWith('QUERY_INVALID'), after);
  assert.throws(() => w.node.reads.block('raj', -1), refusedWith('QUERY_INVALID'));
});

test("export: every identity body and the reader's own, every other body withheld, no state writes; it verifies offline as a withheld export", async () => {
  const w = await shared;
  const linesOf = (reader: string) => [...w.node.reads.export(reader)];
  const bodyOf = (lines: string[], txHash: string) => {
    for (const line of lines.slice(1)) {
      const block = JSON.parse(line) as { writes?: unknown; entries: { tx: unknown }[] };
      assert.equal(block.writes, undefined, 'no state writes');
      const entry = block.entries.find((e) => parseTx(sha256, e.tx).hash === txHash);
      if (entry) return 'body' in (entry.tx as object) ? 'body' : 'withheld';
    }
    return 'absent';
  };
  const raj = linesOf('raj');
  const omar = linesOf('omar');
  assert.equal(bodyOf(raj, w.add.txHash), 'body', "raj's own AddRecord");
  assert.equal(bodyOf(omar, w.add.txHash), 'withheld');
  assert.equal(bodyOf(omar, w.refusedRead.txHash), 'body', "omar's own refused read");
  assert.equal(bodyOf(omar, w.grant.txHash), 'withheld');
  const assignMeera = parseTx(sha256, w.node.reads.user('omar', 'meera').roles[0]!.assignedBy!.entry.tx).hash;
  assert.equal(bodyOf(omar, assignMeera), 'body', "another's identity transaction");
  for (const lines of [raj, omar]) {
    const report = await verifyExport(lines, w.chainId);
    assert.equal(report.head.height, w.node.head.height);
    assert.equal(report.entries, w.node.head.treeSize);
  }
  assert.equal(linesOf('raj').length, raj.length, 'the same reader gets the same export');
  assert.throws(() => [...w.node.reads.export('raj', { fromHeight: 0 })], refusedWith('QUERY_INVALID'));
});

test("versions: a version's signed manifest with the inclusion proof of its AddRecord, for the record's readers; another patient RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  const v = w.node.reads.version('omar', w.recordId, 1);
  assert.equal(v.txHash, w.add.txHash);
  assert.equal(v.manifest.title, 'Imaging, November');
  const root = fromHex(w.node.reads.signedHead().header.treeRoot);
  verifyInclusion(sha256, v.entry.seq, v.treeSize, entryLeafHash(sha256, { tx: v.txHash, outcome: v.entry.outcome }), v.proof.map((h) => fromHex(h)), root);
  assert.throws(() => w.node.reads.version('sara', w.recordId, 1), refusedWith('RESOURCE_NOT_FOUND'));
  assert.throws(() => w.node.reads.version('raj', w.recordId, 2), refusedWith('RESOURCE_NOT_FOUND'));
});

test("org members: an organisation's active admin lists who holds a role in it; the other organisation's admin, a doctor and a patient are READ_DENIED (ADMIN_REQUIRED); an unknown organisation RESOURCE_NOT_FOUND", async () => {
  const w = await shared;
  const members = w.node.reads.orgMembers('admin', 'city-hospital');
  assert.deepEqual(members.items.map((m) => [m.username, m.role, m.active]), [['admin', 'admin', true], ['meera', 'doctor', true], ['omar', 'doctor', true]]);
  const paged = w.node.reads.orgMembers('admin', 'city-hospital', { limit: 2 });
  assert.equal(paged.items.length, 2);
  assert.deepEqual(w.node.reads.orgMembers('admin', 'city-hospital', { after: paged.next }).items.map((m) => m.username), ['omar']);
  assert.deepEqual(w.node.reads.orgMembers('admin2', 'river-clinic').items.map((m) => m.username), ['admin2']);
  for (const reader of ['admin2', 'meera', 'raj']) assert.throws(() => w.node.reads.orgMembers(reader, 'city-hospital'), refusedWith('READ_DENIED', 'ADMIN_REQUIRED'), reader);
  assert.throws(() => w.node.reads.orgMembers('admin', 'no-such-org'), refusedWith('RESOURCE_NOT_FOUND'));
  assert.throws(() => w.node.reads.orgMembers('admin', 'city-hospital', { after: 'Not A Name' }), refusedWith('QUERY_INVALID'));
});

test("notifications: raj is told of meera's request, her accepted read under her grant and omar's refused read, with ids and fingerprints and never the purpose; meera and sara of nothing of his", async () => {
  const w = await shared;
  const items = w.node.reads.notifications('raj').items;
  assert.deepEqual(items.map((n) => [n.kind, n.txHash]), [
    ['read-refused', w.refusedRead.txHash], ['grant-used', w.read.txHash], ['request-received', w.request.txHash],
  ]);
  assert.equal(items[1]!.grantId, w.grant.txHash);
  assert.equal(items[0]!.outcome, 'READ_NOT_PERMITTED');
  assert.equal(items[0]!.actorKeyId, (await w.omar.keys()).sig.keyId);
  assert.match(items[0]!.actorFingerprint, /^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
  assert.doesNotMatch(JSON.stringify(items), /follow-up|Imaging/);
  for (const reader of ['meera', 'sara']) assert.deepEqual(w.node.reads.notifications(reader).items, [], reader);
  const first = w.node.reads.notifications('raj', { limit: 2 });
  assert.equal(first.items.length, 2);
  assert.deepEqual(w.node.reads.notifications('raj', { limit: 2, after: first.next }).items.map((n) => n.kind), ['request-received']);
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

test('statuses: a revoked grant is revoked, an expired one expired, one whose doctor lost the role void and their pending request lapsed; filters by direction and status thin the pages, never count', async () => {
  const w = await shared;
  // meera's grant was revoked by the test before.
  assert.equal(w.node.reads.grants('raj').items.find((g) => g.grantId === w.grant.txHash)!.status, 'revoked');
  const dek = await unwrapDek((w.node.reads.wrappedKeys('raj', w.recordId, 1)[0]!) as never, (await fixtureKey('raj', 'enc')).privateKey, w.chainId);
  const wrapFor = async (doctor: Actor) => (await wrapDek(dek, (await doctor.keys()).enc.publicKey, { chain: w.chainId, recordId: w.recordId, version: 1 })) as unknown as JsonValue;
  const now = w.time.now();
  const short = await w.ok(await w.raj.tx('GrantAccess', { grantee: 'omar', expiresAt: now + 1_000, scopes: ['read'], keys: [await wrapFor(w.omar)] }, { time: now, notAfter: now + 60_000 }));
  const ivan = new Actor('ivan', w.chainId);
  await w.ok(await ivan.register());
  const ik = await ivan.keys();
  await w.ok(await w.admin.tx('AssignRole', { username: 'ivan', role: 'doctor', org: 'city-hospital', encKeyId: ik.enc.keyId, sigKeyId: ik.sig.keyId }, { time: now, notAfter: now + 60_000 }));
  const voided = await w.ok(await w.raj.tx('GrantAccess', { grantee: 'ivan', expiresAt: now + 86_400_000, scopes: ['read'], keys: [await wrapFor(ivan)] }, { time: now, notAfter: now + 60_000 }));
  const asked = await w.ok(await ivan.tx('RequestAccess', { patient: 'sara', records: 'all', purpose: 'second opinion', durationMs: 86_400_000 }, { time: now, notAfter: now + 60_000 }));
  assert.equal(w.node.reads.requests('sara').items[0]!.status, 'pending');
  await w.ok(await w.admin.tx('RevokeRole', { username: 'ivan', role: 'doctor', org: 'city-hospital' }, { time: now, notAfter: now + 60_000 }));
  w.time.advance(2_000);
  const status = (id: string) => w.node.reads.grants('raj').items.find((g) => g.grantId === id)!.status;
  assert.equal(status(short.txHash), 'expired');
  assert.equal(status(voided.txHash), 'void');
  assert.deepEqual(w.node.reads.requests('sara').items.map((r) => [r.requestId, r.status]), [[asked.txHash, 'lapsed']]);
  assert.deepEqual(w.node.reads.grants('raj', {}, { status: 'void' }).items.map((g) => g.grantId), [voided.txHash]);
  assert.deepEqual(w.node.reads.grants('omar', {}, { direction: 'issued' }).items, [], 'omar issued none');
  assert.deepEqual(w.node.reads.grants('omar', {}, { direction: 'received' }).items.map((g) => g.grantId), [short.txHash]);
  assert.deepEqual(w.node.reads.requests('meera', {}, { direction: 'incoming' }).items, [], 'meera asked, she was not asked');
  assert.deepEqual(w.node.reads.requests('meera', {}, { direction: 'outgoing' }).items.map((r) => r.requestId), [w.request.txHash]);
  // A page of one filtered to nothing still says where the next one starts.
  const thin = w.node.reads.grants('raj', { limit: 1 }, { status: 'revoked' });
  assert.deepEqual(thin.items, []);
  assert.ok(thin.next);
});

test("refusals: the admin of the node's organisation sees the refused transactions (omar's read, its code, the record id); the other organisation's admin, a doctor and a patient are READ_DENIED; a kind or a page it cannot use is QUERY_INVALID; without a refusal log the node's own kinds are empty", async () => {
  const w = await shared;
  const page = w.node.reads.refusals('admin', 'refused-tx');
  const omars = page.items.find((r) => r.kind === 'refused-tx' && r.txHash === w.refusedRead.txHash);
  assert.deepEqual(omars && omars.kind === 'refused-tx' && [omars.actor, omars.type, omars.outcome, omars.recordId, omars.version], ['omar', 'RecordRead', 'READ_NOT_PERMITTED', w.recordId, 1]);
  assert.ok(page.items.every((r) => r.kind === 'refused-tx' && r.outcome !== 'OK'));
  assert.doesNotMatch(JSON.stringify(page), /follow-up|Imaging/);
  for (const reader of ['admin2', 'meera', 'raj']) assert.throws(() => w.node.reads.refusals(reader, 'refused-tx'), refusedWith('READ_DENIED', 'ADMIN_REQUIRED'), reader);
  assert.throws(() => w.node.reads.refusals('admin', 'everything' as never), refusedWith('QUERY_INVALID'));
  for (const bad of [{ limit: 0 }, { limit: 201 }, { limit: Number.NaN }, { after: 'x' }, { after: '-1' }]) {
    assert.throws(() => w.node.reads.refusals('admin', 'refused-tx', bad), refusedWith('QUERY_INVALID'), JSON.stringify(bad));
  }
  assert.deepEqual(w.node.reads.refusals('admin', 'rate-limit'), { items: [] }, 'this node was opened without the accounts’ refusal log');
});

test("refusals: on river-clinic's node its admin sees them and city-hospital's admin is READ_DENIED (the node's organisation comes from the genesis)", async (t) => {
  const { dataDir, chainId } = await testDataDir(await twoOrgGenesis(), 'node2');
  const node = await LedgerNode.open(dataDir, { clock: clock(), ordering: { maxItems: 1, maxDelayMs: 1 } });
  t.after(() => node.close());
  for (const u of ['admin', 'admin2'] as const) assert.equal((await node.submit(await new Actor(u, chainId).register())).outcome, 'OK');
  assert.deepEqual(node.reads.refusals('admin2', 'refused-tx'), { items: [] });
  assert.throws(() => node.reads.refusals('admin', 'refused-tx'), refusedWith('READ_DENIED', 'ADMIN_REQUIRED'));
});
