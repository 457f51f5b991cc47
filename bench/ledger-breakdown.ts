/**
 * Per-transaction CPU breakdown of a durable append, stage by stage, on a copy
 * of the bench's data directory: a step-for-step replica of what
 * `LedgerNode.submit` (admission) and `LedgerNode.commitBatch` (one SQLite
 * transaction per block) do, with a timer around each step, over transactions
 * the node has not seen, in blocks of the size the node cut at its best rate.
 * Keep it in step with src/node/ledger-node.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { join } from 'node:path';
import { canonicalJson, concatBytes, fromBase64url, importPem, keyId as keyIdOf, toHex, utf8, canonicalBytes } from '../src/crypto/index.ts';
import { applyBatch, auditSubjects, OK, type Json, type StateView } from '../src/contract/index.ts';
import {
  buildBlock, MerkleTree, MemoryNodeStore, parseGenesis, parseTx, signAttestation, txSigningBytes, verifyTxSignature, chainIdOf,
  type BlockHeader, type ChainHead, type MerkleNodeStore, type ParsedTx, type StateWrite,
} from '../src/ledger/index.ts';
import { DB_FILE, KeyCache, NODE_KEY_FILE, precheckTx, sha256 } from '../src/node/index.ts';
import { openDatabase } from '../src/node/sqlite.ts';
import { SqliteMerkleStore, SqliteStateView } from '../src/node/sqlite-stores.ts';
import { performance as perfHooks } from 'node:perf_hooks';
import { round } from './util.ts';

class Timers {
  readonly ms = new Map<string, number>();
  add(name: string, ms: number): void {
    this.ms.set(name, (this.ms.get(name) ?? 0) + ms);
  }
  time<T>(name: string, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.add(name, performance.now() - start);
    }
  }
  async timeAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - start);
    }
  }
  get(name: string): number {
    return this.ms.get(name) ?? 0;
  }
}

/** Reads through to `base` once per key, then from memory: the contract's cost without SQLite. */
class CachedView implements StateView {
  private readonly cache = new Map<string, Json | undefined>();
  constructor(private readonly base: StateView) {}
  get(key: string): Json | undefined {
    if (!this.cache.has(key)) this.cache.set(key, this.base.get(key));
    return this.cache.get(key);
  }
}

/** New nodes in memory, old ones from SQLite: block building's hashing without the Merkle writes. */
class ShadowStore implements MerkleNodeStore {
  private readonly mem = new MemoryNodeStore();
  constructor(private readonly base: MerkleNodeStore) {}
  get(level: number, index: number): Uint8Array | undefined {
    return this.mem.get(level, index) ?? this.base.get(level, index);
  }
  set(level: number, index: number, hash: Uint8Array): void {
    this.mem.set(level, index, hash);
  }
}

export interface BreakdownResult {
  txs: number;
  blockSize: number;
  /** µs per transaction by step, as timed. */
  stepsUsPerTx: Record<string, number>;
  /** µs per transaction by kind of work, and share of the total. */
  categories: Record<string, { usPerTx: number; share: number; where: string }>;
  totalUsPerTx: number;
  /** Work on the JS main thread (everything but the thread-pool crypto and the writer thread). */
  mainThreadUsPerTx: number;
  /** The writer thread's statements and COMMIT (incl. waiting for fsync). */
  writerThreadUsPerTx: number;
  threadPoolUsPerTx: number;
  ceilings: { mainThreadTxPerSec: number; writerThreadTxPerSec: number; cpuBoundTxPerSec: number; cores: number };
  /** Each block's COMMIT: the WAL fsync, and now and then a checkpoint into the database file. */
  commitMsPerBlock: { blocks: number; p50: number; p90: number; max: number };
}

/**
 * Runs the replica over `texts` (signed, not yet in the chain) in blocks of
 * `blockSize`; the copy of `dataDir` is deleted afterwards.
 */
