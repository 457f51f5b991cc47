/**
 * What the client believes of the ledger, and why (DESIGN §2: keys come from
 * the ledger, not from a node's say-so): every read that decides something —
 * whose key to wrap a record's key for, whose signature a manifest carries,
 * whether a version was ledgered — is checked here against a head the client
 * accepted (its attestation under the genesis, consistent with the heads it
 * kept: head-store.ts) and the inclusion proofs under it. A node that serves
 * another key, another manifest or a forked head is refused with a client
 * code (KEY_NOT_PROVEN, MANIFEST_NOT_PROVEN, HEAD_INCONSISTENT), before
 * anything is signed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  canonicalJson, fingerprint, fromBase64url, fromHex, importSpki, isDhlError, keyId, verifyManifest, type JsonValue, type Manifest, type SignedManifest, type WrappedKey,
} from '../../crypto/index.ts';
import {
  blockHash, chainIdOf, entryLeafHash, ledgerError, parseGenesis, parseTx, verifyInclusion, verifyTxSignature, type Genesis, type ParsedTx, type SignedHead,
} from '../../ledger/index.ts';
import type { EntryView, LedgerHead } from '../../protocol/index.ts';
import { clientError } from '../errors.ts';
import { allPages, Reads, verifyUserView } from '../reads.ts';
import type { ApiClient } from '../api-client.ts';
import type { LoggedIn } from '../account.ts';
import { FileTransfer, type TransferOptions } from '../files.ts';
import { HeadKeeper, type ConsistencySource, type HeadStore } from '../head-store.ts';
import type { ProvenKey } from './access.ts';
import { identityOf, type ClientContext } from './context.ts';

/** The signed heads a ledger head carries, one per attestation (formats §8.8). */
function signedHeadsOf(head: LedgerHead): SignedHead[] {
  return head.attestations.map((attestation) => ({ header: head.header, attestation }) as SignedHead);
}

/**
 * Checks a ledger head with the keeper: one of its attestations must be a
 * genesis node's over exactly this header, and the head consistent with
 * those kept. Returns the accepted head.
 */
export async function acceptHead(ctx: ClientContext, head: LedgerHead): Promise<SignedHead> {
  const heads = signedHeadsOf(head);
  if (heads.length === 0) throw clientError('HEAD_INCONSISTENT', { reason: 'no attestation' });
  let last: unknown;
  for (const signed of heads) {
    try {
      return await ctx.heads.accept(signed);
    } catch (err) {
      // Another node's attestation may be the one this client can check; an inconsistent head is final.
      if (isDhlError(err, 'HEAD_INCONSISTENT')) throw err;
      last = err;
    }
  }
  throw last;
}

const notProven = (username: string, reason: string, cause?: unknown) => clientError('KEY_NOT_PROVEN', { username, reason }, cause);

/**
 * A user's key from the ledger: the lookup's head accepted, every key and
 * role in it proven by its transaction under that head (reads.ts
 * verifyUserView), then the key asked for — the current one of its use, or
 * the one with `keyId` (a manifest names its author's key) — and, for a
 * doctor, the active role that vouches for it (DESIGN §2). The fingerprint
 * is computed here, never taken from the node.
 */
export async function provenKey(
  ctx: ClientContext,
  reads: Reads,
  username: string,
  use: 'enc' | 'sig',
  o: { keyId?: string; role?: 'doctor' | 'admin' } = {},
): Promise<ProvenKey> {
  const view = await reads.user(username);
  await acceptHead(ctx, view.head);
  if (view.username !== username) throw notProven(username, 'the lookup answers for another user');
  try {
    await verifyUserView(sha256, view);
  } catch (err) {
    throw notProven(username, isDhlError(err) ? err.code : 'proof', err);
  }
  const key = o.keyId ? view.keys.find((k) => k.use === use && k.keyId === o.keyId) : view.keys.find((k) => k.use === use && k.current);
  if (!key) throw notProven(username, o.keyId ? 'no such key' : 'no current key');
  if (o.role) {
    const role = view.roles.find((r) => r.role === o.role && r.active && r.vouched && r.assignedBy);
    if (!role || (use === 'enc' ? role.encKeyId : role.sigKeyId) !== key.keyId) throw notProven(username, `no active ${o.role} role vouching for the key`);
  }
  const publicKey = await importSpki(use, fromBase64url(key.spki));
  // The id (hence the fingerprint) from the key itself, never the node's text.
  const id = await keyId(publicKey);
  if (id !== key.keyId) throw notProven(username, 'key id');
  return { username, use, keyId: id, fingerprint: fingerprint(id), publicKey };
}

