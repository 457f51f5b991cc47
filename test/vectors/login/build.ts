/**
 * Builds the login-challenge vectors (docs/formats.md §11): challenges as a
 * CLI and as a browser behind a reverse proxy would sign them, with their
 * signed bytes and a PS256 signature by raj's TEST-ONLY sig key, and
 * negatives as data (one field changed, the signature kept: it must not
 * verify). RSA-PSS signatures are randomised: kept from the previous file
 * while they still verify.
 */
import { toHex } from '../../../src/crypto/index.ts';
import { isLoginSignatureValid, loginChallengeBytes, signLoginChallenge, type LoginChallenge } from '../../../src/ledger/index.ts';
import { fixtureKey } from '../../fixtures/keys.ts';

export interface LoginVectors {
  comment: string;
  signer: { user: 'raj'; keyId: string; spkiPemFile: string };
  challenges: { name: string; challenge: LoginChallenge; signedBytesHex: string; sig: string }[];
  negatives: { name: string; challenge: LoginChallenge; sig: string; expected: 'SIGNATURE_INVALID' }[];
}

const CHAIN = 'be253765a2745c7d87703708d98416ceadde6628ef49d4d985abf52b4a6e9057';
const T0 = 1795000000000;

const CHALLENGES: { name: string; challenge: LoginChallenge }[] = [
  { name: 'cli-on-loopback', challenge: { chain: CHAIN, username: 'raj', origin: 'http://127.0.0.1:8480', nonce: '5f1d3a9c0b7e42d68a1c3e5f7a9b0d2e', notAfter: T0 + 120_000 } },
  { name: 'browser-behind-proxy', challenge: { chain: CHAIN, username: 'raj', origin: 'https://dhl.clinic.example', nonce: 'c0ffee00c0ffee00c0ffee00c0ffee00', notAfter: T0 + 120_000 } },
];

export async function buildLoginVectors(previous?: LoginVectors): Promise<LoginVectors> {
  const key = await fixtureKey('raj', 'sig');
  const challenges = [];
  for (const { name, challenge } of CHALLENGES) {
    const old = previous?.challenges.find((c) => c.name === name && JSON.stringify(c.challenge) === JSON.stringify(challenge));
    const sig = old && (await isLoginSignatureValid(challenge, old.sig, key.publicKey)) ? old.sig : await signLoginChallenge(challenge, key.privateKey);
    challenges.push({ name, challenge, signedBytesHex: toHex(loginChallengeBytes(challenge)), sig });
  }
  const base = challenges[0]!;
  const negatives = [
    { name: 'another origin (a relaying site)', change: { origin: 'https://evil.example' } },
    { name: 'another chain', change: { chain: '00'.repeat(32) } },
    { name: 'another user', change: { username: 'meera' } },
    { name: 'another nonce (a replay)', change: { nonce: '0'.repeat(32) } },
    { name: 'a later notAfter', change: { notAfter: base.challenge.notAfter + 1 } },
  ].map(({ name, change }) => ({ name, challenge: { ...base.challenge, ...change }, sig: base.sig, expected: 'SIGNATURE_INVALID' as const }));
  for (const n of negatives) {
    if (await isLoginSignatureValid(n.challenge, n.sig, key.publicKey)) throw new Error(`negative ${n.name} verifies`);
  }
  return {
    comment: 'Login challenges (docs/formats.md §11): signed bytes = "dhl/login/v1\\n" ‖ JCS(challenge), PS256 by the user\'s registered sig key. TEST-ONLY keys.',
    signer: { user: 'raj', keyId: key.keyId, spkiPemFile: 'test/fixtures/keys/raj.sig.public.pem' },
    challenges,
    negatives,
  };
}
