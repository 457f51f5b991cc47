/**
 * The embedded ledger engine (DESIGN §5, §7, §8): transactions go in through
 * admission, an orderer cuts them into batches, and each batch becomes one
 * block committed in one durable SQLite transaction (entries, bodies, Merkle
 * nodes, block, attestation, state writes, audit and directory indexes) by the
 * writer thread, while this thread builds the next block. A submitter's
 * promise settles only after that commit, with the outcome and an inclusion
 * proof.
 */
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  canonicalJson, decodePem, exportPem, generateKeyPair, importPem, keyId as keyIdOf, toBase64url, toHex, utf8, isDhlError,
} from '../crypto/index.ts';
import {
  applyBatch, auditSubjects, directoryAccess, genesisWrites, OK, type BlockContext, type DirectoryResult, type Json,
} from '../contract/index.ts';
import {
  buildBlock, chainIdOf, MerkleTree, parseGenesis, parseTx, signAttestation, verifyTxSignature, type ChainHead, type Genesis, type ParsedTx,
  initialStateDigest, rootOf, type BlockHeader, type StateWrite,
} from '../ledger/index.ts';
import { SoloOrderer, type Clock, type Orderer, type SoloOptions, systemClock } from '../ordering/index.ts';
import { nodeError } from './errors.ts';
import { KeyCache, precheckTx } from './precheck.ts';
import { inTransaction, openDatabase, SCHEMA_VERSION } from './sqlite.ts';
import { MERKLE_NODE_INSERT, SqliteMerkleStore, SqliteStateView } from './sqlite-stores.ts';
import { SqliteWriter, WriteBatch } from './sqlite-writer.ts';
import { genesisInput } from './genesis-input.ts';
import { DirectoryIndex, type DirectoryPage } from './directory-index.ts';
import { BlobStore, type ExpectedBlob, type PutOptions, type PutResult } from './blob-store.ts';
import { admissionJson, directoryQuery, type PageOptions } from './admission-input.ts';

export const sha256 = (data: Uint8Array): Uint8Array => hash('sha256', data, 'buffer');

export const DB_FILE = 'ledger.sqlite';
export const NODE_KEY_FILE = 'node-key.pem';
/** State rows the node keeps parsed-ready in memory, per cache generation (two generations). */
const STATE_CACHE_GENERATION = 32_768;
/** Blocks built ahead of the last durable one: the next block is built while the writer commits. */
const MAX_BLOCKS_WRITING = 3;
/** What a block writes; run by the writer thread. */
const SQL = Object.freeze({
  insertEntry: 'INSERT INTO entries (seq, height, tx_hash, outcome, type, actor, header, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  insertBody: 'INSERT INTO bodies (seq, body) VALUES (?, ?)',
  insertBlock: 'INSERT INTO blocks (height, hash, time, first_seq, entry_count, header) VALUES (?, ?, ?, ?, ?, ?)',
  insertWrite: 'INSERT INTO block_writes (height, key, value) VALUES (?, ?, ?)',
  upsertState: 'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  deleteState: 'DELETE FROM state WHERE key = ?',
  insertAttestation: 'INSERT INTO attestations (height, node_id, attestation) VALUES (?, ?, ?)',
  insertAudit: 'INSERT OR IGNORE INTO audit (subject, seq) VALUES (?, ?)',
  insertBlob: 'INSERT OR IGNORE INTO blobs (cipher_root, stored_size, chunk_size, chunk_hashes) VALUES (?, ?, ?, ?)',
});
/** Blocks whose transaction hashes admission can check in memory (at least this many, at most twice). */
const RECENT_BLOCKS = 64;

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
  ordering?: Omit<SoloOptions, 'clock' | 'startSeq'>;
  /** Transactions admitted but not yet committed; past it, submit() is NODE_OVERLOADED. */
  maxInFlight?: number;
  /** The same, per actor: one user cannot fill the queue for everyone (ACTOR_RATE_LIMITED). */
  maxInFlightPerActor?: number;
  /** Instrumentation: a file descriptor that gets "B"/"C" lines around each write transaction (the crash test). */
  traceWritesToFd?: number;
}

