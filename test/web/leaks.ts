/**
 * What must never leave the browser (issue 21, DESIGN §2), checked on every
 * request body the capturing proxy saw: no plaintext marker (passphrases,
 * recovery keys, file contents and names), no title outside a manifest, and
 * no private-key material in any encoding a page could send it in.
 */
import assert from 'node:assert/strict';
import type { Captured } from './capture-proxy.ts';

/**
 * PKCS#8 of an RSA key: `02 01 00` (version 0), then the rsaEncryption
 * AlgorithmIdentifier, then the OCTET STRING holding the private key. SPKI
 * (public) has the same identifier followed by a BIT STRING (`03 82`), so this
 * matches private keys only.
 */
const PKCS8_RSA_DER = Buffer.from('020100300d06092a864886f70d010101050004', 'hex');
/** The same bytes as they appear in base64 / base64url (offset-independent core): "…AQEFAASC…" only in a PKCS#8 private key. */
const PKCS8_RSA_B64 = /AQEFAAS[C-F]/;
/** A private JWK (RSA): the private exponent and CRT members. */
const PRIVATE_JWK = /"(d|p|q|dp|dq|qi)"\s*:\s*"/;

export interface LeakRules {
  /** Strings that must appear in no body at all (passphrases, recovery keys, file contents, file names). */
  never: string[];
  /** Strings that may appear only inside a manifest (titles): every body holding one must be a transaction carrying a manifest. */
  onlyInManifest?: string[];
}

function bodyText(c: Captured): string {
  return c.body.toString('latin1');
}

export function assertNoLeaks(captured: readonly Captured[], rules: LeakRules): void {
  assert.ok(captured.some((c) => c.body.length > 0), 'the proxy saw request bodies: the check is not vacuous');
  for (const c of captured) {
    const where = `${c.method} ${c.url.split('?')[0]} (${c.body.length} bytes)`;
    const text = bodyText(c);
    const utf8 = c.body.toString('utf8');
    for (const marker of rules.never) {
      assert.ok(!utf8.includes(marker) && !text.includes(marker), `${where} carries a plaintext marker it must never send: ${JSON.stringify(marker.slice(0, 6))}…`);
    }
    assert.ok(c.body.indexOf(PKCS8_RSA_DER) < 0, `${where} carries a PKCS#8 private key (DER)`);
    assert.ok(!PKCS8_RSA_B64.test(text), `${where} carries a PKCS#8 private key (base64)`);
    assert.ok(!PRIVATE_JWK.test(utf8), `${where} carries a private JWK`);
    for (const title of rules.onlyInManifest ?? []) {
      if (!utf8.includes(title)) continue;
      let manifestTitles: unknown[] = [];
      try {
        const json = JSON.parse(utf8) as { body?: { manifest?: { title?: unknown } } };
        manifestTitles = [json.body?.manifest?.title];
      } catch {
        // not JSON: a title in it is outside any manifest
      }
      assert.ok(manifestTitles.includes(title), `${where} carries a title outside the signed manifest`);
      // And only once: the manifest's own field.
      assert.equal(utf8.split(title).length - 1, 1, `${where} repeats a title outside the manifest`);
    }
  }
}
