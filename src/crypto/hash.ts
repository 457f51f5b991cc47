/** SHA-256 through WebCrypto (async, full speed in Node and browsers). */
import { asBufferSource } from './bytes.ts';

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', asBufferSource(data)));
}

/**
 * A synchronous SHA-256, passed in where a pure module hashes in a hot loop
 * (DESIGN §3): the node passes `node:crypto`, the browser `@noble/hashes`.
 */
export type SyncHash = (data: Uint8Array) => Uint8Array;