export interface VerifiedVersion {
  recordId: string;
  version: number;
  signedManifest: SignedManifest;
  manifest: Manifest;
  /** The author's sig key, proven from the ledger; its fingerprint is what a person compares. */
  author: ProvenKey;
  /** The AddRecord/AddRecordVersion that ledgered the version: its hash, height and the hash of its block. */
  txHash: string;
  height: number;
  blockHash: string;
  head: SignedHead;
}

/**
 * "Verify" (DESIGN §1 step 5): the version's manifest signature under its
 * author's ledger key, and the inclusion proof of the transaction that
 * added it, accepted (`OK`), under a head the client accepted; the block
 * holding it with its hash.
 */
export async function verifyRecord(ctx: ClientContext, reads: Reads, recordId: string, version: number): Promise<VerifiedVersion> {
  const v = await reads.version(recordId, version);
  const head = await acceptHead(ctx, v.head);
  const refused = (reason: string, cause?: unknown) => clientError('MANIFEST_NOT_PROVEN', { recordId, version, reason }, cause);
  if (v.recordId !== recordId || v.version !== version || v.manifest.recordId !== recordId || v.manifest.version !== version) throw refused('another record or version');
  if (v.entry.outcome !== 'OK') throw refused('the transaction was not accepted');
  if (v.treeSize !== head.header.treeSize) throw refused('the proof is not in the tree of the head');
  try {
    // RFC 9162 §2.1.3.2: the entry {tx, outcome} is leaf `seq` of the head's tree.
    verifyInclusion(sha256, v.entry.seq, v.treeSize, entryLeafHash(sha256, { tx: v.txHash, outcome: v.entry.outcome }), v.proof.map((h) => fromHex(h)), fromHex(head.header.treeRoot));
  } catch (err) {
    throw refused('inclusion proof', err);
  }
  const signedManifest = { manifest: v.manifest, signature: v.manifestSig } as unknown as SignedManifest;
  const author = await provenKey(ctx, reads, v.manifest.author, 'sig', { keyId: v.manifest.authorKeyId });
  let manifest: Manifest;
  try {
    manifest = await verifyManifest(signedManifest, author.publicKey);
  } catch (err) {
    throw refused('manifest signature', err);
  }
  if (manifest.chain !== ctx.chain) throw refused('another chain');
  const block = await reads.block(v.entry.height);
  const hash = blockHash(sha256, block.header as never);
  if (block.header.height !== v.entry.height || v.entry.seq < block.header.firstSeq || v.entry.seq >= block.header.firstSeq + block.header.entryCount) throw refused('the block does not hold the entry');
  await checkVersionTx(block.entries.find((e) => e.seq === v.entry.seq), { txHash: v.txHash, chain: ctx.chain, author, signedManifest, reader: ctx.me.username }, refused);
  return { recordId, version, signedManifest, manifest, author, txHash: v.txHash, height: v.entry.height, blockHash: hash, head };
}

const VERSION_TX_TYPES: readonly string[] = ['AddRecord', 'AddRecordVersion'];

/**
 * The inclusion proof names a transaction hash; this checks the transaction
 * under it is the one that added the version: in the block at that place,
 * hashing to it, an AddRecord or AddRecordVersion the manifest's author
 * signed with the key that signed the manifest — and, where the reader may
 * see its body, carrying exactly this signed manifest. Without it a node
 * could pair a manifest the author signed but the ledger refused (or never
 * saw) with the proof of another of the author's accepted transactions.
 * A body withheld from a reader who may see it (its owner or author) is
 * refused; withheld from anyone else (a doctor's view of a patient's
 * AddRecord) it binds only by author, key and kind: docs/security.md says so.
 */
