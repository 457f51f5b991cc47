/**
 * The authorization matrix (issue 18): docs/security.md's policy table, route
 * × party → status, called cell by cell over real HTTP on loopback against
 * the world of world.ts (two organisations).
 *
 * - The table must name every operation of the served OpenAPI document and
 *   nothing else; each row's probe is defined here (a row without its probe,
 *   or a probe without its row, fails).
 * - Every answer's status is the table's; an error is one its route declares;
 *   a 2xx body matches its route's schema, and every route has at least one
 *   2xx answer, some checked further (an export verifies offline). Set-up
 *   closes for good with block 1, so the set-up and registration routes' 2xx
 *   answers are those of the world's own set-up, over the same HTTP.
 * - On the bytes of every answer: no marker reaches a party not allowed it
 *   (titles, purposes, wrapped keys, vaults to their users; ciphertext, the
 *   file name and the plaintext to nobody).
 *
 * The passphrase row runs last: a change revokes every session of the user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { importGeneration, newArgon2idParams, OpenedVault, passphraseSecrets, randomBytes, toBase64url, toHex } from '../../src/crypto/index.ts';
import { signLoginChallenge } from '../../src/ledger/index.ts';
import { newAccount, publicKeysOf } from '../../src/client/account.ts';
import { verifyExport } from '../../src/node/index.ts';
import { cipherRootOfLeafInputs, encodeEnvelopeHeader, sha256 as webSha256 } from '../../src/crypto/index.ts';
import { contentDigest } from '../../src/client/files.ts';
import { FILE_ROUTES, ROUTES, errorResponses, openApiPath, type FileRouteName, type FileRouteSpec, type RouteName, type RouteSpec } from '../../src/protocol/index.ts';
import { assertDeclaredError, TEST_KDF } from './helpers.ts';
import { buildWorld, fileScope, PARTIES, PLAYED_BY, type Party, type User, type World } from './world.ts';

interface Answer {
  status: number;
  text: string;
}

interface Cell {
  method: string;
  path: string;
  body?: unknown;
}

/** What a probe sends for a party: a request, or a whole flow whose last answer counts. */
type Probe = (w: World, party: Party, user: User | undefined) => Promise<Cell | Answer>;

const get = (path: string): Probe => async () => ({ method: 'GET', path });

/** Logs `user` in up to the login challenge: what login/start answers. */
async function loginStart(w: World, user: User) {
  const api = w.n.api();
  const { kdf } = await api.call('prelogin', { username: user });
  const secrets = await passphraseSecrets(w.members[user].passphrase, kdf, { allowWeakKdf: true });
  const body = { username: user, slot: 'passphrase' as const, authKey: secrets.authKey, origin: api.origin };
  return { api, secrets, body };
}

async function signedChallenge(w: World, user: User) {
  const { api, secrets, body } = await loginStart(w, user);
  const { vault, challenge } = await api.call('loginStart', body);
  const keys = await importGeneration((await OpenedVault.open(vault, secrets)).current);
  return { nonce: challenge.nonce, sig: await signLoginChallenge(challenge, keys.sig.privateKey), session: 'bearer' as const };
}

/**
 * Raj's uploads for the file rows, made once through the file routes: one
 * holding its header chunk only, one complete (a header and one sealed-size
 * chunk: the node checks each chunk's digest and size, and the whole against
 * cipherRoot, never the seal).
 */
const rajUploads = new WeakMap<World, Promise<{ receiving: string; header: Uint8Array; complete: string; root: string }>>();
function uploadsOf(w: World) {
  let made = rajUploads.get(w);
  if (!made) {
    made = (async () => {
      const auth = { authorization: `Bearer ${w.members.raj.api.token}` };
      const create = async (declaredSize: number) => {
        const r = await fetch(`${w.n.url}/v1/files/uploads`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ declaredSize }) });
        return ((await r.json()) as { uploadId: string }).uploadId;
      };
      const put = async (uploadId: string, index: number, bytes: Uint8Array) => {
        const r = await fetch(`${w.n.url}/v1/files/uploads/${uploadId}/chunks/${index}`, {
          method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { ...auth, 'content-type': 'application/octet-stream', 'content-digest': contentDigest(await webSha256(bytes)) },
        });
        assert.equal(r.status, 200, await r.text());
      };
      const headerOf = () => encodeEnvelopeHeader({ alg: 'A256GCM-STREAM', chunkSize: 1024, chain: w.chainId, recordId: toHex(randomBytes(16)), version: 1 });
      const header = headerOf();
      const receiving = await create(4096);
      await put(receiving, 0, header);
      const header2 = headerOf();
      const sealed = randomBytes(200);
      const complete = await create(4096);
      await put(complete, 0, header2);
      await put(complete, 1, sealed);
      const root = await cipherRootOfLeafInputs([await webSha256(header2), await webSha256(sealed)]);
      const done = await fetch(`${w.n.url}/v1/files/uploads/${complete}/complete`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ cipherRoot: root, chunkCount: 2 }) });
      assert.equal(done.status, 200);
      return { receiving, header, complete, root };
    })();
    rajUploads.set(w, made);
  }
  return made;
}

