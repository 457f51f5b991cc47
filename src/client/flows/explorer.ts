/**
 * The ledger as a person inspects it (DESIGN §2, §5): the node's signed head
 * with each attestation checked under the genesis node keys and the
 * consistency proof from the head this client kept; a block's hash and
 * entries root recomputed; an entry's inclusion proof under the current
 * head. Each check answers passing or failing with the code that failed, so
 * a page can show every one of them; a node's answer of the wrong shape
 * still throws. Withheld bodies stay withheld: the transaction hash covers
 * the header (with its bodyHash) and the signature only (formats §8.2).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fingerprint, fromHex, isDhlError, toHex } from '../../crypto/index.ts';
import {
  blockHash, entryLeafHash, isMerkleError, orgOfNode, parseBlockHeader, parseTx, rootOf, verifyInclusion, verifySignedHead, type Genesis, type LedgerErrorCode, type MerkleErrorCode,
  type SignedHead,
} from '../../ledger/index.ts';
import type { ClientErrorCode } from '../errors.ts';
import type { AnswerOf } from '../../protocol/index.ts';
import { proveExtends } from '../head-store.ts';
import type { Reads } from '../reads.ts';
import type { ClientContext } from './context.ts';
import { acceptHead, consistencyFrom } from './ledger.ts';

/** A check's result: passing, or failing with the registered code of the first thing that failed (ledger, Merkle or client registry). */
export type Check = { ok: true } | { ok: false; code: LedgerErrorCode | MerkleErrorCode | ClientErrorCode };

const passed: Check = Object.freeze({ ok: true });
const failed = (err: unknown): Check => {
  if (isDhlError(err)) return { ok: false, code: err.code as LedgerErrorCode };
  throw err;
};

export type AttestationCheck = Check & {
  nodeId: string;
  /** The organisation whose genesis entry names the node; undefined when none does. */
  org?: string;
  keyId: string;
  fingerprint: string;
};

export type ConsistencyCheck = Check & {
  /** The tree size of the head kept before, and of the head now. */
  from: number;
  to: number;
  /** How many hashes the proof has (0 when the tree did not grow). */
  proofLength?: number;
};

export interface HeadCheck {
  head: AnswerOf<'ledgerHead'>;
  /** Each attestation of the head, checked under the genesis node keys (formats §8.8). */
  attestations: AttestationCheck[];
  /** The newest head this client kept before this check; undefined on its first. */
  kept?: SignedHead;
  /** The consistency proof from `kept` to this head (RFC 9162 §2.1.4.2); undefined without a kept head. */
  consistency?: ConsistencyCheck;
  /** Whether the head keeper accepted the head (and now keeps it, if newer). */
  accepted: Check;
}

/**
 * The node's current head, checked: each attestation under the trusted
 * genesis's node keys, the consistency proof from the head kept before, and
 * then the head keeper's own acceptance (which keeps it). `genesis` is the
 * trusted chain's, as trustedGenesis checked it (an OpenedClient holds it):
 * it never changes, so it is not asked for again on every check.
 */
export async function checkHead(ctx: ClientContext, reads: Reads, genesis: Genesis): Promise<HeadCheck> {
  const kept = await ctx.heads.latest();
  const head = await reads.head();
  const attestations: AttestationCheck[] = [];
  for (const attestation of head.attestations) {
    const a = attestation.attestation;
    const org = orgOfNode(genesis, a.nodeId);
    const who = { nodeId: a.nodeId, ...(org ? { org } : {}), keyId: a.keyId, fingerprint: fingerprint(a.keyId) };
    attestations.push({ ...who, ...(await verifySignedHead(sha256, ctx.chain, genesis, { header: head.header, attestation }).then(() => passed, failed)) });
  }
  const signed = { header: head.header, attestation: head.attestations[0]! } as SignedHead;
  const consistency = kept && head.attestations.length > 0 ? await checkConsistency(reads, kept, signed) : undefined;
  const accepted = await acceptHead(ctx, head).then(() => passed, failed);
  return { head, attestations, ...(kept ? { kept } : {}), ...(consistency ? { consistency } : {}), accepted };
}

