/**
 * The chain verifier (DESIGN §5): starts from a chain id the verifier already
 * trusts and checks, block by block, every hash, root, signature, the
 * state-digest chain and the attestations, naming the first place that is
 * wrong (`details.height`, `details.entry`, `details.field`). It trusts no node.
 *
 * What transactions *mean* is the contract's business, which this module may
 * not import (DESIGN §3): the caller supplies the signer's key for each
 * transaction and, optionally, re-executes each block, through hooks.
 */
import { DhlError, withDetails } from '../crypto/errors.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { attestationProblem, genesisNodeKeys, parseAttestation, type NodeKeys, type SignedAttestation } from './attestation.ts';
import { blockHash, changesHashOf, initialStateDigest, nextStateDigest, parseBlockHeader, sortWrites, type BlockHeader, type StateWrite } from './block.ts';
import { ledgerError, type LedgerErrorCode } from './errors.ts';
import { chainIdOf, parseGenesis, type Genesis } from './genesis.ts';
import { entryLeafHash, logEntry } from './log-entry.ts';
import { MerkleTree, rootOf } from './merkle.ts';
import { parseTx, verifyTxSignature, type ParsedTx, type SignedTx, type WithheldTx } from './tx.ts';
import { canonicalJson } from '../crypto/canonical.ts';
import { toHex } from '../crypto/bytes.ts';

export interface ChainEntry {
  tx: SignedTx | WithheldTx;
  outcome: string;
}

/** A block as an export or a data directory presents it. */
export interface ChainBlock {
  header: BlockHeader;
  entries: ChainEntry[];
  /** The block's state writes; absent where state is withheld (then only the digest chain is checked). */
  writes?: StateWrite[];
  attestations: SignedAttestation[];
}

export interface ExecutionResult {
  outcomes: string[];
  writes: StateWrite[];
}

export interface ChainVerifierHooks {
  /**
   * The public `sig` key that must have signed each transaction of the block,
   * as the chain's state knows it just before that transaction; undefined when
   * the chain does not know the key.
   */
  signerKeys(txs: readonly ParsedTx[], header: BlockHeader): Promise<(CryptoKey | undefined)[]>;
  /**
   * Re-executes a block whose bodies are all present; its outcomes and writes
   * must equal the recorded ones. Without it, or when it returns undefined
   * (the state before the block is not known: an export without state
   * writes), recorded writes are only hashed.
   */
  execute?(txs: readonly ParsedTx[], header: BlockHeader): Promise<ExecutionResult | undefined> | ExecutionResult | undefined;
  /** Whether a body may be absent (marked withheld). Default: yes (an export to a party not entitled to it). */
  bodyMayBeWithheld?(tx: ParsedTx): boolean;
}

export interface ChainVerifierOptions {
  /** Blocks need at least this many valid attestations from distinct genesis nodes (default 0). */
  minAttestations?: number;
}

export interface ChainHead {
  height: number;
  blockHash: string;
  time: number;
  treeSize: number;
  treeRoot: string;
  stateDigest: string;
}

function at(code: LedgerErrorCode, height: number, extra: Record<string, string | number> = {}, cause?: unknown): DhlError {
  return ledgerError(code, { height, ...extra }, cause);
}

/** Re-labels an error from a parser with where it happened, keeping its code; the message names the place too. */
function located(err: unknown, height: number, entry?: number): never {
  if (err instanceof DhlError) throw withDetails(err, { height, ...(entry === undefined ? {} : { entry }) });
  throw err;
}

export class ChainVerifier {
  private readonly tree: MerkleTree;
  private readonly seen = new Set<string>();
  private headState: ChainHead;

  private constructor(
    private readonly hash: SyncHash,
    readonly chainId: string,
    readonly genesis: Genesis,
    private readonly nodeKeys: NodeKeys,
    private readonly hooks: ChainVerifierHooks,
    private readonly options: ChainVerifierOptions,
  ) {
    this.tree = new MerkleTree(hash);
    this.headState = {
      height: 0,
      blockHash: chainId,
      time: genesis.time,
      treeSize: 0,
      treeRoot: toHex(rootOf(hash, [])),
      stateDigest: initialStateDigest(hash, chainId),
    };
  }