/** The probe of each row of the table, by `METHOD path | probe`. */
const PROBES: Record<string, Probe> = {
  'GET /v1/status | the node': get('/v1/status'),
  'POST /v1/setup/join | an admin joining after set-up': async (w) => {
    const keys = await publicKeysOf(w.members.raj.keys);
    return { method: 'POST', path: '/v1/setup/join', body: { token: 'A'.repeat(43), username: 'zed', sigSpki: keys.sigSpki, encSpki: keys.encSpki } };
  },
  'POST /v1/setup/register | an admin registering after set-up': async (w) => {
    const account = await newAccount({ chain: w.chainId, username: 'zed', passphrase: 'zed passphrase', kdf: TEST_KDF, now: w.clock.now(), keys: w.members.raj.keys, allowWeakKdf: true });
    return { method: 'POST', path: '/v1/setup/register', body: { token: 'A'.repeat(43), ...account.request } };
  },
  'POST /v1/register | a name already taken': async (w) => {
    const account = await newAccount({ chain: w.chainId, username: 'sara', passphrase: 'another passphrase', kdf: TEST_KDF, now: w.clock.now(), keys: w.members.sara.keys, allowWeakKdf: true });
    return { method: 'POST', path: '/v1/register', body: account.request };
  },
  'POST /v1/login/prelogin | their own name': async (_w, _p, user) => ({ method: 'POST', path: '/v1/login/prelogin', body: { username: user ?? 'nobody' } }),
  'POST /v1/login/start | their own name and passphrase': async (w, _p, user) => ({
    method: 'POST', path: '/v1/login/start',
    body: user ? (await loginStart(w, user)).body : { username: 'nobody', slot: 'passphrase', authKey: toHex(randomBytes(32)), origin: w.n.api().origin },
  }),
  'POST /v1/login/finish | their own signed login challenge': async (w, _p, user) => ({
    method: 'POST', path: '/v1/login/finish',
    body: user ? await signedChallenge(w, user) : { nonce: toHex(randomBytes(16)), sig: toBase64url(randomBytes(384)), session: 'bearer' },
  }),
  'GET /v1/session | their session': get('/v1/session'),
  'POST /v1/logout | a fresh session of theirs': async (w, _p, user) => {
    if (!user) return { method: 'POST', path: '/v1/logout', body: {} };
    const fresh = await w.n.api().call('loginFinish', await signedChallenge(w, user));
    const response = await fetch(`${w.n.url}/v1/logout`, { method: 'POST', headers: { authorization: `Bearer ${fresh.token}` } });
    return { status: response.status, text: await response.text() };
  },
  'POST /v1/account/passphrase | their current passphrase': async (w, _p, user) => {
    if (!user) return { method: 'POST', path: '/v1/account/passphrase', body: {} };
    const { loggedIn } = w.members[user];
    const kdf = newArgon2idParams({ memoryKiB: TEST_KDF.memoryKiB, iterations: TEST_KDF.iterations, parallelism: TEST_KDF.parallelism });
    const secrets = await passphraseSecrets(`${user} new passphrase`, kdf, { allowWeakKdf: true });
    return { method: 'POST', path: '/v1/account/passphrase', body: { current: loggedIn.proof, vault: await loggedIn.vault.withSlot({ secrets, kdf }), authKey: secrets.authKey } };
  },
  'POST /v1/tx | their own transaction, already in the log': async (w, _p, user) => ({ method: 'POST', path: '/v1/tx', body: w.members[user ?? 'raj'].logged }),

  'GET /v1/ledger/head | the head': get('/v1/ledger/head'),
  'GET /v1/ledger/blocks | the newest blocks': get('/v1/ledger/blocks?limit=5'),
  "GET /v1/ledger/blocks/{height} | the block of meera's grant": async (w) => ({ method: 'GET', path: `/v1/ledger/blocks/${w.grants.meera.height}` }),
  "GET /v1/ledger/tx/{txHash} | lena's grant": async (w) => ({ method: 'GET', path: `/v1/ledger/tx/${w.grants.lena.txHash}` }),
  'GET /v1/ledger/proofs/inclusion | entry 0': get('/v1/ledger/proofs/inclusion?seq=0'),
  'GET /v1/ledger/proofs/consistency | from tree size 1': get('/v1/ledger/proofs/consistency?from=1'),
  'GET /v1/ledger/export | the whole chain': get('/v1/ledger/export'),
  'GET /v1/users/{username} | meera': get('/v1/users/meera'),
  'GET /v1/users/{username} | a name nobody holds': get('/v1/users/nobody'),
  'GET /v1/orgs/{org}/members | city-hospital': get('/v1/orgs/city-hospital/members'),
  'GET /v1/orgs/{org}/members | an organisation not in the genesis': get('/v1/orgs/no-such-clinic/members'),
  'GET /v1/directory/{patient} | raj': get('/v1/directory/raj'),
  "GET /v1/records/{recordId} | raj's listed record": async (w) => ({ method: 'GET', path: `/v1/records/${w.listed.recordId}` }),
  "GET /v1/records/{recordId} | raj's unlisted record": async (w) => ({ method: 'GET', path: `/v1/records/${w.unlisted.recordId}` }),
  "GET /v1/records/{recordId}/versions/{version} | the unlisted record's version 1": async (w) => ({ method: 'GET', path: `/v1/records/${w.unlisted.recordId}/versions/1` }),
  "GET /v1/records/{recordId}/versions/{version}/key | the unlisted record's version 1": async (w) => ({ method: 'GET', path: `/v1/records/${w.unlisted.recordId}/versions/1/key` }),
  'GET /v1/requests | their requests': get('/v1/requests'),
  'GET /v1/grants | their grants': get('/v1/grants'),
  "GET /v1/audit/records/{recordId} | raj's unlisted record": async (w) => ({ method: 'GET', path: `/v1/audit/records/${w.unlisted.recordId}` }),
  'GET /v1/audit/users/{username} | raj': get('/v1/audit/users/raj'),
  'GET /v1/audit/users/{username} | meera': get('/v1/audit/users/meera'),
  'GET /v1/notifications | theirs': get('/v1/notifications'),
  'GET /v1/admin/refusals | the refused transactions': get('/v1/admin/refusals?kind=refused-tx'),

  'POST /v1/files/uploads | 4 KiB of their own': async () => ({ method: 'POST', path: '/v1/files/uploads', body: { declaredSize: 4096 } }),
  "GET /v1/files/uploads/{uploadId} | raj's upload": async (w) => ({ method: 'GET', path: `/v1/files/uploads/${(await uploadsOf(w)).receiving}` }),
  "PUT /v1/files/uploads/{uploadId}/chunks/{index} | raj's header chunk again": async (w, _p, user) => {
    const { receiving, header } = await uploadsOf(w);
    const token = user ? w.members[user].api.token : undefined;
    const response = await fetch(`${w.n.url}/v1/files/uploads/${receiving}/chunks/0`, {
      method: 'PUT', body: header as Uint8Array<ArrayBuffer>,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/octet-stream', 'content-digest': contentDigest(await webSha256(header)) },
    });
    return { status: response.status, text: await response.text() };
  },
  "POST /v1/files/uploads/{uploadId}/complete | raj's complete upload, again": async (w) => {
    const { complete, root } = await uploadsOf(w);
    return { method: 'POST', path: `/v1/files/uploads/${complete}/complete`, body: { cipherRoot: root, chunkCount: 2 } };
  },
  'DELETE /v1/files/uploads/{uploadId} | a fresh upload of theirs': async (w, _p, user) => {
    if (!user) return { method: 'DELETE', path: `/v1/files/uploads/${toHex(randomBytes(16))}` };
    const auth = { authorization: `Bearer ${w.members[user].api.token}` };
    const made = await fetch(`${w.n.url}/v1/files/uploads`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"declaredSize":100}' });
    const response = await fetch(`${w.n.url}/v1/files/uploads/${((await made.json()) as { uploadId: string }).uploadId}`, { method: 'DELETE', headers: auth });
    return { status: response.status, text: await response.text() };
  },
  'GET /v1/files/usage | theirs': get('/v1/files/usage'),
  "GET /v1/files/records/{recordId}/versions/{version} | the unlisted record's version 1": async (w) => ({ method: 'GET', path: `/v1/files/records/${w.unlisted.recordId}/versions/1` }),
};