interface Waiter {
  resolve: (r: SubmitResult) => void;
  reject: (e: unknown) => void;
  promise: Promise<SubmitResult>;
}

/** Writes the genesis (block 0) into a new data directory, with the node's key pair. */
export async function initDataDir(dataDir: string, genesis: Genesis): Promise<{ chainId: string }> {
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, DB_FILE);
  if (existsSync(dbPath)) throw nodeError('NODE_ALREADY_INITIALISED', { dataDir });
  const parsed = parseGenesis(genesis);
  const chainId = chainIdOf(sha256, parsed);
  const db = openDatabase(dbPath);
  try {
    const writes = genesisWrites(await genesisInput(parsed));
    inTransaction(db, () => {
      const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      meta.run('schema', String(SCHEMA_VERSION));
      meta.run('genesis', canonicalJson(parsed));
      meta.run('chain', chainId);
      const put = db.prepare('INSERT INTO state (key, value) VALUES (?, ?)');
      for (const [key, value] of writes) put.run(key, JSON.stringify(value));
    });
  } finally {
    db.close();
  }
  return { chainId };
}

/** Makes a node key pair for a new organisation node: the public half goes into the genesis. */
export async function createNodeKey(dataDir: string): Promise<{ sigSpki: string; keyId: string }> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, NODE_KEY_FILE);
  if (existsSync(path)) throw nodeError('NODE_ALREADY_INITIALISED', { file: NODE_KEY_FILE });
  const pair = await generateKeyPair('sig');
  writeFileSync(path, await exportPem(pair.privateKey), { mode: 0o600 });
  writeFileSync(join(dataDir, 'node-key.public.pem'), await exportPem(pair.publicKey));
  return { sigSpki: toBase64url(decodePem('public', await exportPem(pair.publicKey))), keyId: await keyIdOf(pair.publicKey) };
}

/** Chunk hashes as one BLOB of 32-byte values (a 1 GiB blob: 32 KiB). */
export function packHashes(hashes: readonly string[]): Uint8Array {
  const out = new Uint8Array(hashes.length * 32);
  hashes.forEach((h, i) => out.set(Buffer.from(h, 'hex'), i * 32));
  return out;
}

export function unpackHashes(packed: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 32 <= packed.length; i += 32) out.push(Buffer.from(packed.subarray(i, i + 32)).toString('hex'));
  return out;
}

