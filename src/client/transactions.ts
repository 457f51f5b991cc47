/** Building and signing transactions on the client (the node never holds a private key). */
import { randomBytes, toHex, type JsonValue } from '../crypto/index.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { createTx, txToJson, type SignedTx } from '../ledger/index.ts';

export interface Signer {
  username: string;
  sigKeyId: string;
  sigPrivateKey: CryptoKey;
}

export interface TxOptions {
  /** Last block time at which the transaction may apply; default now + 10 minutes. */
  notAfter?: number;
  now: number;
}

export const DEFAULT_TX_LIFETIME_MS = 10 * 60 * 1000;

export async function signTx(hash: SyncHash, chain: string, signer: Signer, type: string, body: JsonValue, options: TxOptions): Promise<SignedTx> {
  const tx = await createTx(
    hash,
    {
      chain, type, actor: signer.username, keyId: signer.sigKeyId, body,
      notAfter: options.notAfter ?? options.now + DEFAULT_TX_LIFETIME_MS, time: options.now, nonce: toHex(randomBytes(16)),
    },
    signer.sigPrivateKey,
  );
  return txToJson(tx) as SignedTx;
}