  /** Checks the genesis against the trusted chain id before anything else. */
  static async create(hash: SyncHash, trustedChainId: string, genesis: unknown, hooks: ChainVerifierHooks, options: ChainVerifierOptions = {}): Promise<ChainVerifier> {
    const parsed = parseGenesis(genesis);
    if (chainIdOf(hash, parsed) !== trustedChainId) throw ledgerError('CHAIN_GENESIS_MISMATCH', { height: 0, chain: trustedChainId });
    return new ChainVerifier(hash, trustedChainId, parsed, await genesisNodeKeys(parsed), hooks, options);
  }

  get head(): ChainHead {
    return { ...this.headState };
  }

  /**
   * PROOF(size1, D[n]) over the log verified so far (RFC 9162 §2.1.4.1):
   * that it extends the tree an earlier head of `size1` leaves named.
   */
  consistencyProof(size1: number): Uint8Array[] {
    return this.tree.consistencyProof(size1);
  }

  /** Verifies the next block; throws the first problem found with its place. */
  async verifyBlock(block: ChainBlock): Promise<ChainHead> {
    const prev = this.headState;
    const height = prev.height + 1;
    let header: BlockHeader;
    try {
      header = parseBlockHeader(block?.header);
    } catch (err) {
      located(err, height);
    }
    if (header.chain !== this.chainId) throw at('BLOCK_MALFORMED', height, { field: 'header.chain' });
    if (header.height !== height) throw at('CHAIN_HEIGHT_GAP', height, { field: 'header.height' });
    if (header.prevHash !== prev.blockHash) throw at('CHAIN_PREV_HASH_MISMATCH', height, { field: 'header.prevHash' });
    if (header.time < prev.time) throw at('CHAIN_TIME_REGRESSION', height, { field: 'header.time' });
    if (header.firstSeq !== prev.treeSize) throw at('CHAIN_SEQ_MISMATCH', height, { field: 'header.firstSeq' });
    if (!Array.isArray(block.entries) || block.entries.length === 0) throw at('CHAIN_EMPTY_BLOCK', height, { field: 'entries' });
    if (header.entryCount !== block.entries.length) throw at('BLOCK_MALFORMED', height, { field: 'header.entryCount' });
    if (header.entryCount > this.genesis.params.maxBlockTxs) {
      throw at('CHAIN_BLOCK_TOO_LARGE', height, { field: 'header.entryCount', max: this.genesis.params.maxBlockTxs });
    }

    // Each transaction: shape, chain, body hash; withheld only where allowed; never twice.
    const txs: ParsedTx[] = [];
    const outcomes: string[] = [];
    for (const [i, entry] of block.entries.entries()) {
      let tx: ParsedTx;
      try {
        tx = parseTx(this.hash, entry?.tx, { chain: this.chainId });
        logEntry(tx.hash, entry.outcome);
      } catch (err) {
        located(err, height, i);
      }
      if (tx.withheld && !(this.hooks.bodyMayBeWithheld?.(tx) ?? true)) throw at('CHAIN_BODY_MISSING', height, { entry: i, tx: tx.hash });
      if (this.seen.has(tx.hash)) throw at('CHAIN_DUPLICATE_TX', height, { entry: i, tx: tx.hash });
      txs.push(tx);
      outcomes.push(entry.outcome);
    }

    // Signatures, all of the block at once; the first bad one in order is reported.
    const keys = await this.hooks.signerKeys(txs, header);
    const checks = await Promise.all(
      txs.map((tx, i) => (keys[i] ? verifyTxSignature(tx, keys[i]!).then(() => undefined, (e: unknown) => e) : Promise.resolve('unknown'))),
    );
    for (const [i, problem] of checks.entries()) {
      if (problem === 'unknown') throw at('TX_KEY_UNKNOWN', height, { entry: i, keyId: txs[i]!.header.keyId });
      if (problem) throw at('TX_SIGNATURE_INVALID', height, { entry: i, tx: txs[i]!.hash });
    }

    // Roots: the block's own entries, then the whole log (RFC 9162 §2.1.1).
    const leaves = txs.map((tx, i) => entryLeafHash(this.hash, { tx: tx.hash, outcome: outcomes[i]! }));
    if (toHex(rootOf(this.hash, leaves)) !== header.entriesRoot) throw at('CHAIN_ENTRIES_ROOT_MISMATCH', height, { field: 'header.entriesRoot' });
    if (header.treeSize !== prev.treeSize + leaves.length) throw at('CHAIN_SEQ_MISMATCH', height, { field: 'header.treeSize' });
    const sizeBefore = this.tree.size;
    for (const leaf of leaves) this.tree.append(leaf);
    if (toHex(this.tree.root()) !== header.treeRoot) {
      throw at('CHAIN_TREE_ROOT_MISMATCH', height, { field: 'header.treeRoot', treeSize: header.treeSize, from: sizeBefore });
    }

    // State: re-execute when every body is here; otherwise hash what was recorded.
    let recorded: StateWrite[] | undefined;
    if (block.writes !== undefined) {
      try {
        recorded = sortWrites(block.writes);
      } catch (err) {
        located(err, height);
      }
      if (canonicalJson(recorded.map(([k, v]) => [k, v]), { allowNull: true }) !== canonicalJson(block.writes.map(([k, v]) => [k, v]), { allowNull: true })) {
        throw at('BLOCK_MALFORMED', height, { field: 'writes', reason: 'not sorted' });
      }
    }
    const result = this.hooks.execute && txs.every((tx) => !tx.withheld) ? await this.hooks.execute(txs, header) : undefined;
    if (result) {
      const differs = result.outcomes.findIndex((o, i) => o !== outcomes[i]);
      if (differs >= 0) throw at('CHAIN_OUTCOME_MISMATCH', height, { entry: differs, recorded: outcomes[differs]!, computed: result.outcomes[differs]! });
      const computed = sortWrites(result.writes);
      if (recorded !== undefined) {
        const a = computed.map((w) => canonicalJson([w[0], w[1]], { allowNull: true }));
        const b = recorded.map((w) => canonicalJson([w[0], w[1]], { allowNull: true }));
        const first = a.findIndex((w, i) => w !== b[i]);
        if (first >= 0 || a.length !== b.length) {
          const index = first >= 0 ? first : Math.min(a.length, b.length);
          throw at('CHAIN_WRITES_MISMATCH', height, { write: index, key: String((computed[index] ?? recorded[index])?.[0] ?? '').slice(0, 120) });
        }
      }
      recorded = computed;
    }
    if (recorded !== undefined && changesHashOf(this.hash, recorded) !== header.changesHash) {
      throw at('CHAIN_CHANGES_HASH_MISMATCH', height, { field: 'header.changesHash' });
    }
    const stateDigest = nextStateDigest(this.hash, prev.stateDigest, header.changesHash);
    if (stateDigest !== header.stateDigest) throw at('CHAIN_STATE_DIGEST_MISMATCH', height, { field: 'header.stateDigest' });

    const hashOfBlock = blockHash(this.hash, header);
    await this.checkAttestations(block.attestations, header, hashOfBlock);

    for (const tx of txs) this.seen.add(tx.hash);
    this.headState = { height, blockHash: hashOfBlock, time: header.time, treeSize: header.treeSize, treeRoot: header.treeRoot, stateDigest };
    return this.head;
  }

