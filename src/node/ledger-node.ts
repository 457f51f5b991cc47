/**
 * The ledger node (DESIGN §3, "Inside node/"; §5, §7, §8): one path turns
 * transactions into blocks, whoever proposed them —
 *
 *   admission → orderer → block executor → ledger store
 *
 * Admission parses and checks a submission and proposes its canonical bytes
 * to the injected orderer (solo by default); the apply loop reads the ordered
 * batches after the position stored with the last block, the executor turns
 * each into block commits (prechecking every item this node did not admit),
 * the node signs each block's attestation, and the store makes it durable. A
 * submitter's promise settles only after that, with the outcome and an
 * inclusion proof. This file holds no SQL and no signature checks.
 */
import { join } from 'node:path';
import { orgOfNode, signAttestation, type ChainHead, type Genesis, type ParsedTx, type SignedHead } from '../ledger/index.ts';
import { checkAdminRegistration, dryRunBlock, type AdminRegistrationCheck } from './first-run.ts';
import { KeyCache, readState } from '../contract/index.ts';
import { isDhlError } from '../crypto/index.ts';
import { hexList } from './hex.ts';
import { soloOrderer, systemClock, type Clock, type Orderer, type OrdererFactory, type SoloOptions } from '../ordering/index.ts';
import { nodeError } from './errors.ts';
import { sha256 } from './hash.ts';
import { DB_FILE, loadNodeKey, type NodeKey } from './data-dir.ts';
import { Admission, InFlight } from './admission.ts';
import { BlockExecutor, type AdmittedTx, type ExecutedBlock } from './block-executor.ts';
import { guardStorage, SqliteLedgerStore, storageError, type LedgerStore } from './store/index.ts';
import { ReadFacade, type ReadFacadeOptions } from './read-facade.ts';
import { BlobStore, type ExpectedBlob, type PutOptions, type PutResult } from './blob-store.ts';
import { Uploads, type UploadLimits } from './uploads.ts';
import type { UploadRows } from './store/upload-rows.ts';
import type { RefusalSource } from './store/refusal-log.ts';

/** Blocks built ahead of the last durable one: the next block is built while the store commits. */
const MAX_BLOCKS_WRITING = 3;

export interface SubmitResult {
  txHash: string;
  outcome: string;
  height: number;
  seq: number;
  blockHash: string;
  treeSize: number;
  treeRoot: string;
  /** Inclusion proof of the entry in the tree of size `treeSize` (hex hashes). */
  proof: string[];
  /** True when the transaction was already in the log: nothing was added. */
  duplicate: boolean;
}

export interface NodeOptions {
  clock?: Clock;
  /** Options of the default orderer, solo. */
  ordering?: Omit<SoloOptions, 'clock' | 'proposer' | 'log' | 'maxPending'>;
  /** The orderer (DESIGN §7), made when the node opens; default: solo with `ordering`. */
  orderer?: OrdererFactory;
  /** Transactions admitted but not yet committed; past it, submit() is NODE_OVERLOADED. */
  maxInFlight?: number;
  /** The same, per actor: one user cannot fill the queue for everyone (ACTOR_RATE_LIMITED). */
  maxInFlightPerActor?: number;
  /** Instrumentation: a file descriptor that gets "B"/"C" lines around each write transaction (the crash test). */
  traceWritesToFd?: number;
  /** How long one accepted RecordRead opens the ciphertext (read facade). */
  receiptWindowMs?: ReadFacadeOptions['receiptWindowMs'];
  /**
   * Resumable uploads (uploads.ts), with their bookkeeping rows (node-private:
   * the accounts file). Without it the node takes blobs only through putBlob.
   */
  uploads?: UploadOptions;
  /** The node's log of rate-limit trips and failed logins (node-private: the accounts' refusal log), for the admin's view. */
  refusals?: RefusalSource;
}

export interface UploadOptions {
  /** The bookkeeping rows (the accounts file's); without them there are no resumable uploads. */
  rows?: UploadRows;
  limits?: Partial<UploadLimits>;
  /** How often expired uploads are swept. */
  sweepIntervalMs?: number;
}