export async function breakdown(dataDir: string, texts: string[], blockSize: number, cores: number): Promise<BreakdownResult> {
  const copy = mkdtempSync(join(tmpdir(), 'dhl-bench-breakdown-'));
  cpSync(dataDir, copy, { recursive: true });
  const db = openDatabase(join(copy, DB_FILE));
  try {
    const genesis = parseGenesis(JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'genesis'").get() as { value: string }).value));
    const chainId = chainIdOf(sha256, genesis);
    const state = new SqliteStateView(db, { cacheGeneration: 32_768 });
    const keys = new KeyCache();
    const s = {
      lastBlock: db.prepare('SELECT header, hash FROM blocks ORDER BY height DESC LIMIT 1'),
      entryByHash: db.prepare('SELECT seq, height, outcome FROM entries WHERE tx_hash = ?'),
      insertEntry: db.prepare('INSERT INTO entries (seq, height, tx_hash, outcome, type, actor, header, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertBody: db.prepare('INSERT INTO bodies (seq, body) VALUES (?, ?)'),
      insertBlock: db.prepare('INSERT INTO blocks (height, hash, time, first_seq, entry_count, header) VALUES (?, ?, ?, ?, ?, ?)'),
      insertWrite: db.prepare('INSERT INTO block_writes (height, key, value) VALUES (?, ?, ?)'),
      upsertState: db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      deleteState: db.prepare('DELETE FROM state WHERE key = ?'),
      insertAttestation: db.prepare('INSERT INTO attestations (height, node_id, attestation) VALUES (?, ?, ?)'),
      insertAudit: db.prepare('INSERT OR IGNORE INTO audit (subject, seq) VALUES (?, ?)'),
    };
    const last = s.lastBlock.get() as { header: string; hash: string };
    const h0 = JSON.parse(last.header) as BlockHeader;
    let prev: ChainHead = { height: h0.height, blockHash: last.hash, time: h0.time, treeSize: h0.treeSize, treeRoot: h0.treeRoot, stateDigest: h0.stateDigest };
    const store = new SqliteMerkleStore(db);
    const tree = new MerkleTree(sha256, { store, size: prev.treeSize });
    const shadow = new MerkleTree(sha256, { store: new ShadowStore(store), size: prev.treeSize });
    const privateKey = await importPem('sig', readFileSync(join(copy, NODE_KEY_FILE), 'utf8'));
    const nodeKeyId = await keyIdOf(await importPem('sig', readFileSync(join(copy, 'node-key.public.pem'), 'utf8')));
    const nodeId = genesis.orgs.flatMap((o) => o.nodes)[0]!.nodeId;

    const t = new Timers();
    const commitMs: number[] = [];
    const proposed = new WeakMap<Uint8Array, ParsedTx>();
    const parsedForVerify: { tx: ParsedTx; key: CryptoKey }[] = [];
    for (let b = 0; b < texts.length; b += blockSize) {
      // ---- admission (LedgerNode.submit), per transaction
      const items: Uint8Array[] = [];
      for (const text of texts.slice(b, b + blockSize)) {
        const json = t.time('admission: size check + JSON.parse', () => {
          if (utf8.encode(text).length > genesis.params.maxTxBytes) throw new Error('too large');
          return JSON.parse(text) as unknown;
        });
        const tx = t.time('admission: parseTx', () => parseTx(sha256, json, { chain: chainId }));
        // Hashing inside parseTx: the body hash and the tx hash, over the same bytes.
        const bodyBytes = canonicalBytes(tx.body);
        const hashInput = concatBytes(txSigningBytes(tx.header), fromBase64url(tx.sig));
        t.time('hash: parseTx SHA-256s (body hash, tx hash)', () => {
          sha256(bodyBytes);
          sha256(hashInput);
        });
        t.time('admission: dedup select', () => s.entryByHash.get(tx.hash));
        const signer = await t.timeAsync('admission: precheckTx (key row + cache)', () => precheckTx(tx, state, keys));
        t.time('admission: signing bytes + sig decode', () => {
          txSigningBytes(tx.header);
          fromBase64url(tx.sig);
        });
        parsedForVerify.push({ tx, key: signer });
        const item = t.time('admission: encode proposal', () => utf8.encode(`{"body":${tx.bodyJson!},"header":${tx.headerJson},"sig":"${tx.sig}"}`));
        proposed.set(item, tx);
        items.push(item);
      }

      // ---- commit (LedgerNode.commitBatch), per block
      // Items this node proposed come back as the same objects (solo): the node keeps their parsed form.
      const txs: ParsedTx[] = [];
      for (const item of items) {
        txs.push(t.time('commit: parsed tx by proposal', () => proposed.get(item)!));
      }
      const context = { chain: chainId, height: prev.height + 1, time: Math.max(Date.now(), prev.time), params: genesis.params };
      // The contract over an in-memory copy of the keys it reads (warmed untimed), then for real over SQLite.
      const cached = new CachedView(state);
      applyBatch(cached, txs, context);
      t.time('contract: apply over memory view', () => applyBatch(cached, txs, context));
      const { outcomes, writes: batchWrites, after } = t.time('contract: apply over SQLite view', () => applyBatch(state, txs, context));
      const writes = batchWrites as StateWrite[];
      const entries = txs.map((tx, i) => ({ tx: tx.hash, outcome: outcomes[i]! }));
      t.time('block: buildBlock without Merkle writes', () => buildBlock(sha256, shadow, prev, { chain: chainId, time: context.time, entries, writes }));
      db.exec('BEGIN IMMEDIATE');
      const built = t.time('block: buildBlock (Merkle nodes to SQLite)', () => buildBlock(sha256, tree, prev, { chain: chainId, time: context.time, entries, writes }));
      const attestation = await t.timeAsync('block: sign attestation (wall)', () =>
        signAttestation({ chain: chainId, height: built.header.height, blockHash: built.blockHash, stateDigest: built.header.stateDigest, nodeId, keyId: nodeKeyId, alg: 'PS256' }, privateKey),
      );
      const h = built.header;
      const rowsOfBlock: SQLInputValue[][] = [];
      const run = (stmt: StatementSync, ...args: SQLInputValue[]) => {
        rowsOfBlock.push(args);
        t.time('sqlite: statements', () => stmt.run(...args));
      };
      const headerJson = t.time('encode: row JSON', () => canonicalJson(h));
      run(s.insertBlock, h.height, built.blockHash, h.time, h.firstSeq, h.entryCount, headerJson);
      txs.forEach((tx, i) => {
        const seq = h.firstSeq + i;
        run(s.insertEntry, seq, h.height, tx.hash, outcomes[i]!, tx.header.type, tx.header.actor, tx.headerJson, tx.sig);
        run(s.insertBody, seq, tx.bodyJson!);
        const subjects = t.time('contract: auditSubjects', () => auditSubjects(tx, outcomes[i] === OK ? { ok: true } : { ok: false, code: outcomes[i] as never }, after));
        for (const u of subjects.users) run(s.insertAudit, `u:${u}`, seq);
        for (const r of subjects.records) run(s.insertAudit, `r:${r}`, seq);
      });
      for (const [key, value] of built.writes) {
        const [logged, stored] = t.time('encode: row JSON', () => [value === null ? null : canonicalJson(value, { allowNull: true }), value === null ? null : JSON.stringify(value as Json)]);
        run(s.insertWrite, h.height, key, logged);
        if (stored === null) run(s.deleteState, key);
        else run(s.upsertState, key, stored);
        state.written(key, stored, h.height);
      }
      const attestationJson = t.time('encode: row JSON', () => canonicalJson(attestation));
      run(s.insertAttestation, h.height, nodeId, attestationJson);
      const c0 = performance.now();
      db.exec('COMMIT');
      commitMs.push(performance.now() - c0);
      state.flushed(h.height);
      // The node posts the block's rows to its writer thread: the copy (structured clone) is main-thread work.
      t.time('encode: rows to the writer thread (structured clone)', () => structuredClone(rowsOfBlock));
      t.add('sqlite: COMMIT (WAL fsync)', commitMs[commitMs.length - 1]!);
      prev = built.head;
      // ---- the submitter's answer (LedgerNode.resultFor): the inclusion proof, per transaction
      t.time('answer: inclusion proof', () => {
        txs.forEach((_tx, i) => tree.inclusionProof(h.firstSeq + i, prev.treeSize).map(toHex));
      });
    }

    // ---- signature verification alone: sequential, so wall ≈ one verify, and CPU over all threads.
    // The calling thread's share (WebCrypto's argument checks and job set-up) is its busy time meanwhile.
    const cpu0 = process.cpuUsage();
    const elu0 = perfHooks.eventLoopUtilization();
    const wall0 = performance.now();
    for (const { tx, key } of parsedForVerify) await verifyTxSignature(tx, key);
    const verifyWallMs = performance.now() - wall0;
    const verifyCallerMs = perfHooks.eventLoopUtilization(elu0).active;
    const cpu = process.cpuUsage(cpu0);
    const verifyCpuMs = (cpu.user + cpu.system) / 1000;

    const n = texts.length;
    const us = (ms: number) => round((ms * 1000) / n, 1);
    const steps: Record<string, number> = {};
    for (const [k, v] of t.ms) steps[k] = us(v);
    steps['verify: RSA-PSS verify (CPU, all threads)'] = us(verifyCpuMs);
    steps['verify: of which on the calling (main) thread'] = us(verifyCallerMs);
    steps['verify: RSA-PSS verify (wall, sequential)'] = us(verifyWallMs);

    const g = (name: string) => t.get(name);
    const hashInParse = g('hash: parseTx SHA-256s (body hash, tx hash)');
    const cat = {
      verify: { ms: verifyCpuMs - verifyCallerMs, where: 'thread pool (WebCrypto), per tx' },
      verifyCall: { ms: verifyCallerMs, where: 'main thread: WebCrypto verify call overhead (argument checks, job set-up, promise)' },
      attestationSign: { ms: g('block: sign attestation (wall)'), where: 'thread pool, once per block (the block waits for it before its rows go to the writer)' },
      hashing: { ms: hashInParse + g('block: buildBlock without Merkle writes'), where: 'main thread: body and tx hashes, leaves, Merkle nodes, changesHash, block hash' },
      encodingJson: {
        ms: g('admission: size check + JSON.parse') + (g('admission: parseTx') - hashInParse) + g('admission: signing bytes + sig decode') +
          g('admission: encode proposal') + g('commit: parsed tx by proposal') + g('encode: row JSON') + g('encode: rows to the writer thread (structured clone)'),
        where: 'main thread: JSON.parse, JCS of header and body (parseTx, signing bytes, proposal, rows), base64url, shape checks, copying rows to the writer',
      },
      contract: { ms: g('contract: apply over memory view') + g('contract: auditSubjects'), where: 'main thread: apply + overlay, audit subjects' },
      sqliteReads: {
        ms: g('admission: dedup select') + g('admission: precheckTx (key row + cache)') +
          (g('contract: apply over SQLite view') - g('contract: apply over memory view')) + g('answer: inclusion proof'),
        where: 'main thread: dedup by tx hash, signer key row, contract state reads (cached), inclusion proof nodes for the answer (cached or SQLite)',
      },
      sqliteWrites: {
        // Merkle writes = block building with the SQLite store minus without it (clamped: the two are close and noisy).
        ms: g('sqlite: statements') + Math.max(0, g('block: buildBlock (Merkle nodes to SQLite)') - g('block: buildBlock without Merkle writes')),
        where: 'writer thread: entries, bodies, audit, writes, state, block, attestation, Merkle node inserts',
      },
      sqliteCommitFsync: { ms: g('sqlite: COMMIT (WAL fsync)'), where: 'writer thread blocked in COMMIT (synchronous=FULL): once per block' },
    };
    const total = Object.values(cat).reduce((a, c) => a + c.ms, 0);
    const categories: BreakdownResult['categories'] = {};
    for (const [k, c] of Object.entries(cat)) categories[k] = { usPerTx: us(c.ms), share: round(c.ms / total, 3), where: c.where };
    const threadPool = cat.verify.ms + cat.attestationSign.ms;
    const writer = cat.sqliteWrites.ms + cat.sqliteCommitFsync.ms;
    const main = total - threadPool - writer;
    const mainUs = (main * 1000) / n;
    const writerUs = (writer * 1000) / n;
    // CPU: everything but time blocked in fsync; the sign wall time is ~its CPU (one core, sequential).
    const cpuUs = ((total - cat.sqliteCommitFsync.ms) * 1000) / n;
    return {
      txs: n,
      blockSize,
      stepsUsPerTx: steps,
      categories,
      totalUsPerTx: us(total),
      mainThreadUsPerTx: us(main),
      writerThreadUsPerTx: us(writer),
      threadPoolUsPerTx: us(threadPool),
      ceilings: { mainThreadTxPerSec: round(1e6 / mainUs, 0), writerThreadTxPerSec: round(1e6 / writerUs, 0), cpuBoundTxPerSec: round((cores * 1e6) / cpuUs, 0), cores },
      commitMsPerBlock: (() => {
        const c = [...commitMs].sort((a, b) => a - b);
        const at = (p: number) => round(c[Math.min(c.length - 1, Math.floor(p * c.length))]!, 2);
        return { blocks: c.length, p50: at(0.5), p90: at(0.9), max: round(c[c.length - 1]!, 2) };
      })(),
    };
  } finally {
    db.close();
    rmSync(copy, { recursive: true, force: true });
  }
}
