/**
 * Signing and submitting from the page (DESIGN §2: the node never holds a
 * private key): each transaction is built and signed here with the
 * session's non-extractable sig key, and answered once its block is durable.
 * A ledgered refusal is thrown as a DhlError carrying the contract's code.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DhlError, Reads, signTx, type JsonValue } from '../../../src/client/index.ts';
import type { Unlocked } from './keyring.ts';

export async function submitTx(unlocked: Unlocked, type: string, body: JsonValue) {
  const tx = await signTx(sha256, unlocked.chain, { username: unlocked.username, sigKeyId: unlocked.sig.keyId, sigPrivateKey: unlocked.sig.privateKey }, type, body, {
    now: Date.now(),
  });
  const result = await unlocked.api.call('submitTx', tx);
  if (result.outcome !== 'OK') throw new DhlError(result.outcome, `the ledger recorded the ${type} as refused (${result.outcome})`);
  return result;
}

export const readsOf = (unlocked: Unlocked) => new Reads(unlocked.api);

/** The synchronous SHA-256 the pure modules take in the browser (DESIGN §3). */
export { sha256 as syncSha256 };