/** Further checks of some 2xx answers, by probe. */
const CONTENT: Record<string, (w: World, user: User, answer: Answer) => Promise<void> | void> = {
  'GET /v1/ledger/export | the whole chain': async (w, _user, a) => {
    const report = await verifyExport(a.text.split('\n').filter(Boolean), w.chainId);
    assert.ok(report.entries > 0);
  },
  "GET /v1/records/{recordId} | raj's unlisted record": (w, _user, a) => assert.equal((JSON.parse(a.text) as { recordId: string }).recordId, w.unlisted.recordId),
  "GET /v1/records/{recordId}/versions/{version}/key | the unlisted record's version 1": (w, user, a) =>
    assert.equal((JSON.parse(a.text) as { keyId: string }).keyId, w.members[user].loggedIn.keys.enc.keyId, 'only ever the reader\'s own wrap'),
  'GET /v1/directory/{patient} | raj': (w, user, a) => {
    const ids = (JSON.parse(a.text) as { items: { recordId: string }[] }).items.map((e) => e.recordId).sort();
    assert.deepEqual(ids, (user === 'raj' ? [w.listed.recordId, w.unlisted.recordId] : [w.listed.recordId]).sort(), user);
  },
  'GET /v1/orgs/{org}/members | city-hospital': (_w, _user, a) =>
    assert.deepEqual((JSON.parse(a.text) as { items: { username: string }[] }).items.map((m) => m.username), ['admin', 'ivan', 'kofi', 'lena', 'meera', 'omar']),
  'GET /v1/admin/refusals | the refused transactions': (w, _user, a) => {
    const items = (JSON.parse(a.text) as { items: { txHash: string; recordId?: string }[] }).items;
    for (const refused of Object.values(w.reads.refused)) assert.equal(items.find((i) => i.txHash === refused.txHash)?.recordId, w.unlisted.recordId);
  },
  'GET /v1/session | their session': (_w, user, a) => assert.equal((JSON.parse(a.text) as { username: string }).username, user),
};