export class LedgerNode {
  readonly chainId: string;
  readonly genesis: Genesis;
  private readonly state: SqliteStateView;
  private readonly directoryIndex: DirectoryIndex;
  private readonly tree: MerkleTree;
  private readonly keys = new KeyCache();
  private readonly waiters = new Map<string, Waiter>();
  private readonly orderer: Orderer & { flush?: () => void };
  /** The head of the last block built; blocks after `committedHead` are still being written. */
  private headState: ChainHead;
  /** The head of the last durable block: what answers and `head` report. */
  private committedHead: ChainHead;
  private readonly merkleStore: SqliteMerkleStore;
  private readonly writer: SqliteWriter;
  /** Blocks handed to the writer and not yet durable, oldest first. */
  private readonly writing: Promise<void>[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;
  private readonly stmts: Record<string, StatementSync>;
  private readonly maxInFlight: number;
  /** Ciphertext blobs, content-addressed by cipherRoot (DESIGN §8). */
  readonly blobs: BlobStore;
  private readonly maxInFlightPerActor: number;
  private readonly inFlightByActor = new Map<string, number>();
  /** Proposal bytes → the transaction already parsed and checked at admission. */
  private readonly proposed = new WeakMap<Uint8Array, ParsedTx>();
  /** Hashes of the transactions of the last RECENT_BLOCKS or more committed blocks. */
  private recent = { young: new Set<string>(), old: new Set<string>(), youngBlocks: 0 };
  private committedBlocks = 0;
  /** Hashes of the transactions in blocks built but not yet durable. */
  private readonly unwritten = new Set<string>();

  private constructor(
    /** This thread's connection: reads only (the writer thread has its own). */
    private readonly db: DatabaseSync,
    readonly dataDir: string,
    private readonly nodeKey: { nodeId: string; keyId: string; privateKey: CryptoKey },
    options: NodeOptions,
  ) {
    const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const genesisText = meta('genesis');
    if (!genesisText) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
    this.genesis = parseGenesis(JSON.parse(genesisText));
    this.chainId = chainIdOf(sha256, this.genesis);
    this.state = new SqliteStateView(db, { cacheGeneration: STATE_CACHE_GENERATION });
    this.directoryIndex = new DirectoryIndex(db);
    this.stmts = {
      lastBlock: db.prepare('SELECT header, hash FROM blocks ORDER BY height DESC LIMIT 1'),
      entryByHash: db.prepare('SELECT seq, height, outcome FROM entries WHERE tx_hash = ?'),
      blockByHeight: db.prepare('SELECT header, hash FROM blocks WHERE height = ?'),
    };
    const last = this.stmts.lastBlock!.get() as { header: string; hash: string } | undefined;
    if (last) {
      const h = JSON.parse(last.header) as BlockHeader;
      this.headState = { height: h.height, blockHash: last.hash, time: h.time, treeSize: h.treeSize, treeRoot: h.treeRoot, stateDigest: h.stateDigest };
    } else {
      this.headState = {
        height: 0, blockHash: this.chainId, time: this.genesis.time, treeSize: 0, treeRoot: toHex(rootOf(sha256, [])), stateDigest: initialStateDigest(sha256, this.chainId),
      };
    }
    this.committedHead = this.headState;
    this.merkleStore = new SqliteMerkleStore(db, { deferred: true });
    this.tree = new MerkleTree(sha256, { store: this.merkleStore, size: this.headState.treeSize });
    this.blobs = new BlobStore(dataDir);
    this.writer = new SqliteWriter(join(dataDir, DB_FILE), { traceFd: options.traceWritesToFd });
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.maxInFlightPerActor = options.maxInFlightPerActor ?? 1_000;
    this.orderer = new SoloOrderer({ ...options.ordering, clock: options.clock ?? systemClock, maxPending: this.maxInFlight, startSeq: 0 });
  }

  /** Opens an initialised data directory and starts applying batches. */
  static async open(dataDir: string, options: NodeOptions = {}): Promise<LedgerNode> {
    const dbPath = join(dataDir, DB_FILE);
    if (!existsSync(dbPath)) throw nodeError('NODE_NOT_INITIALISED', { dataDir });
    const db = openDatabase(dbPath);
    let node: LedgerNode | undefined;
    try {
      const genesis = parseGenesis(JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'genesis'").get() as { value: string }).value));
      const pem = readFileSync(join(dataDir, NODE_KEY_FILE), 'utf8');
      const privateKey = await importPem('sig', pem);
      const publicPem = readFileSync(join(dataDir, 'node-key.public.pem'), 'utf8');
      const keyId = await keyIdOf(await importPem('sig', publicPem));
      const nodeId = genesis.orgs.flatMap((o) => o.nodes).find((n) => n.sigSpki === toBase64url(decodePem('public', publicPem)))?.nodeId;
      if (!nodeId) throw nodeError('NODE_NOT_INITIALISED', { reason: 'node key not in genesis' });
      node = new LedgerNode(db, dataDir, { nodeId, keyId, privateKey }, options);
      await node.blobs.sweepTmp();
      node.loop = node.applyLoop();
      return node;
    } catch (err) {
      // Once constructed, the node owns the connection and the writer thread.
      if (node) await node.close();
      else db.close();
      throw err;
    }
  }

  /** The head of the last durable block. */
  get head(): ChainHead {
    return { ...this.committedHead };
  }

  get inFlight(): number {
    return this.waiters.size;
  }

  /** Current contract state (read-only). */
  get view(): SqliteStateView {
    return this.state;
  }

  /**
   * Admits a transaction (DESIGN §5) and resolves once its block is durable.
   * Garbage is refused here with a typed error and never ledgered; a
   * transaction already in the log returns its recorded outcome.
   */
  async submit(input: unknown): Promise<SubmitResult> {
    this.assertRunning();
    const tx = parseTx(sha256, admissionJson(input, this.genesis.params.maxTxBytes), { chain: this.chainId });
    if (tx.withheld) throw nodeError('TX_NOT_JSON', { reason: 'withheld transactions are not submitted' });
    const recorded = this.recorded(tx.hash);
    if (recorded) return recorded;
    const pending = this.waiters.get(tx.hash);
    if (pending) return pending.promise;
    if (this.waiters.size >= this.maxInFlight) throw nodeError('NODE_OVERLOADED', { inFlight: this.waiters.size });

    const blocksBefore = this.committedBlocks;
    const signer = await precheckTx(tx, this.state, this.keys);
    await verifyTxSignature(tx, signer);
    this.assertRunning();
    // Re-check after the awaits: another submission of the same bytes may have won.
    const waiting = this.waiters.get(tx.hash)?.promise;
    if (waiting) return waiting;
    if (this.committedSince(tx.hash, blocksBefore)) return this.recorded(tx.hash)!;
    if (this.waiters.size >= this.maxInFlight) throw nodeError('NODE_OVERLOADED', { inFlight: this.waiters.size });
    const actor = tx.header.actor;
    const actorInFlight = this.inFlightByActor.get(actor) ?? 0;
    if (actorInFlight >= this.maxInFlightPerActor) throw nodeError('ACTOR_RATE_LIMITED', { inFlight: actorInFlight });
    this.inFlightByActor.set(actor, actorInFlight + 1);
    const release = () => {
      const n = (this.inFlightByActor.get(actor) ?? 1) - 1;
      if (n <= 0) this.inFlightByActor.delete(actor);
      else this.inFlightByActor.set(actor, n);
    };
    let waiter!: Waiter;
    const promise = new Promise<SubmitResult>((resolve, reject) => (waiter = { resolve, reject, promise: undefined as never }));
    waiter.promise = promise;
    this.waiters.set(tx.hash, waiter);
    promise.then(release, release);
    try {
      // The proposal is the transaction's canonical JSON, assembled from the canonical parts parsed at admission.
      const item = utf8.encode(`{"body":${tx.bodyJson!},"header":${tx.headerJson},"sig":"${tx.sig}"}`);
      this.proposed.set(item, tx);
      await this.orderer.propose(item);
    } catch (err) {
      this.waiters.delete(tx.hash);
      release();
      if (isDhlError(err, 'ORDERING_OVERLOADED')) throw nodeError('NODE_OVERLOADED', { inFlight: this.waiters.size });
      throw err;
    }
    return promise;
  }

  /**
   * Stores an uploaded envelope, verified chunk by chunk against the announced
   * hashes, and records it (upload precedes AddRecord, DESIGN §8).
   */
  async putBlob(expected: ExpectedBlob, source: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    this.assertRunning();
    const result = await this.blobs.put(expected, source, options);
    const batch = new WriteBatch();
    batch.run(SQL.insertBlob, result.cipherRoot, result.storedSize, result.header.chunkSize, packHashes(result.chunkHashes));
    await this.writer.write(batch);
    return result;
  }

  /**
   * One page of `patient`'s directory as `viewer` may see it (contract
   * `directoryAccess`): all records for the patient, listed ones for a doctor.
   */
  directory(viewer: string, patient: string, page: PageOptions = {}): (DirectoryResult & { ok: false }) | ({ ok: true } & DirectoryPage) {
    const q = directoryQuery(viewer, patient, page);
    const access = directoryAccess(this.state, q.viewer, q.patient);
    return access.ok ? { ok: true, ...this.directoryIndex.page(q.patient, access.own, q.page) } : access;
  }

  /** Was `txHash` committed in a block after the first `blocksBefore`? In memory while those blocks are recent. */
  private committedSince(txHash: string, blocksBefore: number): boolean {
    if (this.committedBlocks === blocksBefore) return false;
    if (this.committedBlocks - blocksBefore <= RECENT_BLOCKS) return this.recent.young.has(txHash) || this.recent.old.has(txHash);
    return this.stmts.entryByHash!.get(txHash) !== undefined;
  }

  private rememberCommitted(txs: readonly ParsedTx[]): void {
    if (this.recent.youngBlocks >= RECENT_BLOCKS) this.recent = { young: new Set(), old: this.recent.young, youngBlocks: 0 };
    for (const tx of txs) this.recent.young.add(tx.hash);
    this.recent.youngBlocks++;
    this.committedBlocks++;
  }

  /** The recorded outcome and proof of a transaction already in the log. */
  recorded(txHash: string): SubmitResult | undefined {
    const row = this.stmts.entryByHash!.get(txHash) as { seq: number; height: number; outcome: string } | undefined;
    if (!row) return undefined;
    return this.resultFor(txHash, row.seq, row.height, row.outcome, true);
  }

  private resultFor(txHash: string, seq: number, height: number, outcome: string, duplicate: boolean, blockHashKnown?: string): SubmitResult {
    const head = this.committedHead;
    const blockHashOf = blockHashKnown ?? (this.stmts.blockByHeight!.get(height) as { hash: string }).hash;
    return {
      txHash, outcome, height, seq, blockHash: blockHashOf, treeSize: head.treeSize, treeRoot: head.treeRoot,
      proof: this.tree.inclusionProof(seq, head.treeSize).map(toHex), duplicate,
    };
  }

  private assertRunning(): void {
    if (this.failure) throw nodeError('NODE_STOPPED', { reason: 'commit failed' }, this.failure);
    if (this.stopped) throw nodeError('NODE_STOPPED');
  }

  private async applyLoop(): Promise<void> {
    try {
      for await (const batch of this.orderer.batches(0)) {
        if (this.failure) break;
        await this.commitBatch(batch.time, batch.items);
      }
      await Promise.all(this.writing);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * A failed write leaves the in-memory tree and state ahead of the database:
   * stop, and let a restart reopen from what is durable.
   */
  private fail(err: unknown): void {
    this.failure ??= err;
    for (const waiter of this.waiters.values()) waiter.reject(nodeError('NODE_STOPPED', { reason: 'commit failed' }, err));
    this.waiters.clear();
  }

  /**
   * Applies a batch through the contract, builds its block and hands the rows
   * to the writer thread; the submitters' promises settle when it is durable.
   * Building the next block overlaps this one's COMMIT (at most
   * MAX_BLOCKS_WRITING at a time); the next block reads this one's writes from
   * the state view's and Merkle store's unflushed values.
   */
  private async commitBatch(time: number, items: readonly Uint8Array[]): Promise<void> {
    const txs: ParsedTx[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      // Items this node proposed come back as the same objects: no need to parse them twice, and admission
      // saw them neither logged nor waiting (a waiting hash is never proposed again; solo orders only ours).
      const own = this.proposed.get(item);
      const tx = own ?? parseTx(sha256, JSON.parse(utf8.decode(item)), { chain: this.chainId });
      // A transaction already in the log, durable or still being written (or twice in one batch), adds nothing.
      if (seen.has(tx.hash) || (!own && (this.unwritten.has(tx.hash) || this.stmts.entryByHash!.get(tx.hash)))) continue;
      seen.add(tx.hash);
      txs.push(tx);
    }
    if (txs.length === 0) return;
    const prev = this.headState;
    const height = prev.height + 1;
    const context: BlockContext = { chain: this.chainId, height, time: Math.max(time, prev.time), params: this.genesis.params };
    const { outcomes, writes, after } = applyBatch(this.state, txs, context);
    const entries = txs.map((tx, i) => ({ tx: tx.hash, outcome: outcomes[i]! }));
    this.merkleStore.height = height;
    const built = buildBlock(sha256, this.tree, prev, { chain: this.chainId, time: context.time, entries, writes: writes as StateWrite[] });
    const h = built.header;
    this.headState = built.head;
    for (const tx of txs) this.unwritten.add(tx.hash);
    for (const [key, value] of built.writes) this.state.written(key, value === null ? null : JSON.stringify(value as Json), height);
    const attestation = await signAttestation(
      { chain: this.chainId, height, blockHash: built.blockHash, stateDigest: h.stateDigest, nodeId: this.nodeKey.nodeId, keyId: this.nodeKey.keyId, alg: 'PS256' },
      this.nodeKey.privateKey,
    );

    // One write transaction: the block, its entries, bodies, audit rows, writes, state, indexes and attestation.
    const batch = new WriteBatch();
    batch.run(SQL.insertBlock, height, built.blockHash, h.time, h.firstSeq, h.entryCount, canonicalJson(h));
    txs.forEach((tx, i) => {
      const seq = h.firstSeq + i;
      batch.run(SQL.insertEntry, seq, height, tx.hash, outcomes[i]!, tx.header.type, tx.header.actor, tx.headerJson, tx.sig);
      batch.run(SQL.insertBody, seq, tx.bodyJson!);
    });
    txs.forEach((tx, i) => {
      const seq = h.firstSeq + i;
      const subjects = auditSubjects(tx, outcomes[i] === OK ? { ok: true } : { ok: false, code: outcomes[i] as never }, after);
      for (const u of subjects.users) batch.run(SQL.insertAudit, `u:${u}`, seq);
      for (const r of subjects.records) batch.run(SQL.insertAudit, `r:${r}`, seq);
    });
    for (const [key, value] of built.writes) batch.run(SQL.insertWrite, height, key, value === null ? null : canonicalJson(value, { allowNull: true }));
    for (const [key, value] of built.writes) {
      if (value === null) batch.run(SQL.deleteState, key);
      else batch.run(SQL.upsertState, key, JSON.stringify(value as Json));
    }
    for (const row of this.merkleStore.takeNewRows()) batch.run(MERKLE_NODE_INSERT, ...row);
    this.directoryIndex.applyWrites(after, built.writes, batch);
    batch.run(SQL.insertAttestation, height, this.nodeKey.nodeId, canonicalJson(attestation));

    const durable = this.writer.write(batch).then(() => {
      this.state.flushed(height);
      this.merkleStore.flushed(height);
      this.committedHead = built.head;
      this.rememberCommitted(txs);
      for (const tx of txs) this.unwritten.delete(tx.hash);
      txs.forEach((tx, i) => {
        const waiter = this.waiters.get(tx.hash);
        if (!waiter) return;
        this.waiters.delete(tx.hash);
        waiter.resolve(this.resultFor(tx.hash, h.firstSeq + i, height, outcomes[i]!, false, built.blockHash));
      });
    });
    this.writing.push(durable);
    durable.then(
      () => void this.writing.splice(this.writing.indexOf(durable), 1),
      (err) => this.fail(err),
    );
    while (this.writing.length >= MAX_BLOCKS_WRITING && !this.failure) await Promise.race(this.writing).catch(() => undefined);
    if (this.failure) throw this.failure;
  }

  /** Cuts any waiting batch now (tests use it with a manual clock). */
  flush(): void {
    this.orderer.flush?.();
  }

  /** Stops accepting, commits what was ordered, and closes the database. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.orderer.close();
    await this.loop;
    for (const waiter of this.waiters.values()) waiter.reject(nodeError('NODE_STOPPED'));
    this.waiters.clear();
    await this.writer.close();
    this.db.close();
  }
}
