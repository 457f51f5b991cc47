/**
 * The read routes over HTTP (issue 18), on one world per file (world.ts): what
 * a client does with the answers — verify a user's keys and a version's
 * manifest against the head, verify an export offline, page through lists —
 * and what the answers say (statuses, the grant of a read, notifications).
 * Who may call which route is the matrix's (matrix.slow.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { Reads, allPages, verifyProvenEntry, verifyUserView } from '../../src/client/reads.ts';
import { login } from '../../src/client/account.ts';
import { fingerprint, fromBase64url, importSpki, isDhlError, verifyManifest, type SignedManifest } from '../../src/crypto/index.ts';
import { parseTx, verifySignedHead } from '../../src/ledger/index.ts';
import { verifyExport } from '../../src/node/index.ts';
import { ROUTES, urlOf } from '../../src/protocol/index.ts';
import { DirectoryEntry, VersionView } from '../../src/protocol/schemas-reads.ts';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { assertDeclaredError } from './helpers.ts';
import { buildWorld, fileScope, type User } from './world.ts';

const world = buildWorld(fileScope());
const reads = async (user: User) => new Reads((await world).members[user].api);
const hashOf = (tx: unknown) => parseTx(sha256, tx).hash;

test("a user lookup verifies against the head it carries: each key in its RegisterUser, meera's doctor role in its AssignRole, the head signed by the genesis's node; a forged SPKI is refused", async () => {
  const w = await world;
  const view = await (await reads('sara')).user('meera');
  await verifyUserView(sha256, view);
  await verifySignedHead(sha256, w.chainId, w.genesis, { header: view.head.header, attestation: view.head.attestations[0] });
  const meera = w.members.meera.loggedIn.keys;
  assert.deepEqual(view.keys.filter((k) => k.current).map((k) => [k.use, k.keyId, k.fingerprint]).sort(), [
    ['enc', meera.enc.keyId, fingerprint(meera.enc.keyId)], ['sig', meera.sig.keyId, fingerprint(meera.sig.keyId)],
  ]);
  assert.deepEqual(view.roles.map((r) => [r.role, r.org, r.active, r.vouched]), [['doctor', 'city-hospital', true, true]]);
  const forged = structuredClone(view);
  forged.keys[0]!.spki = view.keys[1]!.spki;
  await assert.rejects(verifyUserView(sha256, forged), (e: unknown) => isDhlError(e, 'USER_VIEW_INVALID'));
  const moved = structuredClone(view);
  moved.keys[0]!.registeredBy.proof[0] = '0'.repeat(64);
  await assert.rejects(verifyUserView(sha256, moved), (e: unknown) => isDhlError(e, 'MERKLE_ROOT_MISMATCH'));
});

test("DESIGN §1 step 5, verify: meera checks the unlisted version's manifest signature under raj's key from the ledger and its AddRecord's inclusion proof under the head", async () => {
  const w = await world;
  const r = await reads('meera');
  const version = await r.version(w.unlisted.recordId, 1);
  assert.equal(version.txHash, w.unlisted.addTx);
  const raj = await verifyUserView(sha256, await r.user(version.manifest.author));
  const authorKey = raj.keys.find((k) => k.keyId === version.manifest.authorKeyId && k.use === 'sig')!;
  const manifest = await verifyManifest({ manifest: version.manifest, signature: version.manifestSig } as unknown as SignedManifest, await importSpki('sig', fromBase64url(authorKey.spki)));
  assert.equal(manifest.title, w.unlisted.title);
  const entry = { entry: { seq: version.entry.seq, height: version.entry.height, time: 0, outcome: version.entry.outcome, tx: (await r.transaction(version.txHash)).entry.tx }, treeSize: version.treeSize, proof: version.proof };
  assert.equal(verifyProvenEntry(sha256, entry, version.head).hash, w.unlisted.addTx);
  const key = await r.wrappedKey(w.unlisted.recordId, 1);
  assert.equal(key.keyId, w.members.meera.loggedIn.keys.enc.keyId, 'her own wrap');
});

test("the export stream verifies offline up to the head at the request; sara's withholds raj's bodies but keeps every identity body and her own", async () => {
  const w = await world;
  const rajLines: string[] = [];
  for await (const line of (await reads('raj')).exportLines()) rajLines.push(line);
  const report = await verifyExport(rajLines, w.chainId);
  const head = await (await reads('raj')).head();
  assert.equal(report.head.height, head.header.height);
  assert.equal(report.entries, head.header.treeSize);
  const saraLines: string[] = [];
  for await (const line of (await reads('sara')).exportLines({ fromHeight: 1 })) saraLines.push(line);
  await verifyExport(saraLines, w.chainId);
  const entries = saraLines.slice(1).flatMap((l) => (JSON.parse(l) as { entries: { tx: { header: { type: string; actor: string }; withheld?: true } }[] }).entries);
  assert.ok(entries.filter((e) => e.tx.header.actor === 'raj' && e.tx.header.type === 'AddRecord').every((e) => e.tx.withheld), "raj's records are withheld from sara");
  assert.ok(entries.filter((e) => ['RegisterUser', 'AssignRole', 'RevokeRole'].includes(e.tx.header.type)).every((e) => !e.tx.withheld), 'identity bodies are kept');
  assert.ok(entries.filter((e) => e.tx.header.actor === 'sara').every((e) => !e.tx.withheld), 'her own bodies are kept');
  const tail: string[] = [];
  for await (const line of (await reads('sara')).exportLines({ fromHeight: head.header.height })) tail.push(line);
  assert.equal(tail.length, 2, 'the genesis line and the last block');
  const bad = await fetch(`${w.n.url}${urlOf(ROUTES.ledgerExport, {}, { fromHeight: '0' })}`, { headers: { authorization: `Bearer ${w.members.sara.api.token}` } });
  assert.equal(bad.status, 400);
  assertDeclaredError('ledgerExport', 400, await bad.json());
});

test("notifications: raj is told of every request, meera's read under her grant and each refused read with its code, with fingerprints, never a purpose or title; a failed login to sara's account shows until her next login", async () => {
  const w = await world;
  const r = await reads('raj');
  const items: Awaited<ReturnType<Reads['notifications']>>['items'] = [];
  for await (const item of allPages((after) => r.notifications({ limit: 3, ...(after ? { after } : {}) }))) items.push(item);
  const refusedCodes = items.filter((i) => i.kind === 'read-refused').map((i) => [i.actor, i.outcome]).sort();
  assert.deepEqual(refusedCodes, [['ivan', 'GRANT_VOID'], ['kofi', 'GRANT_EXPIRED'], ['lena', 'READ_NOT_PERMITTED'], ['omar', 'READ_NOT_PERMITTED'], ['sara', 'READ_NOT_PERMITTED']]);
  const used = items.filter((i) => i.kind === 'grant-used');
  assert.deepEqual(used.map((i) => [i.actor, i.txHash, i.grantId]), [['meera', w.reads.meera.txHash, w.grants.meera.txHash]]);
  assert.deepEqual(items.filter((i) => i.kind === 'request-received').map((i) => i.requestId).sort(), Object.values(w.requests).sort());
  assert.ok(items.every((i, k) => k === 0 || i.seq < items[k - 1]!.seq), 'newest first');
  assert.ok(items.every((i) => i.actorFingerprint === fingerprint(i.actorKeyId)));
  assert.doesNotMatch(JSON.stringify(items), /mk-purpose|mk-listed|mk-unlisted/);

  assert.deepEqual((await (await reads('sara')).notifications()).failedLogins, { count: 0 });
  await assert.rejects(login(w.n.api(), { username: 'sara', secret: { passphrase: 'not her passphrase' }, session: 'bearer', chain: w.chainId, now: w.clock.now(), allowWeakKdf: true }),
    (e: unknown) => isDhlError(e, 'LOGIN_FAILED'));
  const shown = (await (await reads('sara')).notifications()).failedLogins;
  assert.equal(shown.count, 1);
  assert.equal(shown.lastAt, w.clock.now());
  const again = await login(w.n.api(), { username: 'sara', secret: { passphrase: w.members.sara.passphrase }, session: 'bearer', chain: w.chainId, now: w.clock.now(), allowWeakKdf: true });
  assert.equal(again.session.failedLogins.count, 1, 'the login shows it once');
  assert.deepEqual((await (await reads('sara')).notifications()).failedLogins, { count: 0 });
});

test("statuses over HTTP: raj's grants are meera active, lena revoked, kofi expired, ivan void; omar's request pending; filters by direction and status", async () => {
  const w = await world;
  const r = await reads('raj');
  const grants = (await r.grants()).items;
  const statusOf = (d: 'meera' | 'lena' | 'kofi' | 'ivan') => grants.find((g) => g.grantId === w.grants[d].txHash)?.status;
  assert.deepEqual(['meera', 'lena', 'kofi', 'ivan'].map((d) => statusOf(d as never)), ['active', 'revoked', 'expired', 'void']);
  assert.deepEqual((await r.grants({ status: 'active' })).items.map((g) => g.grantee), ['meera']);
  assert.deepEqual((await r.grants({ direction: 'received' })).items, [], 'raj holds no grant');
  const requests = (await r.requests({ direction: 'incoming' })).items;
  assert.deepEqual(requests.filter((q) => q.status === 'pending').map((q) => q.doctor), ['omar']);
  assert.deepEqual((await (await reads('omar')).requests({ direction: 'outgoing' })).items.map((q) => [q.requestId, q.status]), [[w.requests.omar, 'pending']]);
  assert.deepEqual((await (await reads('kofi')).grants()).items.map((g) => [g.grantId, g.status]), [[w.grants.kofi.txHash, 'expired']]);
});

test("raj's record trail, newest first: meera's read names her grant, each refused read its code; pages of two concatenate to the whole", async () => {
  const w = await world;
  const r = await reads('raj');
  const whole = (await r.recordAudit(w.unlisted.recordId)).items;
  const meeraRead = whole.find((e) => hashOf(e.tx) === w.reads.meera.txHash)!;
  assert.equal(meeraRead.grantId, w.grants.meera.txHash);
  for (const [, refused] of Object.entries(w.reads.refused)) {
    assert.equal(whole.find((e) => hashOf(e.tx) === refused.txHash)?.outcome, refused.outcome);
  }
  const paged = [];
  for await (const e of allPages((after) => r.recordAudit(w.unlisted.recordId, { limit: 2, ...(after ? { after } : {}) }))) paged.push(e);
  assert.deepEqual(paged.map((e) => e.seq), whole.map((e) => e.seq));
  assert.ok(whole.every((e, i) => i === 0 || e.seq < whole[i - 1]!.seq));
  assert.ok(whole.every((e) => e.time > 0));
});

test("a directory page goes out as the index's stored lines: the facade's parsed page, each item exactly the schema's DirectoryEntry fields, a JSON content type, pages chained by next", async () => {
  const w = await world;
  const facade = w.n.node.dhl.setup.ledger().reads;
  const get = (path: string) => fetch(`${w.n.url}${path}`, { headers: { authorization: `Bearer ${w.members.raj.api.token}` } });
  const session = await get('/v1/session');
  const fields = Object.keys(DirectoryEntry.properties).sort();
  let after: string | undefined;
  const seen: unknown[] = [];
  do {
    const answer = await get(urlOf(ROUTES.directory, { patient: 'raj' }, { limit: '1', ...(after ? { after } : {}) }));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), session.headers.get('content-type'));
    const body = JSON.parse(await answer.text()) as { items: Record<string, unknown>[]; next?: string };
    assert.ok(Value.Check(ROUTES.directory.response[200] as TSchema, body));
    for (const item of body.items) assert.deepEqual(Object.keys(item).sort(), fields);
    const parsed = facade.directory('raj', 'raj', { limit: 1, ...(after ? { after: Number(after) } : {}) });
    assert.deepEqual(body, { items: parsed.entries, ...(parsed.next === undefined ? {} : { next: String(parsed.next) }) });
    seen.push(...body.items);
    after = body.next;
  } while (after !== undefined);
  assert.deepEqual(seen.map((e) => (e as { recordId: string }).recordId).sort(), [w.listed.recordId, w.unlisted.recordId].sort(), 'both of raj\'s records, one a page');
});

test('bad paths and query strings are 400 with a declared code: a cursor that is no cursor QUERY_INVALID, a limit above the maximum QUERY_INVALID, an unknown key, a repeated key, a non-decimal, a malformed escape or an over-long parameter REQUEST_INVALID', async () => {
  const w = await world;
  const auth = { authorization: `Bearer ${w.members.raj.api.token}` };
  const cases: [keyof typeof ROUTES, string, string][] = [
    ['requests', '/v1/requests?after=abc', 'QUERY_INVALID'],
    ['requests', '/v1/requests?limit=101', 'QUERY_INVALID'],
    ['requests', '/v1/requests?limit=0', 'REQUEST_INVALID'],
    ['requests', '/v1/requests?limit=1e3', 'REQUEST_INVALID'],
    ['requests', '/v1/requests?limit=1&limit=2', 'REQUEST_INVALID'],
    ['requests', '/v1/requests?sort=desc', 'REQUEST_INVALID'],
    ['requests', '/v1/requests?status=everything', 'REQUEST_INVALID'],
    ['directory', '/v1/directory/raj?after=x', 'QUERY_INVALID'],
    ['directory', '/v1/directory/RAJ', 'REQUEST_INVALID'],
    ['ledgerBlock', '/v1/ledger/blocks/01', 'REQUEST_INVALID'],
    ['ledgerBlock', '/v1/ledger/blocks/99999999', 'RESOURCE_NOT_FOUND'],
    ['inclusionProof', '/v1/ledger/proofs/inclusion?seq=999999', 'QUERY_INVALID'],
    ['inclusionProof', '/v1/ledger/proofs/inclusion', 'REQUEST_INVALID'],
    ['consistencyProof', '/v1/ledger/proofs/consistency?from=0', 'QUERY_INVALID'],
    ['recordVersion', `/v1/records/${w.unlisted.recordId}/versions/0`, 'RESOURCE_NOT_FOUND'],
    ['wrappedKey', `/v1/records/${'0'.repeat(32)}/versions/1/key`, 'RESOURCE_NOT_FOUND'],
    ['user', '/v1/users/r..aj', 'REQUEST_INVALID'],
    ['user', '/v1/users/%E0%A4%A', 'REQUEST_INVALID'],
    ['ledgerTx', `/v1/ledger/tx/${'a'.repeat(200)}`, 'REQUEST_INVALID'],
    ['orgMembers', '/v1/orgs/city-hospital/members?after=Bad', 'QUERY_INVALID'],
    ['orgMembers', '/v1/orgs/city-hospital/members?after=a%2Fb', 'REQUEST_INVALID'],
  ];
  for (const [name, path, code] of cases) {
    const response = await fetch(`${w.n.url}${path}`, { headers: auth });
    const body = (await response.json()) as { code: string };
    assert.equal(body.code, code, path);
    assertDeclaredError(name, response.status, body);
  }
});

// Last in this file: it adds a block to the shared world.
test("a version answer is the facade's value in VersionView's field order, its fixed part one frozen value across answers; after a new block its proof and head are the new head's", async () => {
  const w = await world;
  const facade = w.n.node.dhl.setup.ledger().reads;
  const r = await reads('meera');
  const path = urlOf(ROUTES.recordVersion, { recordId: w.unlisted.recordId, version: '1' });
  const get = async () => {
    const answer = await fetch(`${w.n.url}${path}`, { headers: { authorization: `Bearer ${w.members.meera.api.token}` } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = JSON.parse(await answer.text()) as Record<string, unknown> & { treeSize: number; head: { header: { height: number; treeSize: number } } };
    assert.ok(Value.Check(ROUTES.recordVersion.response[200] as TSchema, body));
    assert.deepEqual(Object.keys(body), Object.keys(VersionView.properties), 'every field, in the schema\'s order');
    assert.deepEqual(body, { ...facade.version('meera', w.unlisted.recordId, 1), head: facade.signedHead() });
    const version = await r.version(w.unlisted.recordId, 1);
    const entry = { entry: { ...version.entry, time: 0, tx: (await r.transaction(version.txHash)).entry.tx }, treeSize: version.treeSize, proof: version.proof };
    assert.equal(verifyProvenEntry(sha256, entry, version.head).hash, w.unlisted.addTx, 'its proof is in the head it carries');
    return body;
  };
  const before = await get();
  assert.equal(facade.versionProof('meera', w.unlisted.recordId, 1).fixed, facade.versionProof('meera', w.unlisted.recordId, 1).fixed, 'one frozen value');
  assert.ok(Object.isFrozen(facade.versionProof('meera', w.unlisted.recordId, 1).fixed.entry));
  await w.submit('sara', 'SetListing', { recordId: 'f'.repeat(32), listed: true }, 'RECORD_NOT_FOUND'); // a block that changes no state
  const after = await get();
  assert.ok(after.head.header.height > before.head.header.height, 'the new head, not the remembered one');
  assert.equal(after.treeSize, after.head.header.treeSize);
  assert.deepEqual({ ...after, treeSize: 0, proof: [], head: null }, { ...before, treeSize: 0, proof: [], head: null }, 'the fixed part unchanged');
});

test("the admin's refused actions: every refused read of raj's unlisted record with its code, the actor's fingerprint and the record id, newest first; pages of two concatenate to the whole; the bytes hold no title, purpose, wrapped key or ciphertext", async () => {
  const w = await world;
  const r = await reads('admin');
  const whole = await r.refusals('refused-tx', { limit: 200 });
  assert.equal(whole.next, undefined);
  const paged: typeof whole.items = [];
  for await (const item of allPages((after) => r.refusals('refused-tx', { limit: 2, ...(after ? { after } : {}) }))) paged.push(item);
  assert.deepEqual(paged, whole.items);
  const refusedReads = whole.items.flatMap((i) => (i.kind === 'refused-tx' && i.type === 'RecordRead' ? [i] : []));
  assert.deepEqual(refusedReads.map((i) => [i.actor, i.outcome]).sort(), [['ivan', 'GRANT_VOID'], ['kofi', 'GRANT_EXPIRED'], ['lena', 'READ_NOT_PERMITTED'], ['omar', 'READ_NOT_PERMITTED'], ['sara', 'READ_NOT_PERMITTED']]);
  for (const i of refusedReads) {
    assert.equal(i.recordId, w.unlisted.recordId);
    assert.equal(i.version, 1);
    assert.equal(i.txHash, w.reads.refused[i.actor as keyof typeof w.reads.refused].txHash);
    assert.equal(i.actorFingerprint, fingerprint(i.actorKeyId));
  }
  assert.ok(whole.items.every((i, k) => k === 0 || (i.kind === 'refused-tx' && i.seq < (whole.items[k - 1] as { seq: number }).seq)), 'newest first');
  assert.ok(whole.items.every((i) => i.kind === 'refused-tx' && i.outcome !== 'OK'), 'only refusals');
  const bytes = await fetch(`${w.n.url}${urlOf(ROUTES.adminRefusals, {}, { kind: 'refused-tx', limit: 200 })}`, { headers: { authorization: `Bearer ${w.members.admin.api.token}` } }).then((a) => a.text());
  for (const marker of w.markers) assert.ok(!bytes.includes(marker.text), `the answer carries ${marker.what}`);
});

test("the admin's failed logins per account stay after the account's next successful login; admins of another organisation and everyone else are READ_DENIED (403); an unknown kind is REQUEST_INVALID", async () => {
  const w = await world;
  await assert.rejects(login(w.n.api(), { username: 'kofi', secret: { passphrase: 'not his passphrase' }, session: 'bearer', chain: w.chainId, now: w.clock.now(), allowWeakKdf: true }),
    (e: unknown) => isDhlError(e, 'LOGIN_FAILED'));
  await login(w.n.api(), { username: 'kofi', secret: { passphrase: w.members.kofi.passphrase }, session: 'bearer', chain: w.chainId, now: w.clock.now(), allowWeakKdf: true });
  const page = await (await reads('admin')).refusals('failed-login');
  const kofi = page.items.filter((i) => i.kind === 'failed-login' && i.username === 'kofi');
  assert.deepEqual(kofi.map((i) => i.kind === 'failed-login' && [i.slot, i.time]), [['passphrase', w.clock.now()]]);
  assert.deepEqual((await (await reads('admin')).refusals('rate-limit')).items, [], 'the world stays within its rate limit');
  for (const user of ['admin2', 'raj', 'omar', 'meera'] as const) {
    await assert.rejects((await reads(user)).refusals('failed-login'), (e: unknown) => isDhlError(e, 'READ_DENIED'), user);
  }
  const bad = await fetch(`${w.n.url}/v1/admin/refusals?kind=everything`, { headers: { authorization: `Bearer ${w.members.admin.api.token}` } });
  assert.equal(bad.status, 400);
  assertDeclaredError('adminRefusals', 400, await bad.json());
});
