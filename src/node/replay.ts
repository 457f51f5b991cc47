/**
 * Replaying verification shared by `verify` over a data directory and over an
 * export: the ledger's chain verifier, with the contract re-executed over the
 * replayed state (in memory, or a scratch database for a whole data directory
 * or export) wherever every body of a block is present. Where a body is
 * withheld, the block's recorded writes (checked against changesHash) carry
 * the state forward, so later signatures can still be checked.
 */
import { acceptedKeyWrites, genesisWrites, MemoryStateView, OK, type Json, type StateView } from '../contract/index.ts';
import { ChainVerifier, ledgerError, sortWrites, type ChainBlock, type ChainHead, type ExecutionResult, type Genesis, type ParsedTx, type StateWrite } from '../ledger/index.ts';
import { DhlError } from '../crypto/index.ts';
import { genesisInput } from './genesis-input.ts';
import { KeyCache, precheckTx } from '../contract/index.ts';
import { sha256 } from './hash.ts';
import { nodeError } from './errors.ts';
import { applyTransactions } from './block-executor.ts';

export interface ReplayOptions {
  /** Whether bodies may be withheld (exports: yes; a node's own data directory: no). */
  allowWithheld: boolean;
  minAttestations?: number;
  /** Where the replayed state lives; empty when given. Default: in memory. */
  state?: ReplayState;
}

/** A state the replay can read and apply each verified block's writes to. */
export interface ReplayState extends StateView {
  apply(writes: Iterable<StateWrite>): void;
  readonly size: number;
}

/**
 * Recorded writes over a state, for key look-ups only. Not the contract's
 * OverlayView: that one validates what it is given and would throw an untyped
 * error on a malformed export before the verifier reaches its typed check of
 * the writes (step 5).
 */
class WritesView implements StateView {
  constructor(private readonly base: StateView, private readonly writes: Map<string, Json | null>) {}
  get(key: string): Json | undefined {
    if (this.writes.has(key)) return this.writes.get(key) ?? undefined;
    return this.base.get(key);
  }
}

export class ReplayVerifier {
  readonly state: ReplayState;
  private readonly keys = new KeyCache();
  private current: ChainBlock | undefined;
  private stash: ExecutionResult | undefined;
  private applied: readonly StateWrite[] = [];
  /** The signers' `key/` writes of a block whose state writes are withheld, taken from its identity bodies. */
  private identityWrites: readonly StateWrite[] | undefined;
  /**
   * The first block after which the replayed state is no longer the chain's
   * (a block with a withheld body and no state writes); undefined while it is.
   * From there on the state holds only the keys identity bodies register.
   */
  private withheldFrom: number | undefined;

  private constructor(private readonly chain: ChainVerifier, state: ReplayState) {
    this.state = state;
  }

  static async create(trustedChainId: string, genesis: Genesis, options: ReplayOptions): Promise<ReplayVerifier> {
    const state = options.state ?? new MemoryStateView();
    state.apply(genesisWrites(await genesisInput(genesis)));
    let self: ReplayVerifier | undefined;
    const chain = await ChainVerifier.create(
      sha256,
      trustedChainId,
      genesis,
      {
        signerKeys: (txs) => self!.signerKeys(txs),
        execute: () => self!.stash,
        bodyMayBeWithheld: () => options.allowWithheld,
      },
      { minAttestations: options.minAttestations ?? 0 },
    );
    self = new ReplayVerifier(chain, state);
    return self;
  }

  get head(): ChainHead {
    return this.chain.head;
  }

  get chainId(): string {
    return this.chain.chainId;
  }

  /** A consistency proof from the tree of `size1` leaves to the log verified so far. */
  consistencyProof(size1: number): Uint8Array[] {
    return this.chain.consistencyProof(size1);
  }

  /** The state writes of the last verified block, sorted: re-executed, or recorded where bodies are withheld. */
  get lastWrites(): readonly StateWrite[] {
    return this.applied;
  }

  get genesis(): Genesis {
    return this.chain.genesis;
  }

