/**
 * Hostile input on every route (STYLE §11), generated with fast-check from a
 * well-formed example of each route's body: malformed JSON, wrong types at
 * every path, path-traversal strings, missing and extra fields, flipped
 * signature bits, oversized bodies, wrong media types, and traversal in URLs.
 * Every answer is a 4xx whose body is one the route declares; never a 5xx;
 * the ledger's head and the accounts are the same afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { fromBase64url, toBase64url } from '../../src/crypto/index.ts';
import { newAccount, publicKeysOf, register } from '../../src/client/account.ts';
import { signTx } from '../../src/client/transactions.ts';
import { ROUTES, type RouteName, type RouteSpec } from '../../src/protocol/index.ts';
import { assertDeclaredError, completeSetup, fixturePairs, loginAs, startTestNode, TEST_KDF } from './helpers.ts';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const TRAVERSAL = ['../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f', '/etc/shadow', '..%00/', '....//....//', '\u0000', 'C:\\boot.ini', '~/.ssh/id_rsa'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in a JSON value (objects and arrays included). */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

function setAt(value: Json, path: (string | number)[], next: Json | undefined): Json {
  if (path.length === 0) return next ?? null;
  const copy = structuredClone(value) as Record<string | number, Json>;
  let cursor = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (next === undefined) {
    if (Array.isArray(cursor)) cursor.splice(last as number, 1);
    else delete cursor[last];
  } else cursor[last] = next;
  return copy as Json;
}

const getAt = (value: Json, path: (string | number)[]): Json => path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, value);

/** Bad variants of a well-formed body, one generator per kind of badness, as the raw text to send. */
function badBodies(base: Json): fc.Arbitrary<{ what: string; text: string }>[] {
  const all = paths(base);
  const wrongValue = fc.oneof(
    fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
    fc.constantFrom(...TRAVERSAL), fc.string({ maxLength: 40 }), fc.array(fc.integer(), { maxLength: 3 }), fc.constant(-0),
  );
  const mutations: fc.Arbitrary<{ what: string; body: Json }>[] = [
    fc.tuple(fc.constantFrom(...all), wrongValue).map(([p, v]) => ({ what: `${p.join('.')} := ${JSON.stringify(v)}`, body: setAt(base, p, v as Json) })),
    fc.tuple(fc.constantFrom(...all), fc.constantFrom(...TRAVERSAL)).map(([p, v]) => ({ what: `${p.join('.')} := traversal`, body: setAt(base, p, v) })),
    fc.constantFrom(...all).map((p) => ({ what: `drop ${p.join('.')}`, body: setAt(base, p, undefined) })),
    fc.tuple(fc.constantFrom([] as (string | number)[], ...all.filter((p) => { const v = getAt(base, p); return !!v && typeof v === 'object' && !Array.isArray(v); })), fc.constantFrom('__proto__', 'constructor', 'extra', 'isAdmin'))
      .map(([p, k]) => ({ what: `add ${[...p, k].join('.')}`, body: setAt(base, [...p, k], { polluted: true }) })),
  ];
  const sigPaths = all.filter((p) => p[p.length - 1] === 'sig' && typeof getAt(base, p) === 'string');
  if (sigPaths.length > 0) {
    mutations.push(fc.tuple(fc.constantFrom(...sigPaths), fc.nat(200), fc.integer({ min: 0, max: 7 })).map(([p, i, bit]) => {
      const raw = fromBase64url(getAt(base, p) as string);
      raw[i % raw.length]! ^= 1 << bit;
      return { what: `flip a bit of ${p.join('.')}`, body: setAt(base, p, toBase64url(raw)) };
    }));
  }
  const baseText = JSON.stringify(base);
  return [
    ...mutations.map((m) => m.map(({ what, body }) => ({ what, text: JSON.stringify(body) }))),
    fc.nat(Math.max(0, baseText.length - 1)).map((cut) => ({ what: `truncated at ${cut}`, text: baseText.slice(0, cut) })),
    fc.string({ maxLength: 30 }).map((s) => ({ what: 'not JSON', text: `{${s}` })),
    fc.constantFrom('', 'null', '[]', '"x"', '1', 'true', '{"__proto__":{"x":1}}', '{"a":1,"a":2', 'NaN', '{\'a\':1}').map((text) => ({ what: `literal ${text}`, text })),
  ].map((arb) => arb.filter(({ text }) => text !== baseText));
}

