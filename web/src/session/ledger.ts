/**
 * The page's ledger calls go through the client flows (src/client/flows):
 * each transaction is signed in this page with the session's
 * non-extractable sig key, and its answer's signed head and inclusion proof
 * are checked (the head keeper) before anything is believed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Reads } from '../../../src/client/index.ts';
import type { Unlocked } from './keyring.ts';

export const readsOf = (unlocked: Unlocked): Reads => unlocked.client.reads;
export const ctxOf = (unlocked: Unlocked) => unlocked.client.ctx;

/** The synchronous SHA-256 the pure modules take in the browser (DESIGN §3). */
export { sha256 as syncSha256 };