async function checkVersionTx(
  listed: EntryView | undefined,
  expected: { txHash: string; chain: string; author: ProvenKey; signedManifest: SignedManifest; reader: string },
  refused: (reason: string, cause?: unknown) => Error,
): Promise<void> {
  if (!listed) throw refused('the block does not hold the entry');
  let tx: ParsedTx;
  try {
    tx = parseTx(sha256, listed.tx, { chain: expected.chain });
  } catch (err) {
    throw refused('the block holds another transaction there', err);
  }
  if (tx.hash !== expected.txHash) throw refused('the block holds another transaction there');
  const { author } = expected;
  if (!VERSION_TX_TYPES.includes(tx.header.type) || tx.header.actor !== author.username || tx.header.keyId !== author.keyId) {
    throw refused('the transaction does not add this version');
  }
  try {
    await verifyTxSignature(tx, author.publicKey);
  } catch (err) {
    throw refused('the transaction does not add this version', err);
  }
  // The owner and the author may read the body (docs/security.md): withheld from them, it is hidden, not private.
  const { manifest } = expected.signedManifest;
  if (tx.body === undefined && (expected.reader === manifest.patient || expected.reader === manifest.author)) {
    throw refused('the transaction does not add this version');
  }
  if (tx.body !== undefined) {
    const body = tx.body as { manifest?: JsonValue; manifestSig?: JsonValue };
    const same = (a: JsonValue | undefined, b: unknown) => a !== undefined && canonicalJson(a) === canonicalJson(b as JsonValue);
    if (!same(body.manifest, expected.signedManifest.manifest) || !same(body.manifestSig, expected.signedManifest.signature)) {
      throw refused('the transaction does not add this version');
    }
  }
}

/** The version's DEK wrapped for this user (only ever the reader's own; the node serves no one else's). */
export async function ownWrap(reads: Reads, recordId: string, version: number): Promise<WrappedKey> {
  const w = await reads.wrappedKey(recordId, version);
  return { recordId: w.recordId, version: w.version, keyId: w.keyId, alg: w.alg as WrappedKey['alg'], wrappedDek: w.wrappedDek };
}

export { allPages };

/** Consistency proofs for the head keeper, from the node's proof route. */
export function consistencyFrom(reads: Reads): ConsistencySource {
  return async (size1, size2) => reads.consistencyProof(size1, size2);
}

/** Past any height: an export asked to start there carries its header line (the genesis) and no block. */
const BEYOND_EVERY_BLOCK = 999_999_999_999_999;

/**
 * The genesis of the chain this client trusts, from the node — refused
 * unless it hashes to that chain id (formats §8.1): its node keys are what
 * every signed head is checked under.
 */
export async function trustedGenesis(reads: Reads, chainId: string): Promise<Genesis> {
  for await (const line of reads.exportLines({ fromHeight: BEYOND_EVERY_BLOCK })) {
    const first = JSON.parse(line) as { kind?: unknown; chain?: unknown; genesis?: unknown };
    const genesis = parseGenesis(first.genesis);
    if (first.kind !== 'dhl-export/v1' || first.chain !== chainId || chainIdOf(sha256, genesis) !== chainId) {
      throw ledgerError('CHAIN_GENESIS_MISMATCH', { expected: chainId });
    }
    return genesis;
  }
  throw clientError('ANSWER_INVALID', { reason: 'no export header line' });
}

export interface OpenedClient {
  ctx: ClientContext;
  reads: Reads;
  /** The trusted chain's genesis, fetched and checked once when the client opened: it never changes, so callers keep it rather than ask again. */
  genesis: Genesis;
}

/**
 * A logged-in user's client on one node: the API client and file transfer,
 * the identity from the vault, and the head keeper over the host's store,
 * with the genesis of the trusted chain and the node's consistency proofs.
 */
export async function openClient(o: {
  api: ApiClient;
  loggedIn: LoggedIn;
  chain: string;
  heads: HeadStore;
  transfer?: TransferOptions;
  now?: () => number;
}): Promise<OpenedClient> {
  const reads = new Reads(o.api);
  const genesis = await trustedGenesis(reads, o.chain);
  const ctx: ClientContext = {
    api: o.api, files: new FileTransfer(o.api, o.transfer), chain: o.chain, me: await identityOf(o.loggedIn), now: o.now ?? (() => Date.now()),
    heads: new HeadKeeper({ hash: sha256, chainId: o.chain, genesis, store: o.heads, consistency: consistencyFrom(reads) }),
  };
  return { ctx, reads, genesis };
}
