/**
 * Per-transaction CPU breakdown of a durable append, stage by stage, on a copy
 * of the bench's data directory: the node's own stages — admission, the block
 * executor, the attestation signature, the ledger store's append (its main
 * thread part and its writer thread) and the answer's inclusion proofs — run
 * one after another over transactions the node has not seen, in blocks of the
 * size the node cut at its best rate, each timed by its main-thread busy time
 * (event-loop utilisation). No copy of the node lives here: these are the
 * objects `LedgerNode` composes.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as perfHooks } from 'node:perf_hooks';
import { KeyCache } from '../src/contract/index.ts';
import { parseTx, signAttestation, verifyTxSignature, type ParsedTx } from '../src/ledger/index.ts';
import { importSpki, fromBase64url } from '../src/crypto/index.ts';
import { BlobStore, BlockExecutor, DB_FILE, loadNodeKey, sha256, type BatchItem } from '../src/node/index.ts';
import { Admission, InFlight } from '../src/node/admission.ts';
import { SqliteLedgerStore } from '../src/node/store/index.ts';
import { round } from './util.ts';

/** Main-thread busy time and wall time of a stage, summed over its runs. */
class Stages {
  readonly busyMs = new Map<string, number>();
  readonly wallMs = new Map<string, number>();
  async time<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const elu = perfHooks.eventLoopUtilization();
    const wall = performance.now();
    try {
      return await fn();
    } finally {
      this.busyMs.set(name, (this.busyMs.get(name) ?? 0) + perfHooks.eventLoopUtilization(elu).active);
      this.wallMs.set(name, (this.wallMs.get(name) ?? 0) + performance.now() - wall);
    }
  }
  busy(name: string): number {
    return this.busyMs.get(name) ?? 0;
  }
  wall(name: string): number {
    return this.wallMs.get(name) ?? 0;
  }
}

