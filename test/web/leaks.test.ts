/** The browser tests' leak check finds what it looks for: private keys in every encoding, markers, titles outside a manifest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodePem, exportSpki, toBase64url } from '../../src/crypto/index.ts';
import { fixtureKey, fixtureKeyPath } from '../fixtures/keys.ts';
import type { Captured } from './capture-proxy.ts';
import { assertNoLeaks } from './leaks.ts';

const req = (body: string | Buffer): Captured => ({ method: 'POST', url: '/v1/x', headers: {}, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });

test('the leak check refuses private keys (DER, base64, base64url, JWK), markers and titles outside a manifest, and passes public keys and manifests', async () => {
  const pkcs8 = decodePem('private', readFileSync(fixtureKeyPath('raj', 'sig', 'private'), 'utf8'));
  const spki = await exportSpki((await fixtureKey('raj', 'sig')).publicKey);
  const ok = [req(JSON.stringify({ sigSpki: toBase64url(spki), note: 'public halves only' }))];
  assertNoLeaks(ok, { never: ['secret passphrase'] });

  const leaks: [string, Captured][] = [
    ['DER', req(Buffer.concat([Buffer.from('chunk'), Buffer.from(pkcs8)]))],
    ['base64', req(JSON.stringify({ k: Buffer.from(pkcs8).toString('base64') }))],
    ['base64url', req(JSON.stringify({ k: toBase64url(pkcs8) }))],
    ['JWK', req(JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'secret' }))],
    ['marker', req('{"fileName":"fevers.txt"}')],
  ];
  for (const [what, c] of leaks) assert.throws(() => assertNoLeaks([c], { never: ['fevers.txt'] }), assert.AssertionError, what);

  const manifest = req(JSON.stringify({ header: {}, body: { manifest: { title: 'Fevers 2026' } }, sig: 'x' }));
  assertNoLeaks([manifest], { never: [], onlyInManifest: ['Fevers 2026'] });
  assert.throws(() => assertNoLeaks([req('{"purpose":"see Fevers 2026"}')], { never: [], onlyInManifest: ['Fevers 2026'] }), /outside the signed manifest/);
  assert.throws(() => assertNoLeaks([req('')], { never: [] }), /not vacuous/);
});