/** That the ledger at `newer` extends `older`: the consistency proof between their trees, from the node, recomputed here. */
export async function checkConsistency(reads: Reads, older: SignedHead, newer: SignedHead): Promise<ConsistencyCheck> {
  const sizes = { from: older.header.treeSize, to: newer.header.treeSize };
  try {
    return { ...sizes, ok: true, proofLength: await proveExtends(sha256, consistencyFrom(reads), older, newer) };
  } catch (err) {
    // proveExtends names the ledger's code (HEAD_BEHIND, HEAD_MISMATCH) as its reason.
    const reason = isDhlError(err, 'HEAD_INCONSISTENT') ? err.details.reason : undefined;
    return { ...sizes, ...(typeof reason === 'string' ? { ok: false as const, code: reason as LedgerErrorCode } : failed(err)) };
  }
}

type BlockView = AnswerOf<'ledgerBlock'>;
type EntryView = BlockView['entries'][number];

export interface BlockCheck {
  /** The block hash recomputed from its header, equal to the one the node named, and the header signed by a genesis node (one of its attestations verifies). */
  hash: Check;
  /** The entries are the block's (heights, seqs) and their leaves make its entriesRoot. */
  entries: Check;
  /** Each entry's transaction hash, computed here (withheld bodies included). */
  txHashes: string[];
}

/**
 * A block as the node served it, recomputed: its hash, signed by a node of
 * the trusted genesis (else a node could make up a block that hashes
 * consistently), and its entries against its header.
 */
export async function checkBlock(block: BlockView, trust: { chain: string; genesis: Genesis }): Promise<BlockCheck> {
  const h = block.header;
  const txHashes = block.entries.map((e) => parseTx(sha256, e.tx).hash);
  // A block hash the header does not hash to is an answer that is not what it says.
  const hash: Check = blockHash(sha256, parseBlockHeader(h)) === block.blockHash ? await attested(block, trust) : { ok: false, code: 'ANSWER_INVALID' };
  const inBlock = block.entries.length === h.entryCount && block.entries.every((e, i) => e.height === h.height && e.seq === h.firstSeq + i);
  const leaves = block.entries.map((e, i) => entryLeafHash(sha256, { tx: txHashes[i]!, outcome: e.outcome }));
  const entries: Check = !inBlock ? { ok: false, code: 'CHAIN_SEQ_MISMATCH' } : toHex(rootOf(sha256, leaves)) === h.entriesRoot ? passed : { ok: false, code: 'CHAIN_ENTRIES_ROOT_MISMATCH' };
  return { hash, entries, txHashes };
}

/** Passing when one of the block's attestations verifies under the genesis node keys (formats §8.8), else the first failure's code. */
async function attested(block: BlockView, trust: { chain: string; genesis: Genesis }): Promise<Check> {
  let first: Check | undefined;
  for (const attestation of block.attestations) {
    const check = await verifySignedHead(sha256, trust.chain, trust.genesis, { header: block.header, attestation } as SignedHead).then(() => passed, failed);
    if (check.ok) return check;
    first ??= check;
  }
  // No attestation at all: nothing signs the header.
  return first ?? { ok: false, code: 'HEAD_INVALID' };
}

export type InclusionCheck = Check & {
  seq: number;
  treeSize: number;
  proofLength?: number;
};

/**
 * That the entry {tx, outcome} is leaf `seq` of the tree of `head` (RFC 9162
 * §2.1.3.2): the node's inclusion proof, recomputed to the head's root.
 */
export async function checkInclusion(reads: Reads, entry: EntryView, head: { header: { treeSize: number; treeRoot: string } }): Promise<InclusionCheck> {
  const at = { seq: entry.seq, treeSize: head.header.treeSize };
  const answer = await reads.inclusionProof(entry.seq, head.header.treeSize);
  if (answer.seq !== entry.seq || answer.treeSize !== head.header.treeSize) return { ...at, ok: false, code: 'ANSWER_INVALID' };
  const leaf = entryLeafHash(sha256, { tx: parseTx(sha256, entry.tx).hash, outcome: entry.outcome });
  try {
    verifyInclusion(sha256, entry.seq, head.header.treeSize, leaf, answer.proof.map((h) => fromHex(h)), fromHex(head.header.treeRoot));
    return { ...at, ok: true, proofLength: answer.proof.length };
  } catch (err) {
    if (isMerkleError(err)) return { ...at, ok: false, code: err.code, proofLength: answer.proof.length };
    throw err;
  }
}
