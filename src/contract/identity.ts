/**
 * Identity transactions (DESIGN §2): who is registered with which keys and
 * who holds which role. Their bodies are public identity data: admins are
 * served them, and an export that withholds every other body (and every
 * state write) keeps them, so its verifier still knows each signer's key.
 */
import { parseBody } from './bodies.ts';
import { KEY } from './keys.ts';
import { TX_TYPES, type Json, type KeyState, type StateWrite, type TxType } from './types.ts';

export const IDENTITY_TX_TYPES: readonly TxType[] = Object.freeze([TX_TYPES.RegisterUser, TX_TYPES.RotateKeys, TX_TYPES.AssignRole, TX_TYPES.RevokeRole]);

const IDENTITY = new Set<string>(IDENTITY_TX_TYPES);

export function isIdentityTx(type: string): boolean {
  return IDENTITY.has(type);
}

/** The `key/` entries a user's key pair makes (RegisterUser, RotateKeys): the key ids are the user's for good. */
export function keyWrites(
  username: string,
  keys: { encSpki: string; encKeyId: string; sigSpki: string; sigKeyId: string },
  since: number,
  txHash: string,
): StateWrite[] {
  const entry = (keyId: string, use: 'sig' | 'enc', spki: string): KeyState => ({ keyId, username, use, spki, since, txHash });
  return [
    [KEY.key(keys.sigKeyId), entry(keys.sigKeyId, 'sig', keys.sigSpki) as unknown as Json],
    [KEY.key(keys.encKeyId), entry(keys.encKeyId, 'enc', keys.encSpki) as unknown as Json],
  ];
}

/**
 * The `key/` writes of an identity transaction whose logged outcome is OK,
 * at block time `time`: what `apply` wrote for it under `key/` (nothing for
 * AssignRole, RevokeRole or any other type). For a verifier that holds the
 * identity bodies but neither the state nor the other bodies: it takes the
 * logged outcome on the attesting nodes' word. Undefined when the body is
 * malformed, which an accepted identity transaction never is.
 */
export function acceptedKeyWrites(tx: { hash: string; header: { type: string; actor: string }; body?: unknown }, time: number): StateWrite[] | undefined {
  if (tx.header.type === TX_TYPES.RegisterUser) {
    const parsed = parseBody(TX_TYPES.RegisterUser, tx.body);
    return parsed.ok ? keyWrites(parsed.body.username, parsed.body, time, tx.hash) : undefined;
  }
  if (tx.header.type === TX_TYPES.RotateKeys) {
    const parsed = parseBody(TX_TYPES.RotateKeys, tx.body);
    return parsed.ok ? keyWrites(tx.header.actor, parsed.body, time, tx.hash) : undefined;
  }
  return [];
}