test('bad input on every route is a 4xx with a declared code, never a 5xx, and changes neither the ledger nor the accounts', async (t) => {
  const n = await startTestNode(t);
  const { chainId } = await completeSetup(n);
  const raj = await fixturePairs('raj');
  await register(n.api(), { username: 'raj', passphrase: 'raj bad input passphrase', keys: raj, now: n.clock.now(), allowWeakKdf: true });
  const { api, loggedIn } = await loginAs(n, chainId, 'raj', 'raj bad input passphrase');
  const signer = { username: 'raj', sigKeyId: loggedIn.keys.sig.keyId, sigPrivateKey: loggedIn.keys.sig.privateKey };
  // Already in the log: re-sending it unchanged would be a duplicate and add nothing.
  const tx = await signTx(sha256, chainId, signer, 'SetListing', { recordId: 'a'.repeat(32), listed: true }, { now: Date.now() });
  await api.call('submitTx', tx);
  const again = await newAccount({ chain: chainId, username: 'raj', passphrase: 'other', kdf: TEST_KDF, now: n.clock.now(), keys: raj, allowWeakKdf: true });
  const pub = await publicKeysOf(raj);

  const examples: Partial<Record<RouteName, Json>> = {
    setupJoin: { token: 'A'.repeat(43), username: 'raj', sigSpki: pub.sigSpki, encSpki: pub.encSpki },
    setupRegister: { token: 'A'.repeat(43), ...(again.request as unknown as Record<string, Json>) },
    register: again.request as unknown as Json,
    prelogin: { username: 'raj' },
    loginStart: { username: 'raj', slot: 'passphrase', authKey: 'ab'.repeat(32), origin: api.origin },
    loginFinish: { nonce: '0'.repeat(32), sig: toBase64url(new Uint8Array(384).fill(7)), session: 'bearer' },
    changePassphrase: { current: { slot: 'passphrase', authKey: 'ab'.repeat(32) }, vault: again.request.vault as unknown as Json, authKey: 'cd'.repeat(32) },
    submitTx: tx as unknown as Json,
  };

  const accounts = () => {
    const db = new DatabaseSync(join(n.dataDir, 'accounts.sqlite'), { readOnly: true });
    try {
      return JSON.stringify([
        db.prepare('SELECT username, vault, kdf, passphrase_verifier, recovery_verifier, register_tx FROM accounts ORDER BY username').all(),
        db.prepare('SELECT * FROM sessions ORDER BY token_hash').all(),
        db.prepare('SELECT * FROM pending_registrations').all(),
      ], (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    } finally {
      db.close();
    }
  };
  const digest = async () => JSON.stringify({ head: (await n.api().call('status')).head, accounts: accounts() });
  const before = await digest();
  const auth = { authorization: `Bearer ${api.token}` };
  const send = async (name: RouteName, text: string, contentType = 'application/json') => {
    const r = ROUTES[name];
    const response = await fetch(`${n.url}${r.url}`, { method: r.method, headers: { ...auth, 'content-type': contentType }, body: text });
    const raw = await response.text();
    return { status: response.status, body: raw ? (JSON.parse(raw) as unknown) : undefined };
  };
  let checked = 0;
  const seen = new Set<string>();

  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const r = ROUTES[name];
    if (r.method !== 'POST') continue;
    const base = examples[name];
    // logout takes no body: any JSON would log out; only the malformed and the oversized are bad input for it.
    const kinds = base === undefined ? [fc.constantFrom('{', '[1,', '{"a":', 'nul').map((text) => ({ what: 'malformed', text }))] : badBodies(base);
    for (const inputs of kinds) {
      await fc.assert(
        fc.asyncProperty(inputs, async ({ what, text }) => {
          const answer = await send(name, text);
          assert.ok(answer.status >= 400 && answer.status < 500, `${name}: ${what} → ${answer.status} ${JSON.stringify(answer.body)}`);
          assertDeclaredError(name, answer.status, answer.body);
          seen.add(`${name}:${(answer.body as { code: string }).code}`);
          checked++;
        }),
        { numRuns: 6 },
      );
    }
    if (base !== undefined && name !== 'prelogin' && name !== 'submitTx') {
      // The well-formed example itself is refused too (a taken name, a wrong auth key, an unknown challenge, set-up done).
      const answer = await send(name, JSON.stringify(base));
      assertDeclaredError(name, answer.status, answer.body);
      seen.add(`${name}:${(answer.body as { code: string }).code}`);
    }
    const oversized = await send(name, JSON.stringify({ pad: 'x'.repeat(r.bodyLimit) }));
    assert.equal(oversized.status, 413, `${name}: oversized`);
    assertDeclaredError(name, 413, oversized.body);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const wrongType = await send(name, base === undefined ? 'x=1' : JSON.stringify(base), type);
      assert.equal(wrongType.status, 415, `${name}: ${type}`);
      assertDeclaredError(name, 415, wrongType.body);
    }
  }
  assert.ok(checked > 250, `only ${checked} bad inputs were sent`);
  // The inputs reached past the schemas into every layer: admission, signatures, login, set-up.
  for (const expected of ['submitTx:REQUEST_INVALID', 'submitTx:REQUEST_NOT_JSON', 'submitTx:TX_SIGNATURE_INVALID', 'submitTx:TX_BODY_HASH_MISMATCH',
    'register:USERNAME_TAKEN', 'loginStart:LOGIN_FAILED', 'loginFinish:LOGIN_CHALLENGE_FAILED', 'setupJoin:SETUP_COMPLETE', 'setupRegister:SETUP_COMPLETE',
    'changePassphrase:AUTH_KEY_INVALID']) {
    assert.ok(seen.has(expected), `no bad input reached ${expected}; seen: ${[...seen].sort().join(' ')}`);
  }

  // Traversal in URLs: never a file, never a 5xx.
  for (const path of ['/v1/../v1/status', '/v1/%2e%2e/%2e%2e/etc/passwd', '/v1/docs/static/../../../package.json', '/v1/docs/static/..%2f..%2f..%2fpackage.json',
    '/v1/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json', '/v1/status%00', '/v1/docs/..%5c..%5cpackage.json', '/v1/tx/..;/status', '/%2e%2e/ledger.sqlite', '/v1/docs/static/%c0%ae%c0%ae/x']) {
    const response = await fetch(`${n.url}${path}`, { headers: auth });
    const text = await response.text();
    assert.ok(response.status < 500, `${path} → ${response.status}`);
    assert.doesNotMatch(text, /dynamic-health-ledger|SQLite format|root:/, `${path} served a file`);
  }
  assert.equal(await digest(), before, 'the ledger head or the accounts changed');
  assert.equal((await api.call('session')).username, 'raj', 'the session survived every bad request');
});

