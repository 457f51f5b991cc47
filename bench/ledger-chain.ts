/**
 * The ledger bench's read side: full-chain verification of the data directory
 * it built, and inclusion proofs from a 1 M-leaf SQLite Merkle store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { toHex, utf8 } from '../src/crypto/index.ts';
import { applyBatch, genesisWrites, MemoryStateView, type Json } from '../src/contract/index.ts';
import {
  ChainVerifier, chainIdOf, leafHash, MerkleTree, parseGenesis, verifyInclusion, type ChainBlock, type Genesis, type ParsedTx, type StateWrite,
  type SignedAttestation,
} from '../src/ledger/index.ts';
import { DB_FILE, ENTRIES_OF_BLOCK, sha256 } from '../src/node/index.ts';
import { KeyCache } from '../src/contract/index.ts';
import { genesisInput } from '../src/node/genesis-input.ts';
import { inTransaction, openDatabase } from '../src/node/store/index.ts';
import { SqliteMerkleStore } from '../src/node/store/index.ts';
import { log, round } from './util.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function latencyStats(samplesMs: number[]) {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { p50Ms: round(percentile(s, 50), 3), p99Ms: round(percentile(s, 99), 3), maxMs: round(s[s.length - 1]!, 3), samples: s.length };
}

/** Blocks of a data directory, read straight from its tables. */
function* blocksOf(db: DatabaseSync): Generator<ChainBlock> {
  const blocks = db.prepare('SELECT height, first_seq, entry_count, header FROM blocks ORDER BY height');
  const entries = db.prepare(ENTRIES_OF_BLOCK);
  const writes = db.prepare('SELECT key, value FROM block_writes WHERE height = ? ORDER BY key');
  const attestations = db.prepare('SELECT attestation FROM attestations WHERE height = ? ORDER BY node_id');
  for (const b of blocks.iterate() as Iterable<{ height: number; first_seq: number; entry_count: number; header: string }>) {
    yield {
      header: JSON.parse(b.header),
      entries: (entries.all(b.first_seq, b.first_seq + b.entry_count) as { outcome: string; header: string; sig: string; body: string | null }[]).map((e) => ({
        tx: e.body === null ? { header: JSON.parse(e.header), sig: e.sig, withheld: true as const } : { header: JSON.parse(e.header), body: JSON.parse(e.body), sig: e.sig },
        outcome: e.outcome,
      })),
      writes: (writes.all(b.height) as { key: string; value: string | null }[]).map((w) => [w.key, w.value === null ? null : JSON.parse(w.value)] as StateWrite),
      attestations: (attestations.all(b.height) as { attestation: string }[]).map((a) => JSON.parse(a.attestation) as SignedAttestation),
    };
  }
}

/**
 * The chain alone, through the ledger's ChainVerifier: every signature (keys
 * from the chain's own key rows), roots, the state-digest chain, attestations,
 * and the contract re-executed over an in-memory state from the genesis.
 */