  private async checkAttestations(attestations: unknown, header: BlockHeader, hashOfBlock: string): Promise<void> {
    const height = header.height;
    if (!Array.isArray(attestations)) throw at('BLOCK_MALFORMED', height, { field: 'attestations' });
    const nodes = new Set<string>();
    for (const [i, raw] of attestations.entries()) {
      let signed: SignedAttestation;
      try {
        signed = parseAttestation(raw);
      } catch (err) {
        located(err, height);
      }
      const a = signed.attestation;
      const expected = { chain: this.chainId, height, blockHash: hashOfBlock, stateDigest: header.stateDigest };
      if (nodes.has(a.nodeId) || (await attestationProblem(signed, this.nodeKeys, expected))) {
        throw at('CHAIN_ATTESTATION_INVALID', height, { attestation: i, nodeId: String(a.nodeId) });
      }
      nodes.add(a.nodeId);
    }
    if (nodes.size < (this.options.minAttestations ?? 0)) {
      throw at('CHAIN_ATTESTATION_INVALID', height, { attestations: nodes.size, required: this.options.minAttestations ?? 0 });
    }
  }
}

/** Verifies a whole chain from a stream of blocks; returns the final head. */
export async function verifyChain(
  hash: SyncHash,
  trustedChainId: string,
  genesis: unknown,
  blocks: AsyncIterable<ChainBlock> | Iterable<ChainBlock>,
  hooks: ChainVerifierHooks,
  options: ChainVerifierOptions = {},
): Promise<ChainHead> {
  const verifier = await ChainVerifier.create(hash, trustedChainId, genesis, hooks, options);
  for await (const block of blocks) await verifier.verifyBlock(block);
  return verifier.head;
}