interface Row {
  key: string;
  method: string;
  path: string;
  expected: number[];
}

/** The policy table of docs/security.md, between its markers. */
function policyTable(): { header: string[]; rows: Row[] } {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const block = /<!-- matrix:start -->\n([\s\S]*?)<!-- matrix:end -->/.exec(doc);
  assert.ok(block, 'docs/security.md has no <!-- matrix:start --> … <!-- matrix:end --> table');
  const lines = block[1]!.split('\n').filter((l) => l.startsWith('|'));
  const cells = (line: string) => line.slice(1, -1).split('|').map((c) => c.trim());
  const header = cells(lines[0]!).slice(2);
  const rows = lines.slice(2).map((line) => {
    const [route, probe, ...statuses] = cells(line);
    const m = /^`(GET|POST|PUT|DELETE) (\S+)`$/.exec(route!);
    assert.ok(m, `not a route: ${route}`);
    return { key: `${m[1]} ${m[2]} | ${probe}`, method: m[1]!, path: m[2]!, expected: statuses.map(Number) };
  });
  return { header, rows };
}

const routeOf = (method: string, path: string): RouteName =>
  (Object.keys(ROUTES) as RouteName[]).find((n) => ROUTES[n].method === method && openApiPath(ROUTES[n].url) === path)!;
/** The file routes (protocol/files.ts) are their own table. */
const fileRouteOf = (method: string, path: string): FileRouteName | undefined =>
  (Object.keys(FILE_ROUTES) as FileRouteName[]).find((n) => FILE_ROUTES[n].method === method && openApiPath(FILE_ROUTES[n].url) === path);

const world = buildWorld(fileScope());