export async function verifyChainOfDataDir(dataDir: string) {
  const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
  try {
    const genesis: Genesis = parseGenesis(JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'genesis'").get() as { value: string }).value));
    const chainId = chainIdOf(sha256, genesis);
    const keyRow = db.prepare('SELECT value FROM state WHERE key = ?');
    const keys = new KeyCache();
    const state = new MemoryStateView(genesisWrites(await genesisInput(genesis)));
    let pending: StateWrite[] = [];
    const verifier = await ChainVerifier.create(
      sha256,
      chainId,
      genesis,
      {
        signerKeys: async (txs: readonly ParsedTx[]) =>
          Promise.all(
            txs.map((tx) => {
              const body = tx.body as { sigSpki?: string } | undefined;
              if (tx.header.type === 'RegisterUser' && typeof body?.sigSpki === 'string') return keys.get('sig', tx.header.keyId, body.sigSpki);
              const row = keyRow.get(`key/${tx.header.keyId}`) as { value: string } | undefined;
              const spki = row ? (JSON.parse(row.value) as { spki: string }).spki : undefined;
              return spki ? keys.get('sig', tx.header.keyId, spki) : undefined;
            }),
          ),
        execute: (txs, header) => {
          const { outcomes, writes } = applyBatch(state, txs, { chain: chainId, height: header.height, time: header.time, params: genesis.params });
          pending = writes as StateWrite[];
          return { outcomes, writes: pending };
        },
        bodyMayBeWithheld: () => false,
      },
      { minAttestations: 1 },
    );
    const start = performance.now();
    for (const block of blocksOf(db)) {
      await verifier.verifyBlock(block);
      state.apply(pending as unknown as Iterable<readonly [string, Json | null]>);
    }
    const seconds = (performance.now() - start) / 1000;
    const head = verifier.head;
    return { blocks: head.height, txs: head.treeSize, seconds: round(seconds, 2), blocksPerSec: round(head.height / seconds, 0), txPerSec: round(head.treeSize / seconds, 0) };
  } finally {
    db.close();
  }
}

/** `verifyDataDir` from src/node/verify.ts, when it is there (loaded by path so this bench typechecks without it). */
export async function verifyDataDirRate(dataDir: string) {
  const path = pathToFileURL(join(import.meta.dirname, '..', 'src', 'node', 'verify.ts')).href;
  let verifyDataDir: ((dir: string) => Promise<{ blocks: number; entries: number }>) | undefined;
  try {
    verifyDataDir = ((await import(path)) as { verifyDataDir?: typeof verifyDataDir }).verifyDataDir;
  } catch (err) {
    return { unavailable: `import failed: ${String(err).slice(0, 200)}` };
  }
  if (typeof verifyDataDir !== 'function') return { unavailable: 'src/node/verify.ts has no verifyDataDir' };
  const start = performance.now();
  try {
    const report = await verifyDataDir(dataDir);
    const seconds = (performance.now() - start) / 1000;
    return { blocks: report.blocks, txs: report.entries, seconds: round(seconds, 2), blocksPerSec: round(report.blocks / seconds, 0), txPerSec: round(report.entries / seconds, 0) };
  } catch (err) {
    return { failed: String((err as Error)?.message ?? err).slice(0, 300), code: (err as { code?: string }).code, details: (err as { details?: unknown }).details };
  }
}

/**
 * SYNTHETIC: `leaves` leaf hashes appended to a MerkleTree over the node's
 * SQLite Merkle store (node schema, WAL, synchronous=FULL), committed in
 * blocks of `perCommit`; then inclusion proofs at that size, beside a raw
 * SQLite point-select rate on the same table.
 */
export async function proofsAtScale(leaves: number, proofCount: number, perCommit = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'dhl-bench-merkle-'));
  const db = openDatabase(join(dir, DB_FILE));
  try {
    const tree = new MerkleTree(sha256, { store: new SqliteMerkleStore(db) });
    const input = new Uint8Array(8);
    const view = new DataView(input.buffer);
    log(`SYNTHETIC: appending ${leaves} leaves to a SQLite Merkle store…`);
    const fillStart = performance.now();
    // Leaves/s of each tenth of the fill: a store whose cost grows with its size shows here.
    const tenths: number[] = [];
    let tenthStart = fillStart;
    for (let i = 0; i < leaves; i += perCommit) {
      if (i > 0 && Math.floor(i / (leaves / 10)) > tenths.length) {
        const now = performance.now();
        tenths.push(round(leaves / 10 / ((now - tenthStart) / 1000), 0));
        tenthStart = now;
      }
      inTransaction(db, () => {
        for (let j = i; j < Math.min(leaves, i + perCommit); j++) {
          view.setFloat64(0, j);
          tree.append(leafHash(sha256, sha256(input)));
        }
      });
      if (i % 200_000 === 0 && i > 0) log(`  ${i} leaves`);
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    tenths.push(round(leaves / 10 / ((performance.now() - tenthStart) / 1000), 0));
    const root = tree.root();
    const size = tree.size;

    const indices = Array.from({ length: proofCount }, () => Math.floor(Math.random() * size));
    for (const i of indices.slice(0, 200)) tree.inclusionProof(i, size); // warm up
    const times: number[] = [];
    const proofs: Uint8Array[][] = [];
    const start = performance.now();
    for (const i of indices) {
      const t0 = performance.now();
      proofs.push(tree.inclusionProof(i, size));
      times.push(performance.now() - t0);
    }
    const proofSeconds = (performance.now() - start) / 1000;
    indices.slice(0, 100).forEach((i, k) => {
      view.setFloat64(0, i);
      verifyInclusion(sha256, i, size, leafHash(sha256, sha256(input)), proofs[k]!, root);
    });
    const hashes = proofs.reduce((n, p) => n + p.length, 0) / proofs.length;
    const hexJson = proofs.reduce((n, p) => n + utf8.encode(JSON.stringify(p.map(toHex))).length, 0) / proofs.length;

    // Reference: the raw point select a proof is made of, on random leaves of the same table.
    const select = db.prepare('SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?');
    const selects = proofCount * 20;
    const rawStart = performance.now();
    for (let k = 0; k < selects; k++) select.get(0, Math.floor(Math.random() * size));
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const stats = latencyStats(times);
    return {
      synthetic: true,
      note: 'SYNTHETIC leaves (hashes of counters), not signed transactions: same tree code and SQLite store as the node',
      leaves: size,
      fill: { seconds: round(fillSeconds, 1), leavesPerSec: round(size / fillSeconds, 0), leavesPerSecByTenth: tenths, leavesPerCommit: perCommit },
      proof: {
        hashes: round(hashes, 2),
        bytesRaw: round(hashes * 32, 0),
        bytesAsHexJson: round(hexJson, 0),
        perSec: round(proofCount / proofSeconds, 0),
        usMean: round((proofSeconds * 1e6) / proofCount, 1),
        p50Us: round(stats.p50Ms * 1000, 1),
        p99Us: round(stats.p99Ms * 1000, 1),
      },
      rawPointSelect: {
        perSec: round(selects / rawSeconds, 0),
        usEach: round((rawSeconds * 1e6) / selects, 2),
        ratioProofRateVsItsSelectsAlone: round(proofCount / proofSeconds / (selects / rawSeconds / hashes), 3),
      },
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

