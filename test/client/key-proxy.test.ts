import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { isDhlError } from '../../src/crypto/index.ts';
import { register } from '../../src/client/account.ts';
import type { Reads } from '../../src/client/reads.ts';
import { requestAccess } from '../../src/client/flows/access.ts';
import { approveRequest } from '../../src/client/flows/chart.ts';
import { uploadRecord } from '../../src/client/flows/records.ts';
import { utf8 } from '../../src/crypto/index.ts';
import { fixturePairs } from '../api/helpers.ts';
import { startWorld } from './world.ts';
import { endToEndHeaders } from '../helpers/proxy-headers.ts';

type UserView = Awaited<ReturnType<Reads['user']>>;
type Rewrite = (meera: UserView, omar: UserView) => UserView;

/** A proxy in front of the node that passes everything through, except that it rewrites the answer of meera's user lookup. */
async function proxy(t: import('node:test').TestContext, target: string, token: string, rewrite: { current?: Rewrite }) {
  const upstream = new URL(target);
  const fetchUser = async (name: string) => (await (await fetch(`${target}/v1/users/${name}`, { headers: { authorization: `Bearer ${token}` } })).json()) as UserView;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url === '/v1/users/meera' && rewrite.current) {
        const body = JSON.stringify(rewrite.current(await fetchUser('meera'), await fetchUser('omar')));
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return;
      }
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, endToEndHeaders(r.headers));
        r.pipe(res);
      });
      out.end(Buffer.concat(parts));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const encOf = (v: UserView) => v.keys.find((k) => k.use === 'enc' && k.current)!;

const ATTACKS: Record<string, Rewrite> = {
  "another key in place of meera's": (m, o) => {
    const k = encOf(m);
    const other = encOf(o);
    Object.assign(k, { spki: other.spki, keyId: other.keyId, fingerprint: other.fingerprint });
    return m;
  },
  'another key, and the registering body edited to match': (m, o) => {
    const k = encOf(m);
    const other = encOf(o);
    Object.assign(k, { spki: other.spki, keyId: other.keyId, fingerprint: other.fingerprint });
    Object.assign(k.registeredBy.entry.tx.body as Record<string, unknown>, { encSpki: other.spki, encKeyId: other.keyId });
    return m;
  },
  "omar's key with omar's own proven RegisterUser": (m, o) => {
    const i = m.keys.indexOf(encOf(m));
    m.keys[i] = { ...encOf(o), current: true };
    return m;
  },
  "omar's key, his RegisterUser, and the doctor role's key id edited": (m, o) => {
    const i = m.keys.indexOf(encOf(m));
    m.keys[i] = { ...encOf(o), current: true };
    for (const r of m.roles) r.encKeyId = encOf(o).keyId;
    return m;
  },
};

test("keys come from the ledger: a proxy that swaps another key in for meera's makes approve refuse (KEY_NOT_PROVEN) before anything is signed", async (t) => {
  const w = await startWorld(t);
  await register(w.n.api(), { username: 'omar', passphrase: 'omar passphrase here', keys: await fixturePairs('omar'), now: w.n.clock.now(), allowWeakKdf: true });
  w.n.markers.push('omar');
  const content = utf8.encode('fevers');
  const f = await uploadRecord(w.raj.ctx, { title: 'Fevers', mediaType: 'text/plain', fileName: 'f.txt', content: () => [content], contentSize: content.length });
  const rewrite: { current?: Rewrite } = {};
  const url = await proxy(t, w.n.url, w.raj.ctx.api.token!, rewrite);
  // Raj's client talks only to the proxy (his session, his kept heads, proofs through the proxy too).
  const { ctx: raj, reads } = w.sessionAt(w.raj, url);
  for (const [name, attack] of Object.entries(ATTACKS)) {
    rewrite.current = attack;
    const req = await requestAccess(w.meera.ctx, { patient: 'raj', records: [f.recordId], purpose: `attack: ${name}`, durationMs: 3_600_000 });
    await assert.rejects(
      approveRequest(raj, reads, { requestId: req.requestId, doctor: 'meera', records: [f.recordId], durationMs: 3_600_000 }),
      // Each fails a check of its own: the key against its transaction's body, the body against its hash, the transaction's owner.
      (err: unknown) => isDhlError(err, 'KEY_NOT_PROVEN') && err.details.reason === (name.includes('body edited') ? 'TX_BODY_HASH_MISMATCH' : 'USER_VIEW_INVALID'),
      name,
    );
    const grants = await reads.grants({ direction: 'issued' });
    assert.equal(grants.items.length, 0, `${name}: no grant was signed`);
    // Withdraw, so the next attack can ask again (one pending request per doctor and record).
    const { closeRequest } = await import('../../src/client/flows/access.ts');
    await closeRequest(w.meera.ctx, { requestId: req.requestId, patient: 'raj', doctor: 'meera' });
  }
  // Through the same proxy, passing meera's lookup through unchanged, the approval goes ahead.
  rewrite.current = undefined;
  const req = await requestAccess(w.meera.ctx, { patient: 'raj', records: [f.recordId], purpose: 'honest', durationMs: 3_600_000 });
  const granted = await approveRequest(raj, reads, { requestId: req.requestId, doctor: 'meera', records: [f.recordId], durationMs: 3_600_000 });
  assert.equal(granted.grantee.keyId, w.meera.ctx.me.enc.keyId);
});