test('hostile path parameters and query strings on every read route are answered with a declared status, never a 5xx: traversal, huge, encoded, repeated and unknown keys', async (t) => {
  const n = await startTestNode(t);
  const { chainId } = await completeSetup(n);
  await register(n.api(), { username: 'raj', passphrase: 'raj bad query passphrase', keys: await fixturePairs('raj'), now: n.clock.now(), allowWeakKdf: true });
  const { api } = await loginAs(n, chainId, 'raj', 'raj bad query passphrase');
  const hostile = fc.oneof(
    fc.constantFrom(...TRAVERSAL, '', ' ', '0', '-1', '1e3', '9'.repeat(40), 'a'.repeat(5000), '%00', '%2F', '%2e%2e', '\u202e', 'NaN', 'null', '[]', '{}', 'f'.repeat(64), '0'.repeat(32)),
    fc.string({ maxLength: 40 }),
  );
  let sent = 0;
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const r: RouteSpec = ROUTES[name];
    const keys = (schema: unknown) => Object.keys((schema as { properties?: object } | undefined)?.properties ?? {});
    if (r.method !== 'GET' || (!r.params && !r.query)) continue;
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 8, maxLength: 8 }), fc.boolean(), async (values, extraKey) => {
        let i = 0;
        // A segment of "." or ".." never reaches the route: every URL parser removes dot-segments
        // (and their %2E spellings) before the request leaves (WHATWG URL), so the node answers another path.
        const segment = (v: string) => encodeURIComponent(v === '.' || v === '..' ? `${v}x` : v);
        const path = r.url.replace(/:([A-Za-z]+)/g, () => segment(values[i++ % values.length]!));
        const query = keys(r.query).map((k) => `${k}=${encodeURIComponent(values[i++ % values.length]!)}`);
        if (extraKey) query.push(`${keys(r.query)[0] ?? 'x'}=1`, 'isAdmin=true');
        const response = await fetch(`${n.url}${path}${query.length ? `?${query.join('&')}` : ''}`, { headers: { authorization: `Bearer ${api.token}` } });
        const text = await response.text();
        sent++;
        assert.ok(response.status < 500, `${name} ${path}: ${response.status} ${text.slice(0, 200)}`);
        if (response.status >= 400) assertDeclaredError(name, response.status, JSON.parse(text));
      }),
      { numRuns: 25 },
    );
  }
  assert.ok(sent > 300, `only ${sent} requests were sent`);
});
