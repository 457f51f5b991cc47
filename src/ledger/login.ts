/**
 * The login challenge (DESIGN §9, §13): the node picks a nonce, the user's
 * client checks the challenge names the chain it trusts, its own username and
 * the origin it is talking to, and signs "dhl/login/v1\n" ‖ JCS(challenge)
 * with the user's registered sig key. Its own domain tag means a login
 * signature can never be taken for a transaction, manifest or attestation
 * signature, and the node accepts each nonce once, before `notAfter`.
 */
import { fromBase64url, toBase64url } from '../crypto/bytes.ts';
import { taggedBytes, DOMAIN_TAGS } from '../crypto/canonical.ts';
import { defineErrors } from '../crypto/errors.ts';
import { signBytes, verifyBytes } from '../crypto/signature.ts';
import { exactKeys, HEX32, HEX64, int, isObject, str, USERNAME, type Fail } from './validate.ts';

export interface LoginChallenge {
  /** The chain id the user trusts. */
  chain: string;
  username: string;
  /**
   * Where the client is talking to, as `scheme://host[:port]` (RFC 6454
   * serialisation, no path): a browser's page origin, the CLI's node URL, or
   * the public URL of a node behind a reverse proxy (docs/formats.md §11).
   */
  origin: string;
  /** 128 bits from the node, lowercase hex. */
  nonce: string;
  /** Milliseconds since the epoch after which the node refuses the signature. */
  notAfter: number;
}

/** scheme://host[:port], lowercase, no path, no credentials, no trailing slash. */
export const ORIGIN = /^https?:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;

export const LOGIN_ERRORS = defineErrors({
  LOGIN_CHALLENGE_MALFORMED: 'login challenge is malformed',
});

export function parseLoginChallenge(value: unknown): LoginChallenge {
  const fail: Fail = (field) => LOGIN_ERRORS.make('LOGIN_CHALLENGE_MALFORMED', { field });
  if (!isObject(value)) throw fail('$');
  exactKeys(value, ['chain', 'username', 'origin', 'nonce', 'notAfter'], fail);
  str(value.chain, HEX64, 'chain', fail);
  str(value.username, USERNAME, 'username', fail);
  str(value.origin, ORIGIN, 'origin', fail);
  str(value.nonce, HEX32, 'nonce', fail);
  int(value.notAfter, 'notAfter', fail);
  return { chain: value.chain as string, username: value.username as string, origin: value.origin as string, nonce: value.nonce as string, notAfter: value.notAfter as number };
}

/** Signed bytes: "dhl/login/v1\n" ‖ JCS(challenge). */
export function loginChallengeBytes(challenge: LoginChallenge): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.login, parseLoginChallenge(challenge));
}

/** RSA-PSS (PS256) over the signed bytes, base64url. */
export async function signLoginChallenge(challenge: LoginChallenge, sigPrivateKey: CryptoKey): Promise<string> {
  return toBase64url(await signBytes(sigPrivateKey, loginChallengeBytes(challenge)));
}

export async function isLoginSignatureValid(challenge: LoginChallenge, sig: string, sigPublicKey: CryptoKey): Promise<boolean> {
  let raw: Uint8Array;
  try {
    raw = fromBase64url(sig, 'sig');
  } catch {
    return false;
  }
  return verifyBytes(sigPublicKey, raw, loginChallengeBytes(challenge));
}