  /** The height from which the state was withheld (no state writes beside a withheld body); undefined when it was replayed in full. */
  get stateWithheldFrom(): number | undefined {
    return this.withheldFrom;
  }

  async verifyBlock(block: ChainBlock): Promise<ChainHead> {
    this.current = block;
    this.stash = undefined;
    this.identityWrites = undefined;
    const head = await this.chain.verifyBlock(block);
    // The block verified: its writes (re-executed, or recorded and hashed, or
    // without either the keys its identity bodies register) become the state.
    const executed = this.stash as ExecutionResult | undefined;
    this.applied = sortWrites((executed?.writes ?? block.writes ?? this.identityWrites ?? []) as StateWrite[]);
    if (!executed && block.writes === undefined) this.withheldFrom ??= head.height;
    this.state.apply(this.applied);
    return head;
  }

  private async signerKeys(txs: readonly ParsedTx[]): Promise<(CryptoKey | undefined)[]> {
    const height = this.chain.head.height + 1;
    const keys: (CryptoKey | undefined)[] = [];
    // Re-execution needs the whole state before the block: known until a block without state writes withheld a body.
    if (this.withheldFrom === undefined && txs.every((tx) => !tx.withheld)) {
      // Re-execute in order, as the executor does: each transaction's precheck sees the state its predecessors left.
      const context = { chain: this.chain.chainId, height, time: this.current!.header.time, params: this.genesis.params };
      const block = await applyTransactions(this.state, context, txs, async (tx, view, i) => {
        keys.push(await this.precheck(tx, view, height, i));
        return tx;
      });
      this.stash = { outcomes: block.entries.map((e) => e.outcome), writes: block.after.writes() as StateWrite[] };
      return keys;
    }
    const block = this.current!;
    if (block.writes !== undefined) {
      // Some body is withheld: keys come from the state and this block's recorded writes.
      const recorded = new Map<string, Json | null>(block.writes.map(([k, v]) => [k, v as Json | null]));
      const view = new WritesView(this.state, recorded);
      for (const [i, tx] of txs.entries()) {
        keys.push(tx.withheld ? await this.keyFromState(view, tx) : await this.precheck(tx, view, height, i));
      }
      return keys;
    }
    // No state writes either: each signer's key comes from the identity bodies
    // seen so far, this block's earlier ones included, in log order.
    const registered = new Map<string, Json | null>();
    const view = new WritesView(this.state, registered);
    for (const [i, tx] of txs.entries()) {
      keys.push(tx.withheld ? await this.keyFromState(view, tx) : await this.precheck(tx, view, height, i));
      if (tx.withheld || block.entries[i]!.outcome !== OK) continue;
      const writes = acceptedKeyWrites(tx, block.header.time);
      // An accepted identity transaction with a malformed body: the logged outcome is not the contract's.
      if (!writes) throw ledgerError('CHAIN_OUTCOME_MISMATCH', { height, entry: i, recorded: OK, computed: 'BODY_INVALID' });
      for (const [key, value] of writes) registered.set(key, value as Json);
    }
    this.identityWrites = [...registered.entries()];
    return keys;
  }

  private async precheck(tx: ParsedTx, view: StateView, height: number, entry: number): Promise<CryptoKey | undefined> {
    try {
      return await precheckTx(tx, view, this.keys);
    } catch (err) {
      if (err instanceof DhlError && err.code === 'ADMISSION_KEY_UNKNOWN') return undefined;
      // A transaction admission would have refused is in the log: tampering.
      throw nodeError('DATA_DIR_TAMPERED', { height, entry, reason: err instanceof DhlError ? err.code : 'precheck' }, err);
    }
  }

  private async keyFromState(view: StateView, tx: ParsedTx): Promise<CryptoKey | undefined> {
    const record = view.get(`key/${tx.header.keyId}`) as { use?: string; username?: string; spki?: string } | undefined;
    if (!record || record.use !== 'sig' || record.username !== tx.header.actor || typeof record.spki !== 'string') return undefined;
    return this.keys.get('sig', tx.header.keyId, record.spki);
  }
}