/** How often expired uploads are swept by default. */
const UPLOAD_SWEEP_MS = 10 * 60_000;
const RECORD_TYPES: ReadonlySet<string> = new Set(['AddRecord', 'AddRecordVersion']);

export class LedgerNode {
  readonly chainId: string;
  readonly genesis: Genesis;
  /** Every read the API serves, decided for its reader (DESIGN §3): there is no other way to the state, log or blobs. */
  readonly reads: ReadFacade;
  /** Resumable uploads, their quotas, expiry and pins (absent when the node was opened without their rows). */
  readonly uploads: Uploads | undefined;
  /** Ciphertext blobs, content-addressed by cipherRoot (DESIGN §8). */
  private readonly blobs: BlobStore;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private readonly inFlightTxs: InFlight<SubmitResult>;
  private readonly admission: Admission<SubmitResult>;
  private readonly executor: BlockExecutor;
  private readonly orderer: Orderer;
  /** Proposal bytes → the transaction admission parsed and checked. */
  private readonly proposed = new WeakMap<Uint8Array, AdmittedTx>();
  /** Blocks handed to the store and not yet durable, oldest first. */
  private readonly writing: Promise<void>[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  private constructor(private readonly store: LedgerStore, readonly dataDir: string, private readonly nodeKey: NodeKey, options: NodeOptions) {
    this.chainId = store.chainId;
    this.genesis = store.genesis;
    this.blobs = new BlobStore(dataDir);
    const clock = options.clock ?? systemClock;
    const org = orgOfNode(this.genesis, nodeKey.nodeId);
    this.reads = new ReadFacade(store, this.blobs, {
      now: () => clock.now(), receiptWindowMs: options.receiptWindowMs, ...(org === undefined ? {} : { org }), ...(options.refusals ? { refusals: options.refusals } : {}),
    });
    const keys = new KeyCache();
    this.inFlightTxs = new InFlight(options.maxInFlight ?? 10_000, options.maxInFlightPerActor ?? 1_000);
    const rows = options.uploads?.rows;
    this.uploads = rows && new Uploads({
      rows, blobs: this.blobs, now: () => clock.now(),
      limits: { pinGraceMs: this.genesis.params.notAfterWindowMs + UPLOAD_SWEEP_MS, ...options.uploads?.limits },
      ledger: {
        chainId: this.chainId, chunkSizeMax: this.genesis.params.chunkSizeMax,
        putBlob: (row) => store.putBlob(row), deleteBlob: (root) => store.deleteBlob(root),
        versionRoot: (recordId, version) => readState.version(store.state, recordId, version)?.manifest.cipherRoot,
        outcomeOf: (txHash) => store.logged(txHash)?.outcome,
      },
    });
    // What admission reads of stored blobs: the upload's row, and the stored file's header chunk (node-local checks).
    // A blob whose expiry has begun is absent to admission.
    const blobs = {
      row: (cipherRoot: string) => (this.uploads?.isExpiring(cipherRoot) ? undefined : store.blob(cipherRoot)),
      header: (cipherRoot: string) => this.blobs.header(cipherRoot),
    };
    this.admission = new Admission(store, this.inFlightTxs, { chainId: this.chainId, params: this.genesis.params, hash: sha256, keys, blobs });
    this.executor = new BlockExecutor({ chainId: this.chainId, genesis: this.genesis, hash: sha256, keys, node: { nodeId: nodeKey.nodeId, keyId: nodeKey.keyId } });
    const factory = options.orderer ?? soloOrderer({ ...options.ordering, clock, maxPending: this.inFlightTxs.max });
    this.orderer = factory({ nodeId: nodeKey.nodeId, afterPosition: store.position, maxBatchItems: this.genesis.params.maxBlockTxs });
  }

  /** Opens an initialised data directory and starts applying batches. */
  static async open(dataDir: string, options: NodeOptions = {}): Promise<LedgerNode> {
    const store = SqliteLedgerStore.open(join(dataDir, DB_FILE), sha256, { traceWritesToFd: options.traceWritesToFd });
    let node: LedgerNode | undefined;
    try {
      node = new LedgerNode(store, dataDir, await loadNodeKey(dataDir, store.genesis), options);
      await node.blobs.sweepTmp();
      node.loop = node.applyLoop();
      node.startSweeping(options.uploads?.sweepIntervalMs ?? UPLOAD_SWEEP_MS);
      return node;
    } catch (err) {
      // Once constructed, the node owns the store (its connection and writer thread).
      if (node) await node.close();
      else await store.close();
      throw err;
    }
  }

  private startSweeping(intervalMs: number): void {
    const uploads = this.uploads;
    if (!uploads) return;
    this.sweeper = setInterval(() => {
      // A failed sweep (a full disk) changes nothing; the next one tries again.
      this.sweeping = this.sweeping.then(() => uploads.sweep()).catch(() => undefined);
    }, intervalMs);
    this.sweeper.unref();
  }

  /** The head of the last durable block. */
  get head(): ChainHead {
    return this.store.head;
  }

  /**
   * The last durable block's signed head (formats §8.8): its header and this
   * node's attestation, for answers to carry (clients keep the heads they
   * saw). Undefined before the first block.
   */
  signedHead(): SignedHead | undefined {
    const block = this.store.signedHead();
    const attestation = block?.attestations.find((a) => a.attestation.nodeId === this.nodeKey.nodeId);
    return block && attestation && { header: block.header, attestation };
  }

  /** A genesis admin's RegisterUser checked as admission will check it (first-run set-up holds these for block 1). */
  checkAdminRegistration(tx: unknown): Promise<AdminRegistrationCheck> {
    return checkAdminRegistration(this.store.state, this.chainId, this.genesis, tx);
  }

  /** The contract's outcomes for these transactions as the next block at `time`, computed without writing anything. */
  dryRunNextBlock(txs: readonly ParsedTx[], time: number): string[] {
    const head = this.store.builtHead;
    return dryRunBlock(this.store.state, this.chainId, this.genesis, txs, { height: head.height + 1, time: Math.max(time, head.time) });
  }

  get inFlight(): number {
    return this.inFlightTxs.size;
  }

  /**
   * Admits a transaction (DESIGN §5) and resolves once its block is durable.
   * Garbage is refused with a typed error and never ledgered; a transaction
   * already in the log returns its recorded outcome.
   */
  submit(input: unknown): Promise<SubmitResult> {
    return guardStorage(this.store.file, () => this.admit(input));
  }

  private async admit(input: unknown): Promise<SubmitResult> {
    this.assertRunning();
    const decision = await this.admission.admit(input);
    this.assertRunning();
    if (decision.kind === 'logged') return this.resultFor(decision.txHash, decision.logged.seq, decision.logged.height, decision.logged.outcome, true);
    if (decision.kind === 'waiting') return decision.promise;
    const { admitted, bytes } = decision;
    this.pinBlob(admitted.tx);
    const promise = this.inFlightTxs.add(admitted.tx);
    try {
      this.proposed.set(bytes, admitted);
      await this.orderer.propose(bytes);
    } catch (err) {
      this.inFlightTxs.reject(admitted.tx.hash, err);
      await promise.catch(() => undefined);
      if (isDhlError(err, 'ORDERING_OVERLOADED')) throw nodeError('NODE_OVERLOADED', { inFlight: this.inFlightTxs.size });
      throw err;
    }
    return promise;
  }

  /**
   * A record version's blob is pinned from admission on (uploads.ts): it
   * cannot expire while its transaction is on the way to a block. Refused
   * when the blob's expiry began after admission checked it.
   */
  private pinBlob(tx: ParsedTx): void {
    if (!this.uploads || !RECORD_TYPES.has(tx.header.type)) return;
    const root = (tx.body as { manifest?: { cipherRoot?: unknown } } | undefined)?.manifest?.cipherRoot;
    if (typeof root === 'string' && !this.uploads.pin(root, tx.hash)) throw nodeError('ADMISSION_BLOB_MISSING', { cipherRoot: root, reason: 'expired' });
  }

  /**
   * Stores an uploaded envelope, verified chunk by chunk against the announced
   * hashes, and records it (upload precedes AddRecord, DESIGN §8).
   */
  async putBlob(expected: ExpectedBlob, source: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    this.assertRunning();
    const result = await this.blobs.put(expected, source, options);
    await this.store.putBlob({ cipherRoot: result.cipherRoot, storedSize: result.storedSize, chunkSize: result.header.chunkSize, chunkHashes: result.chunkHashes });
    return result;
  }

  /** The recorded outcome and proof of a transaction already in the log. */
  recorded(txHash: string): SubmitResult | undefined {
    const row = this.store.logged(txHash);
    return row && this.resultFor(txHash, row.seq, row.height, row.outcome, true);
  }

  private resultFor(txHash: string, seq: number, height: number, outcome: string, duplicate: boolean, blockHash?: string): SubmitResult {
    const head = this.store.head;
    return {
      txHash, outcome, height, seq, blockHash: blockHash ?? this.store.blockHashAt(height)!, treeSize: head.treeSize, treeRoot: head.treeRoot,
      proof: hexList(this.store.inclusionProof(seq, head.treeSize)), duplicate,
    };
  }

  private assertRunning(): void {
    if (isDhlError(this.failure, 'NODE_DATABASE_CORRUPT')) throw this.failure;
    if (this.failure) throw nodeError('NODE_STOPPED', { reason: 'commit failed' }, this.failure);
    if (this.stopped) throw nodeError('NODE_STOPPED');
  }

  private async applyLoop(): Promise<void> {
    try {
      for await (const batch of this.orderer.batches(this.store.position)) {
        if (this.failure) break;
        const items = batch.items.map((bytes) => ({ bytes, admitted: this.proposed.get(bytes) }));
        for await (const block of this.executor.blocks(this.store, { position: batch.position, time: batch.time, items })) {
          await this.commit(block);
        }
        if (this.executor.ownDuplicates.length > 0) await this.answerDuplicates(this.executor.ownDuplicates);
      }
      await Promise.all(this.writing);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Signs the block's attestation and hands it to the store; the submitters'
   * promises settle when it is durable. The next block is built while this one
   * commits (at most MAX_BLOCKS_WRITING at a time).
   */
  private async commit(block: ExecutedBlock): Promise<void> {
    const attestation = await signAttestation(block.attestation, this.nodeKey.privateKey);
    const { header: h, blockHash } = block;
    const durable = this.store.append({ ...block, attestation }).then(() => {
      block.entries.forEach(({ tx, outcome }, i) => this.inFlightTxs.settle(tx.hash, () => this.resultFor(tx.hash, h.firstSeq + i, h.height, outcome, false, blockHash)));
    });
    this.writing.push(durable);
    durable.then(
      () => void this.writing.splice(this.writing.indexOf(durable), 1),
      (err) => this.fail(err),
    );
    while (this.writing.length >= MAX_BLOCKS_WRITING && !this.failure) await Promise.race(this.writing).catch(() => undefined);
    if (this.failure) throw this.failure;
  }

  /** Own submissions another node ordered first: answered with the recorded outcome once it is durable. */
  private async answerDuplicates(hashes: readonly string[]): Promise<void> {
    await Promise.all(this.writing);
    for (const hash of hashes) {
      const row = this.store.logged(hash);
      if (row) this.inFlightTxs.settle(hash, () => this.resultFor(hash, row.seq, row.height, row.outcome, true));
    }
  }

  /**
   * A failed write leaves the in-memory tree and state ahead of the database:
   * stop, and let a restart reopen from what is durable.
   */
  private fail(err: unknown): void {
    this.failure ??= storageError(err, this.store.file);
    // A damaged file is said as such (and named); any other failure stops the node.
    const failure = this.failure;
    this.inFlightTxs.rejectAll(() => (isDhlError(failure, 'NODE_DATABASE_CORRUPT') ? failure : nodeError('NODE_STOPPED', { reason: 'commit failed' }, err)));
  }

  /** Cuts any waiting batch now (tests use it with a manual clock). */
  flush(): void {
    this.orderer.flush();
  }

  /** Stops accepting, commits what was ordered, and closes the store. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.uploads?.close();
    await this.orderer.close();
    await this.loop;
    this.inFlightTxs.rejectAll(() => nodeError('NODE_STOPPED'));
    await this.store.close();
  }
}