test('docs/security.md: every route × party cell is the status the policy says, over HTTP; errors are declared, 2xx bodies match their schemas (one per route at least), and no answer carries a marker to a party not allowed it', async () => {
  const w = await world;
  const { header, rows } = policyTable();
  assert.deepEqual(header, [...PARTIES], 'the columns are the parties, in order');
  const doc = (await (await fetch(`${w.n.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const served = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  assert.deepEqual([...new Set(rows.map((r) => `${r.method} ${r.path}`))].sort(), served, 'the table names exactly the served routes');
  assert.deepEqual(rows.map((r) => r.key).sort(), Object.keys(PROBES).sort(), 'every row has its probe and every probe its row');

  const ordered = [...rows.filter((r) => r.path !== '/v1/account/passphrase'), ...rows.filter((r) => r.path === '/v1/account/passphrase')];
  const wrong: string[] = [];
  const observed = new Map<string, number[]>();
  const succeeded = new Set<RouteName>();
  let calls = 0;
  const fileSucceeded = new Set<FileRouteName>();
  for (const row of ordered) {
    const fileName = fileRouteOf(row.method, row.path);
    const fileSpec: FileRouteSpec | undefined = fileName && FILE_ROUTES[fileName];
    const name = routeOf(row.method, row.path);
    const spec: RouteSpec | undefined = fileSpec ? undefined : ROUTES[name];
    assert.equal(row.expected.length, PARTIES.length, `${row.key}: one status per party`);
    const got: number[] = [];
    for (const [i, party] of PARTIES.entries()) {
      const user = PLAYED_BY[party];
      const sent = await PROBES[row.key]!(w, party, user);
      let answer: Answer;
      if ('status' in sent) answer = sent;
      else {
        const token = user ? w.members[user].api.token : undefined;
        const response = await fetch(`${w.n.url}${sent.path}`, {
          method: sent.method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(sent.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(sent.body !== undefined ? { body: JSON.stringify(sent.body) } : {}),
        });
        answer = { status: response.status, text: await response.text() };
      }
      calls++;
      got.push(answer.status);
      const where = `${row.key} × ${party}`;
      if (answer.status !== row.expected[i]) wrong.push(`${where}: ${answer.status}, the policy says ${row.expected[i]} (${answer.text.slice(0, 120)})`);
      for (const marker of w.markers) {
        if (answer.text.includes(marker.text) && !(user && marker.allowed.has(user))) wrong.push(`${where}: the answer carries ${marker.what}`);
      }
      if (fileSpec) {
        const schema = answer.status >= 400 ? (errorResponses(fileSpec.errors) as Record<number, TSchema>)[answer.status] : fileSpec.response[answer.status];
        assert.ok(schema, `${where}: ${answer.status} is not a status the route declares`);
        if (schema !== 'binary') assert.ok(Value.Check(schema, JSON.parse(answer.text)), `${where}: a ${answer.status} body outside its schema: ${answer.text.slice(0, 200)}`);
        if (answer.status < 300) fileSucceeded.add(fileName!);
      } else if (answer.status >= 400) {
        assertDeclaredError(name, answer.status, JSON.parse(answer.text));
      } else if (answer.status < 300) {
        succeeded.add(name);
        if (!spec!.produces) {
          const schema = spec!.response[answer.status] as TSchema | undefined;
          assert.ok(schema && Value.Check(schema, JSON.parse(answer.text)), `${where}: a ${answer.status} body outside its schema: ${answer.text.slice(0, 200)}`);
        }
        await CONTENT[row.key]?.(w, user!, answer);
      }
    }
    observed.set(row.key, got);
  }
  // Set-up closes for good with block 1: its routes' 2xx answers are the world's own set-up and registrations, over the same HTTP.
  for (const a of w.setupAnswers) {
    const schema = (ROUTES[a.route] as RouteSpec).response[a.status] as TSchema | undefined;
    assert.ok(schema && Value.Check(schema, a.body), `${a.route}: a ${a.status} body outside its schema`);
    succeeded.add(a.route);
  }
  assert.deepEqual([...new Set(w.setupAnswers.map((a) => `${a.route} ${a.status}`))].sort(), ['register 200', 'setupJoin 200', 'setupRegister 200', 'setupRegister 202']);
  const asTable = () => ordered.map((r) => `| \`${r.method} ${r.path}\` | ${r.key.split(' | ')[1]} | ${observed.get(r.key)!.join(' | ')} |`).join('\n');
  assert.deepEqual(wrong, [], `cells that differ from docs/security.md; the answers were:\n${asTable()}`);
  assert.deepEqual((Object.keys(ROUTES) as RouteName[]).filter((n) => !succeeded.has(n)), [], 'routes without one 2xx answer');
  assert.deepEqual((Object.keys(FILE_ROUTES) as FileRouteName[]).filter((n) => !fileSucceeded.has(n)), [], 'file routes without one 2xx answer');
  assert.equal(calls, rows.length * PARTIES.length);
});
