import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodePem, fromBase64url, fromHex, importSpki, isDhlError, toBase64url } from '../../src/crypto/index.ts';
import { blockHash, entryLeafHash, isAttestationSignatureValid, verifyInclusion } from '../../src/ledger/index.ts';
import { signTx } from '../../src/client/transactions.ts';
import { register } from '../../src/client/account.ts';
import type { Clock } from '../../src/ordering/index.ts';
import { completeSetup, fixturePairs, loginAs, startTestNode } from './helpers.ts';
import { fixtureKey } from '../fixtures/keys.ts';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** The ordering clock: real timers until paused; while paused, a batch waits until `resume()`. */
class PausableTimers implements Clock {
  private paused = false;
  private held: (() => void)[] = [];
  now = () => Date.now();
  setTimeout = (fn: () => void, ms: number): unknown => {
    if (!this.paused) return setTimeout(fn, ms);
    this.held.push(fn);
    return fn;
  };
  clearTimeout = (handle: unknown): void => {
    this.held = this.held.filter((f) => f !== handle);
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  };
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const fn of held) fn();
  }
}

async function rajSession(t: import('node:test').TestContext, node: Parameters<typeof startTestNode>[1] = {}) {
  const n = await startTestNode(t, node);
  const { chainId } = await completeSetup(n);
  await register(n.api(), { username: 'raj', passphrase: 'raj tx passphrase', keys: await fixturePairs('raj'), now: n.clock.now(), allowWeakKdf: true });
  const { api, loggedIn } = await loginAs(n, chainId, 'raj', 'raj tx passphrase');
  const signer = { username: 'raj', sigKeyId: loggedIn.keys.sig.keyId, sigPrivateKey: loggedIn.keys.sig.privateKey };
  const sign = (type: string, body: Parameters<typeof signTx>[4]) => signTx(sha256, chainId, signer, type, body, { now: Date.now() });
  return { n, chainId, api, sign };
}

test('POST /v1/tx answers once durable: outcome, block, an inclusion proof that verifies under the signed head, whose attestation is the node\'s', async (t) => {
  const { api, sign } = await rajSession(t);
  const tx = await sign('SetListing', { recordId: '0'.repeat(32), listed: true });
  const result = await api.call('submitTx', tx);
  // A ledgered rejection is a 200 with its outcome.
  assert.equal(result.outcome, 'RECORD_NOT_FOUND');
  assert.equal(result.duplicate, false);
  const head = result.signedHead;
  assert.equal(head.header.treeSize, result.treeSize);
  assert.equal(head.header.treeRoot, result.treeRoot);
  verifyInclusion(sha256, result.seq, result.treeSize, entryLeafHash(sha256, { tx: result.txHash, outcome: result.outcome }), result.proof.map((h) => fromHex(h)), fromHex(head.header.treeRoot));
  assert.equal(head.attestation.attestation.blockHash, blockHash(sha256, head.header));
  // The attestation verifies under this node's key (the TEST-ONLY node1 key the genesis names).
  const nodeKey = await importSpki('sig', decodePem('public', (await fixtureKey('node1', 'sig')).publicPem));
  assert.ok(await isAttestationSignatureValid(head.attestation, nodeKey));
  assert.equal(head.attestation.attestation.nodeId, 'node1');
  // The same bytes again: the recorded outcome, nothing added.
  const again = await api.call('submitTx', tx);
  assert.equal(again.duplicate, true);
  assert.equal(again.txHash, result.txHash);
  assert.equal((await api.call('session')).username, 'raj');
});

test('refusals at the door are 4xx with their code and add nothing: a bad signature, another actor\'s transaction', async (t) => {
  const { n, api, sign, chainId } = await rajSession(t);
  const before = (await n.api().call('status')).head;
  const tx = await sign('SetListing', { recordId: '1'.repeat(32), listed: false });
  const bytes = fromBase64url(tx.sig);
  bytes[10]! ^= 1;
  await assert.rejects(api.call('submitTx', { ...tx, sig: toBase64url(bytes) }), (e: unknown) => isDhlError(e, 'TX_SIGNATURE_INVALID') && e.details.status === 422);
  const admin = await fixturePairs('admin');
  const adaTx = await signTx(sha256, chainId, { username: 'ines', sigKeyId: (await fixtureKey('admin', 'sig')).keyId, sigPrivateKey: admin.sig.privateKey }, 'SetListing', { recordId: '2'.repeat(32), listed: true }, { now: Date.now() });
  await assert.rejects(api.call('submitTx', adaTx), (e: unknown) => isDhlError(e, 'TX_ACTOR_NOT_SESSION_USER') && e.details.status === 403);
  assert.deepEqual((await n.api().call('status')).head, before);
});

test('overload is 503 NODE_OVERLOADED with Retry-After, and the transaction in flight still commits', async (t) => {
  const timers = new PausableTimers();
  const { api, sign } = await rajSession(t, { app: { node: { maxInFlight: 1, clock: timers } } });
  timers.pause();
  const [a, b] = [await sign('SetListing', { recordId: '3'.repeat(32), listed: true }), await sign('SetListing', { recordId: '4'.repeat(32), listed: true })];
  const send = (tx: unknown) => fetch(`${new URL(api.origin)}v1/tx`, { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  const pending = [send(a), send(b)];
  // With one slot, exactly one of the two is refused; the other waits for its block, which waits for the clock.
  const first = await Promise.race(pending);
  assert.equal(first.status, 503);
  assert.equal(first.headers.get('retry-after'), '1');
  assert.equal(((await first.json()) as { code: string }).code, 'NODE_OVERLOADED');
  timers.resume();
  const statuses = (await Promise.all(pending)).map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 503]);
});

test('graceful close: a transaction in flight when the node is told to stop still gets its durable answer; new connections are refused', async (t) => {
  const timers = new PausableTimers();
  const { n, api, sign } = await rajSession(t, { app: { node: { clock: timers } } });
  timers.pause();
  const tx = await sign('SetListing', { recordId: '5'.repeat(32), listed: true });
  const answer = fetch(`${n.url}/v1/tx`, { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  // The request is in the node's queue once a batch timer is waiting for it.
  while ((timers as unknown as { held: unknown[] }).held.length === 0) await new Promise((r) => setImmediate(r));
  const closed = n.node.close();
  timers.resume();
  const response = await answer;
  assert.equal(response.status, 200);
  const body = (await response.json()) as { outcome: string; height: number };
  assert.equal(body.outcome, 'RECORD_NOT_FOUND');
  await closed;
  await assert.rejects(fetch(`${n.url}/v1/status`));
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(`${n.dataDir}/ledger.sqlite`, { readOnly: true });
  try {
    assert.equal((db.prepare('SELECT max(height) AS h FROM blocks').get() as { h: number }).h, body.height, 'its block is on disk');
  } finally {
    db.close();
  }
});