export interface BreakdownResult {
  txs: number;
  blockSize: number;
  /** µs per transaction by stage: main-thread busy time, and wall time where it differs. */
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
 * Runs the node's stages over `texts` (signed, not yet in the chain) in blocks
 * of `blockSize`; the copy of `dataDir` is deleted afterwards.
 */
export async function breakdown(dataDir: string, texts: string[], blockSize: number, cores: number): Promise<BreakdownResult> {
  const copy = mkdtempSync(join(tmpdir(), 'dhl-bench-breakdown-'));
  cpSync(dataDir, copy, { recursive: true });
  const store = SqliteLedgerStore.open(join(copy, DB_FILE), sha256);
  try {
    const { chainId, genesis } = store;
    const nodeKey = await loadNodeKey(copy, genesis);
    const keys = new KeyCache();
    const blobStore = new BlobStore(copy);
    const blobs = { row: (root: string) => store.blob(root), header: (root: string) => blobStore.header(root) };
    const admission = new Admission(store, new InFlight(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), { chainId, params: genesis.params, hash: sha256, keys, blobs });
    const executor = new BlockExecutor({ chainId, genesis, hash: sha256, keys, node: { nodeId: nodeKey.nodeId, keyId: nodeKey.keyId } });
    const t = new Stages();
    const admitted: ParsedTx[] = [];
    let position = store.position;
    const writer0 = { ...store.writerStats, commitMs: store.writerStats.commitMs.length };
    for (let b = 0; b < texts.length; b += blockSize) {
      const items: BatchItem[] = [];
      for (const text of texts.slice(b, b + blockSize)) {
        const decision = await t.time('admission (parse, dedup, precheck, signature verify call)', () => admission.admit(text));
        if (decision.kind !== 'new') throw new Error(`breakdown: a transaction was not new (${decision.kind})`);
        admitted.push(decision.admitted.tx);
        items.push({ bytes: decision.bytes, admitted: decision.admitted });
      }
      const blocks = await t.time('executor (contract, block, Merkle, audit and directory rows)', async () => {
        const out = [];
        for await (const block of executor.blocks(store, { position: ++position, time: Date.now(), items })) {
          // The store takes each block before the executor builds the next (one batch, one block here).
          const attestation = await signAttestation(block.attestation, nodeKey.privateKey);
          out.push(store.append({ ...block, attestation }));
        }
        return out;
      });
      await t.time('durable (waiting for the writer thread)', () => Promise.all(blocks));
      await t.time('answer: inclusion proofs', () => {
        const head = store.head;
        for (let seq = head.treeSize - items.length; seq < head.treeSize; seq++) store.inclusionProof(seq, head.treeSize);
      });
    }
    // Parsing alone, over the same texts: the part of admission that is JSON, JCS and hashing.
    await t.time('of admission: parseTx alone', () => {
      for (const text of texts) parseTx(sha256, JSON.parse(text), { chain: chainId });
    });
    // Attestation signatures alone, one per block: their share inside the executor stage above.
    const blocksCount = Math.ceil(texts.length / blockSize);
    const head = store.head;
    await t.time('attestation signatures alone (wall)', async () => {
      for (let i = 0; i < blocksCount; i++) {
        await signAttestation({ chain: chainId, height: head.height, blockHash: head.blockHash, stateDigest: head.stateDigest, nodeId: nodeKey.nodeId, keyId: nodeKey.keyId, alg: 'PS256' }, nodeKey.privateKey);
      }
    });

    // Signature verification alone: sequential, so wall ≈ one verify; CPU over all threads; the calling thread's share is its busy time.
    const signers = await Promise.all(admitted.map(async (tx) => {
      const record = store.state.get(`key/${tx.header.keyId}`) as { spki: string } | undefined;
      const spki = record?.spki ?? (tx.body as { sigSpki: string }).sigSpki;
      return importSpki('sig', fromBase64url(spki));
    }));
    const cpu0 = process.cpuUsage();
    const elu0 = perfHooks.eventLoopUtilization();
    const wall0 = performance.now();
    for (const [i, tx] of admitted.entries()) await verifyTxSignature(tx, signers[i]!);
    const verifyWallMs = performance.now() - wall0;
    const verifyCallerMs = perfHooks.eventLoopUtilization(elu0).active;
    const cpu = process.cpuUsage(cpu0);
    const verifyCpuMs = (cpu.user + cpu.system) / 1000;

    const writer = store.writerStats;
    const commits = writer.commitMs.slice(writer0.commitMs);
    const statementsMs = writer.statementsMs - writer0.statementsMs;
    const commitMs = commits.reduce((a, c) => a + c, 0);

    const n = texts.length;
    const us = (ms: number) => round((ms * 1000) / n, 1);
    const steps: Record<string, number> = {};
    for (const [k, v] of t.busyMs) steps[`${k} — main thread`] = us(v);
    steps['attestation signatures alone (wall)'] = us(t.wall('attestation signatures alone (wall)'));
    steps['durable (waiting for the writer thread) — wall'] = us(t.wall('durable (waiting for the writer thread)'));
    steps['writer thread: statements'] = us(statementsMs);
    steps['writer thread: COMMIT (WAL fsync)'] = us(commitMs);
    steps['verify: RSA-PSS verify (CPU, all threads)'] = us(verifyCpuMs);
    steps['verify: of which on the calling (main) thread'] = us(verifyCallerMs);
    steps['verify: RSA-PSS verify (wall, sequential)'] = us(verifyWallMs);

    const parseMs = t.busy('of admission: parseTx alone');
    const admissionMs = t.busy('admission (parse, dedup, precheck, signature verify call)');
    const attestationMs = t.wall('attestation signatures alone (wall)');
    const cat = {
      verify: { ms: verifyCpuMs - verifyCallerMs, where: 'thread pool (WebCrypto), per tx' },
      verifyCall: { ms: verifyCallerMs, where: 'main thread: WebCrypto verify call overhead (argument checks, job set-up, promise)' },
      attestationSign: { ms: attestationMs, where: 'thread pool, once per block (the block waits for it before it goes to the store)' },
      parse: { ms: parseMs, where: 'main thread: JSON.parse, shape checks, JCS of header and body, body and tx hashes (parseTx)' },
      admissionRest: { ms: Math.max(0, admissionMs - parseMs - verifyCallerMs), where: 'main thread: size check, dedup, precheck (key row, key cache), proposal bytes' },
      executor: {
        ms: Math.max(0, t.busy('executor (contract, block, Merkle, audit and directory rows)')),
        where: 'main thread: contract apply over the state view, block building and Merkle hashing, audit and directory rows, the store taking the block (rows to the writer thread)',
      },
      answer: { ms: t.busy('answer: inclusion proofs'), where: 'main thread: an inclusion proof per answer (cached Merkle nodes or SQLite)' },
      sqliteWrites: { ms: statementsMs, where: 'writer thread: entries, bodies, audit, writes, state, block, attestation, Merkle and directory rows' },
      sqliteCommitFsync: { ms: commitMs, where: 'writer thread blocked in COMMIT (synchronous=FULL): once per block' },
    };
    const total = Object.values(cat).reduce((a, c) => a + c.ms, 0);
    const categories: BreakdownResult['categories'] = {};
    for (const [k, c] of Object.entries(cat)) categories[k] = { usPerTx: us(c.ms), share: round(c.ms / total, 3), where: c.where };
    const threadPool = cat.verify.ms + cat.attestationSign.ms;
    const writerMs = cat.sqliteWrites.ms + cat.sqliteCommitFsync.ms;
    const main = total - threadPool - writerMs;
    const mainUs = (main * 1000) / n;
    const writerUs = (writerMs * 1000) / n;
    // CPU: everything but time blocked in fsync; the sign wall time is ~its CPU (one core, sequential).
    const cpuUs = ((total - cat.sqliteCommitFsync.ms) * 1000) / n;
    const sorted = [...commits].sort((a, b) => a - b);
    const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0, 2);
    return {
      txs: n,
      blockSize,
      stepsUsPerTx: steps,
      categories,
      totalUsPerTx: us(total),
      mainThreadUsPerTx: us(main),
      writerThreadUsPerTx: us(writerMs),
      threadPoolUsPerTx: us(threadPool),
      ceilings: { mainThreadTxPerSec: round(1e6 / mainUs, 0), writerThreadTxPerSec: round(1e6 / writerUs, 0), cpuBoundTxPerSec: round((cores * 1e6) / cpuUs, 0), cores },
      commitMsPerBlock: { blocks: sorted.length, p50: at(0.5), p90: at(0.9), max: round(sorted[sorted.length - 1] ?? 0, 2) },
    };
  } finally {
    await store.close();
    rmSync(copy, { recursive: true, force: true });
  }
}

