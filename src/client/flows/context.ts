/**
 * What every client flow works with: the API client, the file transfer, the
 * chain this client trusts, the logged-in user's keys (private halves never
 * leave this object: non-extractable CryptoKeys), the clock, and the
 * keeper of signed heads. Transactions are signed here and submitted; an
 * answer's signed head goes through the keeper before anything is believed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64url, fromHex, importPkcs8, importSpki, type JsonValue } from '../../crypto/index.ts';
import type { OpenedVault } from '../../crypto/index.ts';
import { entryLeafHash, parseTx, verifyInclusion } from '../../ledger/index.ts';
import type { TxResult } from '../../protocol/index.ts';
import type { ApiClient } from '../api-client.ts';
import type { LoggedIn } from '../account.ts';
import { clientError } from '../errors.ts';
import type { FileTransfer } from '../files.ts';
import type { HeadKeeper } from '../head-store.ts';
import { signTx } from '../transactions.ts';

/** The logged-in user as the flows need them. */
export interface Identity {
  username: string;
  sig: { keyId: string; privateKey: CryptoKey };
  enc: { keyId: string; privateKey: CryptoKey; publicKey: CryptoKey };
  /** The private enc key of a generation by its key id (old wraps name old keys); undefined when the vault has none. */
  encKeyFor(keyId: string): Promise<CryptoKey | undefined>;
}

export interface ClientContext {
  api: ApiClient;
  files: FileTransfer;
  /** The chain id this client trusts. */
  chain: string;
  me: Identity;
  now(): number;
  /** Checks every signed head an answer carries against the heads seen before. */
  heads: HeadKeeper;
}

/** The identity of a login: the vault's current keys, and its older generations for old wraps. */
export async function identityOf(loggedIn: Pick<LoggedIn, 'vault' | 'keys'>): Promise<Identity> {
  const vault: OpenedVault = loggedIn.vault;
  const current = vault.current;
  const older = new Map(vault.contents.generations.map((g) => [g.enc.keyId, g.enc.pkcs8]));
  const imported = new Map<string, CryptoKey>([[current.enc.keyId, loggedIn.keys.enc.privateKey]]);
  return {
    username: vault.contents.username,
    sig: loggedIn.keys.sig,
    enc: { ...loggedIn.keys.enc, publicKey: await importSpki('enc', fromBase64url(current.enc.spki)) },
    async encKeyFor(keyId) {
      const known = imported.get(keyId);
      if (known) return known;
      const pkcs8 = older.get(keyId);
      if (!pkcs8) return undefined;
      const key = await importPkcs8('enc', fromBase64url(pkcs8));
      imported.set(keyId, key);
      return key;
    },
  };
}

/**
 * Signs and submits a transaction; checks the answer's signed head (the
 * keeper) and the entry's inclusion proof under it. Resolves with the
 * answer whatever the outcome (a ledgered rejection is an answer too).
 */
export async function submit(ctx: ClientContext, type: string, body: JsonValue): Promise<TxResult> {
  const tx = await signTx(sha256, ctx.chain, { username: ctx.me.username, sigKeyId: ctx.me.sig.keyId, sigPrivateKey: ctx.me.sig.privateKey }, type, body, { now: ctx.now() });
  return submitSigned(ctx, tx);
}

/**
 * Submits a transaction signed earlier (a key rotation's RotateKeys, kept
 * before it is sent), with the same checks of the answer as submit.
 */
export async function submitSigned(ctx: Pick<ClientContext, 'api' | 'heads'>, tx: unknown): Promise<TxResult> {
  // The hash of what this client signed: the answer must prove that entry, not another the node picks.
  const sent = parseTx(sha256, tx).hash;
  const result = await ctx.api.call('submitTx', tx as never);
  if (result.txHash !== sent) throw clientError('ANSWER_INVALID', { reason: 'the answer proves another transaction' });
  await ctx.heads.accept(result.signedHead);
  // RFC 9162 §2.1.3.2: the entry is in the tree of the head the answer names.
  if (result.treeSize !== result.signedHead.header.treeSize || result.treeRoot !== result.signedHead.header.treeRoot) {
    throw clientError('ANSWER_INVALID', { reason: 'the proof is not in the tree of the signed head' });
  }
  verifyInclusion(sha256, result.seq, result.treeSize, entryLeafHash(sha256, { tx: result.txHash, outcome: result.outcome }), result.proof.map((h) => fromHex(h)), fromHex(result.treeRoot));
  return result;
}

/** The same, refusing a ledgered rejection (TX_REJECTED with the contract's code). */
export async function submitOk(ctx: ClientContext, type: string, body: JsonValue): Promise<TxResult> {
  const result = await submit(ctx, type, body);
  if (result.outcome !== 'OK') throw clientError('TX_REJECTED', { type, outcome: result.outcome, txHash: result.txHash });
  return result;
}

