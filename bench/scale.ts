/**
 * `npm run bench -- scale [--records 1000000] [--entries 10000000] [--samples 2000] [--block-txs 100] [--block-ms 50] [--table-sizes] [--keep]`
 *
 * DESIGN §10 "Scale": a data directory with 1 M records and 10 M log entries,
 * then p50/p99 of each query the API will use (target p99 ≤ 20 ms).
 *
 * The rows are SYNTHETIC (signing 10 M transactions takes hours on two cores):
 * written straight into the node's schema (src/node/store/schema.ts) in big batched
 * transactions, with the shapes the node writes — entries with unique tx
 * hashes, JCS headers and 384-byte signatures, bodies, blocks whose roots are
 * the real Merkle roots of their entries, attestations, block writes, state
 * (`user/`, `key/`, `role/`, `record/`, `version/`, `wrap/`, `chart/<p>`,
 * `chart/<p>/<i>`, `grant/`, `request/`, `pending/`, and the replay nonces as the contract keeps
 * them: each block's nonces go through the contract's own `finishBlock`, which
 * indexes them by expiry and forgets expired ones, so `nonce/` and
 * `nonce-expiry/` hold what a real node's would), blob rows, the audit index
 * (`u:<user>`, `r:<record>` → seq), the directory index and the Merkle nodes. Signatures are random
 * bytes: nothing here verifies. Queries then run on a connection opened the
 * way the node opens one (WAL, default page cache). The temp dir is removed
 * at the end unless --keep.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { canonicalJson, fromHex, toBase64url, toHex } from '../src/crypto/index.ts';
import { directory, directoryAccess, finishBlock, mayRead, MemoryStateView, OverlayView } from '../src/contract/index.ts';
import { DEFAULT_TX_LIFETIME_MS } from '../src/client/index.ts';
import { blockHash, DEFAULT_GENESIS_PARAMS, entryLeafHash, MerkleTree, rootOf, verifyInclusion, type BlockHeader } from '../src/ledger/index.ts';
import { DB_FILE, sha256 } from '../src/node/index.ts';
import { openDatabase, SCHEMA_VERSION, SqliteLedgerStore, SqliteMerkleStore, SqliteStateView } from '../src/node/store/index.ts';
import { log, machine, option, round } from './util.ts';

// ---------------------------------------------------------------------------
// Deterministic synthetic ids: the first 8 hex digits are a bijection of the
// index (per kind), so ids of one kind never collide.

/** lowbias32: a bijective 32-bit mix. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
const h8 = (x: number) => mix32(x >>> 0).toString(16).padStart(8, '0');
const KIND = { tx: 0x1b873593, record: 0x68e31da4, key: 0x2c1b3c6d, nonce: 0x297a2d39, cipher: 0x5bd1e995, misc: 0x1656667b, miss: 0x7a3d5c11 } as const;
function hexId(kind: number, i: number, chars: 32 | 64): string {
  let out = h8((i ^ kind) >>> 0);
  for (let k = 1; out.length < chars; k++) out += h8((Math.imul(i, 0x9e3779b1) + Math.imul(k, 0x85ebca6b) + kind) >>> 0);
  return out.slice(0, chars);
}
/** A pseudo-random number in [0, n) for (index, salt). */
const pick = (i: number, salt: number, n: number) => mix32((Math.imul(i, 0x27d4eb2f) ^ salt) >>> 0) % n;

/** Random base64url strings of a real length, drawn from a pool (content is never checked here). */
function pool(bytes: number, size = 512): string[] {
  return Array.from({ length: size }, () => toBase64url(crypto.getRandomValues(new Uint8Array(bytes))));
}
const SIGS = pool(384); // RSA-3072 signature
const SPKIS = pool(422); // RSA-3072 SubjectPublicKeyInfo
const WRAPPED = pool(384); // RSA-OAEP-3072 wrapped DEK

// ---------------------------------------------------------------------------
// The synthetic population.

interface Population {
  records: number;
  entries: number;
  doctors: number;
  patients: number;
  /** Patients 0..chronic-1 hold the first tenth of the records (~100 each); the rest ~9 each. */
  chronic: number;
  chronicRecords: number;
  users: number;
  chain: string;
  t0: number;
  /** Block time step: with the client's default lifetime (10 min) it decides how many nonces are live at once. */
  blockMs: number;
}

const ORG = 'city-hospital';
const doctorName = (d: number) => `doc${String(d).padStart(6, '0')}`;
const patientName = (p: number) => `pat${String(p).padStart(7, '0')}`;
/** User index u: 0 = admin, 1..D doctors, then patients. */
const userName = (pop: Population, u: number) => (u === 0 ? 'admin' : u <= pop.doctors ? doctorName(u - 1) : patientName(u - 1 - pop.doctors));
const sigKeyOf = (u: number) => hexId(KIND.key, 2 * u, 64);
const encKeyOf = (u: number) => hexId(KIND.key, 2 * u + 1, 64);
const patientUser = (pop: Population, p: number) => 1 + pop.doctors + p;
const doctorUser = (d: number) => 1 + d;

function ownerOf(pop: Population, k: number): { patient: number; index: number } {
  if (k < pop.chronicRecords) return { patient: k % pop.chronic, index: Math.floor(k / pop.chronic) };
  const j = k - pop.chronicRecords;
  const others = pop.patients - pop.chronic;
  return { patient: pop.chronic + (j % others), index: Math.floor(j / others) };
}
const recordIdOf = (k: number) => hexId(KIND.record, k, 32);
/** The doctor record k's grants and requests go to. */
const doctorOf = (pop: Population, k: number) => pick(k, 0x51ed27, pop.doctors);

function recordState(pop: Population, k: number, createdAt: number, listed: boolean, grantees: string[]) {
  const patient = patientName(ownerOf(pop, k).patient);
  return { recordId: recordIdOf(k), patient, authors: [patient], latestVersion: 1, listed, grantees, createdAt };
}

// ---------------------------------------------------------------------------
// Filling.

interface Tx {
  type: string;
  actor: number;
  body: unknown;
  outcome: string;
  /** State writes of the entry besides its nonce, as [key, JSON value]. */
  writes: [string, unknown][];
  users: number[];
  records: number[];
}

/** Entry `s`: registrations first, then role assignments, then AddRecords spread evenly through a mix of everyday transactions. */
function txAt(pop: Population, s: number, time: number, txHash: string): Tx {
  if (s < pop.users) {
    const name = userName(pop, s);
    const body = { encKeyId: encKeyOf(s), encSpki: SPKIS[(2 * s + 1) % SPKIS.length], sigKeyId: sigKeyOf(s), sigSpki: SPKIS[(2 * s) % SPKIS.length], username: name };
    const writes: [string, unknown][] = [
      [`user/${name}`, { username: name, sigKeyId: body.sigKeyId, encKeyId: body.encKeyId, registeredAt: time, keysSince: time }],
      [`key/${body.sigKeyId}`, { keyId: body.sigKeyId, username: name, use: 'sig', spki: body.sigSpki, since: time, txHash }],
      [`key/${body.encKeyId}`, { keyId: body.encKeyId, username: name, use: 'enc', spki: body.encSpki, since: time, txHash }],
    ];
    return { type: 'RegisterUser', actor: s, body, outcome: 'OK', writes, users: [s], records: [] };
  }
  if (s < pop.users + pop.doctors) {
    const d = s - pop.users;
    const u = doctorUser(d);
    const name = doctorName(d);
    const body = { encKeyId: encKeyOf(u), org: ORG, role: 'doctor', sigKeyId: sigKeyOf(u), username: name };
    const role = { username: name, role: 'doctor', org: ORG, sigKeyId: body.sigKeyId, encKeyId: body.encKeyId, term: 1, active: true, assignedBy: 'admin', since: time };
    return { type: 'AssignRole', actor: 0, body, outcome: 'OK', writes: [[`role/${name}/doctor`, role]], users: [0, u], records: [] };
  }
  const first = pop.users + pop.doctors;
  const span = pop.entries - first;
  const j = s - first;
  const created = Math.floor((j * pop.records) / span);
  const createdAfter = Math.floor(((j + 1) * pop.records) / span);
  if (createdAfter > created) {
    // AddRecord of record `created` by its patient.
    const k = created;
    const { patient, index } = ownerOf(pop, k);
    const u = patientUser(pop, patient);
    const name = patientName(patient);
    const rid = recordIdOf(k);
    const manifest = {
      author: name, authorKeyId: sigKeyOf(u), chain: pop.chain, chunkSize: 1048576, cipherRoot: hexId(KIND.cipher, k, 64), createdAt: time,
      mediaType: 'application/pdf', patient: name, recordId: rid, size: 100_000 + pick(k, 7, 5_000_000), title: `Lab report ${k}`, version: 1,
    };
    const manifestSig = { alg: 'PS256', keyId: sigKeyOf(u), sig: SIGS[k % SIGS.length]! };
    const wrap = { alg: 'RSA-OAEP-256', keyId: encKeyOf(u), recordId: rid, version: 1, wrappedDek: WRAPPED[k % WRAPPED.length]! };
    const writes: [string, unknown][] = [
      [`chart/${name}`, { count: index + 1 }],
      [`chart/${name}/${index}`, rid],
      [`record/${rid}`, recordState(pop, k, time, k % 3 !== 0, [])],
      [`version/${rid}/1`, { recordId: rid, version: 1, manifest, manifestSig, txHash, addedAt: time }],
      [`wrap/${rid}/1/${name}`, { ...wrap, txHash }],
    ];
    return { type: 'AddRecord', actor: u, body: { manifest, manifestSig, wrappedKeys: [wrap] }, outcome: 'OK', writes, users: [u], records: [k] };
  }
  const k = pick(s, 0x3c6ef3, Math.max(1, created));
  const rid = recordIdOf(k);
  const owner = patientUser(pop, ownerOf(pop, k).patient);
  const doctor = doctorOf(pop, k);
  const r = pick(s, 0x9e37, 100);
  if (r < 30) return { type: 'RecordRead', actor: owner, body: { recordId: rid, version: 1 }, outcome: 'OK', writes: [], users: [owner], records: [k] };
  if (r < 55) return { type: 'RecordRead', actor: doctorUser(doctor), body: { recordId: rid, version: 1 }, outcome: k % 2 === 0 ? 'OK' : 'READ_NOT_PERMITTED', writes: [], users: [doctorUser(doctor), owner], records: [k] };
  if (r < 65) {
    const other = 1 + pop.doctors + pick(s, 0x1234, pop.patients);
    return { type: 'RecordRead', actor: other, body: { recordId: rid, version: 1 }, outcome: other === owner ? 'OK' : 'READ_NOT_PERMITTED', writes: [], users: [...new Set([other, owner])], records: [k] };
  }
  if (r < 72) {
    const listed = pick(s, 0x77, 2) === 0;
    return { type: 'SetListing', actor: owner, body: { listed, recordId: rid }, outcome: 'OK', writes: [[`record/${rid}`, recordState(pop, k, time, listed, [])]], users: [owner], records: [k] };
  }
  if (r < 86) {
    const name = doctorName(doctor);
    const wrap = { alg: 'RSA-OAEP-256', keyId: encKeyOf(doctorUser(doctor)), recordId: rid, version: 1, wrappedDek: WRAPPED[s % WRAPPED.length]! };
    // As long as the chain allows (maxGrantMs): still standing when the queries run, a year after t0.
    const expiresAt = time + DEFAULT_GENESIS_PARAMS.maxGrantMs;
    const grant = { grantId: txHash, grantor: patientName(ownerOf(pop, k).patient), grantee: name, recordId: rid, scopes: ['read'], expiresAt, term: 1, issuedAt: time };
    const writes: [string, unknown][] = [
      [`grant/${rid}/${name}`, grant],
      [`record/${rid}`, recordState(pop, k, time, k % 3 !== 0, [name])],
      [`wrap/${rid}/1/${name}`, { ...wrap, txHash }],
    ];
    return { type: 'GrantAccess', actor: owner, body: { expiresAt, grantee: name, keys: [wrap], scopes: ['read'] }, outcome: 'OK', writes, users: [owner, doctorUser(doctor)], records: [k] };
  }
  const name = doctorName(doctor);
  const patient = patientName(ownerOf(pop, k).patient);
  const body = { durationMs: 30 * 86_400_000, patient, purpose: 'Follow-up consultation', records: [rid] };
  const request = { requestId: txHash, doctor: name, patient, records: [rid], purpose: body.purpose, durationMs: body.durationMs, term: 1, createdAt: time, status: 'pending', closedBy: '' };
  const writes: [string, unknown][] = [[`request/${txHash}`, request], [`pending/${name}/${rid}`, txHash]];
  return { type: 'RequestAccess', actor: doctorUser(doctor), body, outcome: 'OK', writes, users: [doctorUser(doctor), owner], records: [k] };
}

const txHashOf = (s: number) => hexId(KIND.tx, s, 64);
const ENCODER = new TextEncoder();

function fill(db: DatabaseSync, pop: Population, perBlock: number, perCommit: number): { seconds: number; blocks: number; noncesSpent: number } {
  const st = {
    entry: db.prepare('INSERT INTO entries (seq, height, tx_hash, outcome, type, actor, header, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    body: db.prepare('INSERT INTO bodies (seq, body) VALUES (?, ?)'),
    block: db.prepare('INSERT INTO blocks (height, hash, time, first_seq, entry_count, header, order_position) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    write: db.prepare('INSERT OR REPLACE INTO block_writes (height, key, value) VALUES (?, ?, ?)'),
    state: db.prepare('INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)'),
    attestation: db.prepare('INSERT INTO attestations (height, node_id, attestation) VALUES (?, ?, ?)'),
    audit: db.prepare('INSERT OR IGNORE INTO audit (subject, seq) VALUES (?, ?)'),
    meta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)'),
    blob: db.prepare('INSERT OR IGNORE INTO blobs (cipher_root, stored_size, chunk_size, chunk_hashes) VALUES (?, ?, ?, ?)'),
    stateDelete: db.prepare('DELETE FROM state WHERE key = ?'),
    directory: db.prepare('INSERT INTO directory (patient, chart_index, record_id, listed, entry) VALUES (?, ?, ?, ?, ?)'),
    listing: db.prepare("UPDATE directory SET listed = ?, entry = json_set(entry, '$.listed', json(?)) WHERE record_id = ?"),
  };
  const hashBytes = crypto.getRandomValues(new Uint8Array(32 * 64));
  db.exec('BEGIN');
  st.meta.run('schema', String(SCHEMA_VERSION));
  st.meta.run('chain', pop.chain);
  st.meta.run('synthetic', 'bench/scale.ts: synthetic rows, random signatures; not a verifiable chain');
  st.state.run(`org/${ORG}`, JSON.stringify({ org: ORG, nodes: [{ nodeId: 'node1', sigKeyId: hexId(KIND.misc, 1, 64) }] }));
  st.state.run('role/admin/admin', JSON.stringify({ username: 'admin', role: 'admin', org: ORG, sigKeyId: sigKeyOf(0), encKeyId: encKeyOf(0), term: 1, active: true, assignedBy: '', since: pop.t0 }));
  db.exec('COMMIT');

  const tree = new MerkleTree(sha256, { store: new SqliteMerkleStore(db) });
  const nodeKeyId = hexId(KIND.misc, 1, 64);
  let prevHash = pop.chain;
  let height = 0;
  let stateDigest = hexId(KIND.misc, 2, 64);
  const start = performance.now();
  let lastLog = start;
  // The live replay nonces and their expiry index, as the contract keeps them (bounded by the nonce window, not by history).
  const nonceState = new MemoryStateView();
  const params = { ...DEFAULT_GENESIS_PARAMS };
  db.exec('BEGIN');
  for (let first = 0; first < pop.entries; first += perBlock) {
    height++;
    const time = pop.t0 + height * pop.blockMs;
    const count = Math.min(perBlock, pop.entries - first);
    const leaves: Uint8Array[] = [];
    const blockWrites = new Map<string, string | null>();
    const nonces = new OverlayView(nonceState);
    for (let s = first; s < first + count; s++) {
      const txHash = txHashOf(s);
      const tx = txAt(pop, s, time, txHash);
      const actor = userName(pop, tx.actor);
      const nonce = hexId(KIND.nonce, s, 32);
      const body = JSON.stringify(tx.body); // bodies are built with sorted keys: this is their JCS form
      const header = {
        actor, alg: 'PS256', bodyHash: toHex(sha256(ENCODER.encode(body))), chain: pop.chain, keyId: sigKeyOf(tx.actor), nonce,
        notAfter: time + DEFAULT_TX_LIFETIME_MS, time: time - 200, type: tx.type, v: 1,
      };
      st.entry.run(s, height, txHash, tx.outcome, tx.type, actor, JSON.stringify(header), SIGS[s % SIGS.length]!);
      if (tx.type === 'AddRecord') {
        // The uploaded envelope's row (upload precedes AddRecord): chunk hashes packed 32 bytes each.
        const m = (tx.body as { manifest: { cipherRoot: string; size: number; chunkSize: number } }).manifest;
        const chunks = Math.max(1, Math.ceil(m.size / m.chunkSize));
        st.blob.run(m.cipherRoot, m.size + 16 * chunks + 200, m.chunkSize, hashBytes.subarray(0, 32 * Math.min(64, chunks)));
        // The node's directory index row (src/node/directory-index.ts): the contract's directoryEntry line.
        const record = tx.writes.find(([key]) => key.startsWith('record/'))![1] as { recordId: string; patient: string; listed: boolean };
        const full = tx.body as { manifest: { title: string; mediaType: string; size: number; createdAt: number } };
        const entry = {
          recordId: record.recordId, owner: record.patient, title: full.manifest.title, mediaType: full.manifest.mediaType, size: full.manifest.size,
          createdAt: full.manifest.createdAt, version: 1, listed: record.listed,
        };
        st.directory.run(record.patient, Number(tx.writes.find(([key]) => /^chart\/[^/]+\/\d+$/.test(key))![0].split('/')[2]), record.recordId, record.listed ? 1 : 0, canonicalJson(entry));
      }
      st.body.run(s, body);
      for (const u of tx.users) st.audit.run(`u:${userName(pop, u)}`, s);
      for (const k of tx.records) st.audit.run(`r:${recordIdOf(k)}`, s);
      nonces.set(`nonce/${actor}/${nonce}`, header.notAfter);
      for (const [key, value] of tx.writes) {
        const json = JSON.stringify(value);
        st.state.run(key, json);
        if (key.startsWith('record/')) {
          const listed = (value as { listed: boolean }).listed;
          st.listing.run(listed ? 1 : 0, String(listed), key.slice('record/'.length));
        }
        blockWrites.set(key, json);
      }
      const leaf = entryLeafHash(sha256, { tx: txHash, outcome: tx.outcome });
      tree.append(leaf);
      leaves.push(leaf);
    }
    // The block's end, by the contract: index this block's nonces, forget expired ones (at most 2 × maxBlockTxs).
    finishBlock(nonces, { chain: pop.chain, height, time, params });
    const nonceWrites = nonces.writes();
    nonceState.apply(nonceWrites);
    for (const [key, value] of nonceWrites) {
      if (value === null) st.stateDelete.run(key);
      else st.state.run(key, JSON.stringify(value));
      blockWrites.set(key, value === null ? null : JSON.stringify(value));
    }
    for (const [key, json] of blockWrites) st.write.run(height, key, json);
    const changesHash = hexId(KIND.misc, 1000 + height, 64);
    stateDigest = toHex(sha256(new Uint8Array([...fromHex(stateDigest), ...fromHex(changesHash)])));
    const header: BlockHeader = {
      chain: pop.chain, height, prevHash, time, firstSeq: first, entryCount: count, entriesRoot: toHex(rootOf(sha256, leaves)), treeSize: tree.size,
      treeRoot: toHex(tree.root()), changesHash, stateDigest,
    };
    const hash = blockHash(sha256, header);
    st.block.run(height, hash, time, first, count, canonicalJson(header), height);
    const attestation = { attestation: { alg: 'PS256', blockHash: hash, chain: pop.chain, height, keyId: nodeKeyId, nodeId: 'node1', stateDigest }, sig: SIGS[height % SIGS.length]! };
    st.attestation.run(height, 'node1', canonicalJson(attestation));
    prevHash = hash;
    if ((first + count) % perCommit < perBlock || first + count === pop.entries) {
      db.exec('COMMIT');
      db.exec('BEGIN');
      const now = performance.now();
      if (now - lastLog > 10_000 || first + count === pop.entries) {
        lastLog = now;
        const done = first + count;
        const perSec = done / ((now - start) / 1000);
        log(`  ${done} entries (${Math.round(perSec)}/s, ${Math.round((pop.entries - done) / perSec)} s to go)`);
      }
    }
  }
  db.exec('COMMIT');
  return { seconds: (performance.now() - start) / 1000, blocks: height, noncesSpent: pop.entries };
}

// ---------------------------------------------------------------------------
// Queries.

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface QueryResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanRows: number;
  withinTarget: boolean;
  plan?: string[];
  fullScan?: boolean;
  note?: string;
  sql?: string;
}

function measure(samples: number, fn: (i: number) => number): { times: number[]; rows: number } {
  for (let i = 0; i < Math.min(50, samples); i++) fn(samples + i); // warm statements and code paths
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    rows += fn(i);
    times.push(performance.now() - t0);
  }
  return { times, rows };
}

function planOf(db: DatabaseSync, sql: string, ...args: (string | number)[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
}

function dirSize(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

export async function run(args: string[]) {
  const records = Math.round(option(args, 'records', 1_000_000));
  const entries = Math.round(option(args, 'entries', 10_000_000));
  const samples = Math.round(option(args, 'samples', 2000));
  const perBlock = Math.round(option(args, 'block-txs', 100));
  const blockMs = Math.round(option(args, 'block-ms', 50));
  const keep = args.includes('--keep');
  const doctors = Math.max(10, Math.round(records / 1000));
  const patients = Math.max(20, Math.round(records / 10));
  const chronic = Math.max(1, Math.round(patients / 100));
  const pop: Population = {
    records, entries, doctors, patients, chronic, chronicRecords: Math.round(records / 10), users: 1 + doctors + patients,
    chain: hexId(KIND.misc, 0, 64), t0: Date.now() - 365 * 86_400_000, blockMs,
  };
  if (entries < pop.users + doctors + records) throw new Error(`--entries must be at least users + doctors + records = ${pop.users + doctors + records}`);

  // Roughly 4 KB per entry with its body, state, block writes, audit rows and Merkle nodes (measured: 3.7 KB at 100 k entries).
  const estimate = entries * 4000;
  const fs = statfsSync(tmpdir());
  const available = fs.bavail * fs.bsize;
  log(`temp space: ${(available / 2 ** 30).toFixed(1)} GiB available, ~${(estimate / 2 ** 30).toFixed(1)} GiB needed`);
  if (available < estimate * 1.2 && !args.includes('--force')) throw new Error('not enough space in the temp dir (use --force to try anyway)');

  const dir = mkdtempSync(join(tmpdir(), 'dhl-bench-scale-'));
  const path = join(dir, DB_FILE);
  try {
    // Fill on a connection tuned for bulk loading; the schema is the node's own.
    let db = openDatabase(path);
    db.exec('PRAGMA journal_mode = OFF');
    db.exec('PRAGMA synchronous = OFF');
    db.exec('PRAGMA cache_size = -4000000'); // 4 GB: random-order inserts (tx_hash index, audit, state) stay in memory
    db.exec('PRAGMA temp_store = MEMORY');
    log(`SYNTHETIC fill: ${records} records, ${entries} entries, ${pop.users} users (${doctors} doctors), blocks of ${perBlock}…`);
    const filled = fill(db, pop, perBlock, 50_000);
    db.exec('PRAGMA journal_mode = WAL');
    db.close();
    const bytes = dirSize(dir);
    log(`filled in ${filled.seconds.toFixed(0)} s, ${(bytes / 2 ** 30).toFixed(2)} GiB`);

    let tableSizes: Record<string, number> | string | undefined;
    if (args.includes('--table-sizes')) {
      db = openDatabase(path);
      try {
        tableSizes = Object.fromEntries(
          (db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC').all() as { name: string; bytes: number }[]).map((r) => [r.name, round(r.bytes / 2 ** 20, 1)]),
        );
      } catch (err) {
        tableSizes = `dbstat unavailable: ${String(err).slice(0, 100)}`;
      }
      db.close();
    }

    // ---- queries, on a connection opened as the node opens one
    db = openDatabase(path);
    const view = new SqliteStateView(db);
    const ledgerStore = SqliteLedgerStore.open(path, sha256);
    const now = Date.now();
    const heightMax = filled.blocks;
    const results: Record<string, QueryResult> = {};
    const sql = {
      txByHash: 'SELECT seq, height, outcome, type, actor, header, sig FROM entries WHERE tx_hash = ?',
      entryWithBody: 'SELECT e.seq, e.height, e.tx_hash, e.outcome, e.header, e.sig, b.body FROM entries e LEFT JOIN bodies b ON b.seq = e.seq WHERE e.seq = ?',
      blockByHeight: 'SELECT header, hash FROM blocks WHERE height = ?',
      latestBlock: 'SELECT header, hash FROM blocks ORDER BY height DESC LIMIT 1',
      blockEntries: 'SELECT e.seq, e.tx_hash, e.outcome, e.type, e.actor FROM blocks b JOIN entries e ON e.seq >= b.first_seq AND e.seq < b.first_seq + b.entry_count WHERE b.height = ? ORDER BY e.seq',
      chartRange: "SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key LIMIT 50",
      auditPage:
        'SELECT e.seq, e.height, e.tx_hash, e.outcome, e.type, e.actor, e.header FROM audit a JOIN entries e ON e.seq = a.seq WHERE a.subject = ? ORDER BY a.seq DESC LIMIT 50',
    };
    const stmt = Object.fromEntries(Object.entries(sql).map(([k, v]) => [k, db.prepare(v)])) as Record<keyof typeof sql, ReturnType<DatabaseSync['prepare']>>;
    const record = (i: number) => pick(i, 0xabc, records);
    const randomPatient = (i: number) => (pick(i, 0x5a5a, 10) === 0 ? pick(i, 0x1111, chronic) : pick(i, 0x2222, patients));
    const add = (name: string, m: { times: number[]; rows: number }, extra: Partial<QueryResult> = {}) => {
      const s = [...m.times].sort((a, b) => a - b);
      const p99 = percentile(s, 99);
      results[name] = { p50Ms: round(percentile(s, 50), 3), p99Ms: round(p99, 3), maxMs: round(s[s.length - 1]!, 3), meanRows: round(m.rows / m.times.length, 1), withinTarget: p99 <= 20, ...extra };
      // A SCAN stopped by LIMIT 1 in key order (latest block) is a walk down one edge of the b-tree, not a full scan.
      if (extra.plan) results[name]!.fullScan = extra.plan.some((d) => /^SCAN /.test(d) && !/USING (COVERING )?INDEX/.test(d)) && !extra.plan.some((d) => /TEMP B-TREE/.test(d)) && !/ORDER BY \w+ DESC LIMIT 1$/.test(extra.sql ?? '');
      log(`  ${name}: p50 ${results[name]!.p50Ms} ms, p99 ${results[name]!.p99Ms} ms`);
    };
    log(`queries, ${samples} samples each…`);

    add('txByHash', measure(samples, (i) => {
      const row = stmt.txByHash.get(txHashOf(pick(i, 1, entries))) as { header: string } | undefined;
      if (!row) throw new Error('tx not found');
      JSON.parse(row.header);
      return 1;
    }), { sql: sql.txByHash, plan: planOf(db, sql.txByHash, txHashOf(0)) });
    add('txByHashMiss (admission dedup)', measure(samples, (i) => (stmt.txByHash.get(hexId(KIND.miss, i, 64)) ? 1 : 0)), { sql: sql.txByHash, plan: planOf(db, sql.txByHash, txHashOf(0)) });
    add('entryBySeqWithBody', measure(samples, (i) => {
      const row = stmt.entryWithBody.get(pick(i, 2, entries)) as { header: string; body: string };
      JSON.parse(row.header);
      JSON.parse(row.body);
      return 1;
    }), { sql: sql.entryWithBody, plan: planOf(db, sql.entryWithBody, 0) });
    add('blockByHeight', measure(samples, (i) => {
      JSON.parse((stmt.blockByHeight.get(1 + pick(i, 3, heightMax)) as { header: string }).header);
      return 1;
    }), { sql: sql.blockByHeight, plan: planOf(db, sql.blockByHeight, 1) });
    add('latestBlock', measure(samples, () => {
      JSON.parse((stmt.latestBlock.get() as { header: string }).header);
      return 1;
    }), { sql: sql.latestBlock, plan: planOf(db, sql.latestBlock), note: 'SCAN here walks the rowid b-tree backwards and stops at LIMIT 1' });
    add('blockEntries', measure(samples, (i) => stmt.blockEntries.all(1 + pick(i, 4, heightMax)).length), { sql: sql.blockEntries, plan: planOf(db, sql.blockEntries, 1) });
    add('recordState', measure(samples, (i) => (view.get(`record/${recordIdOf(record(i))}`) ? 1 : 0)), { note: 'SqliteStateView.get (primary key of state)' });
    add('chartPage (range scan of chart/<patient>/ + record rows)', measure(samples, (i) => {
      const p = patientName(randomPatient(i));
      const rows = stmt.chartRange.all(`chart/${p}/`, `chart/${p}0`) as { value: string }[];
      for (const r of rows) view.get(`record/${JSON.parse(r.value) as string}`);
      return rows.length;
    }), { sql: sql.chartRange, plan: planOf(db, sql.chartRange, 'chart/a/', 'chart/a0'), note: '10% of samples are chronic patients (~100 records); keys sort as text (i = 0, 1, 10, 11, …)' });
    // The directory pages the node serves: the ledger store's own query.
    const directoryIndex = { page: (patient: string, own: boolean, page: { limit: number }) => ledgerStore.directoryPage(patient, own, page) };
    for (let i = 0; i < 50; i++) {
      // The synthetic index rows must say what the contract says of the synthetic state.
      const patient = patientName(randomPatient(i));
      const viewer = i % 2 ? patient : doctorName(pick(i, 5, doctors));
      const want = directory(view, viewer, patient);
      const got = directoryIndex.page(patient, viewer === patient, { limit: 500 }).entries;
      if (!want.ok || canonicalJson(want.entries as never) !== canonicalJson(got as never)) throw new Error(`synthetic directory index disagrees with the contract for ${viewer} → ${patient}`);
    }
    add('doctorDirectory (node: contract directoryAccess + directory index page of 100)', measure(samples, (i) => {
      const patient = patientName(randomPatient(i));
      const access = directoryAccess(view, doctorName(pick(i, 5, doctors)), patient);
      if (!access.ok) throw new Error(`directory: ${access.code}`);
      return directoryIndex.page(patient, access.own, { limit: 100 }).entries.length;
    }), { note: 'what LedgerNode.directory does: point reads user ×2, role, then one range read of directory rows (patient, chart_index)' });
    add('patientDirectory (node: own records, directory index page of 100)', measure(samples, (i) => {
      const patient = patientName(randomPatient(i));
      const access = directoryAccess(view, patient, patient);
      if (!access.ok) throw new Error(`directory: ${access.code}`);
      return directoryIndex.page(patient, access.own, { limit: 100 }).entries.length;
    }));
    const contractDirectory = measure(samples, (i) => {
      const result = directory(view, doctorName(pick(i, 5, doctors)), patientName(randomPatient(i)));
      if (!result.ok) throw new Error(`directory: ${result.code}`);
      return result.entries.length;
    });
    add('auditPage user (50 newest, joined to entries)', measure(samples, (i) => {
      const u = pick(i, 6, 4) === 0 ? doctorUser(pick(i, 7, doctors)) : patientUser(pop, randomPatient(i));
      return stmt.auditPage.all(`u:${userName(pop, u)}`).length;
    }), { sql: sql.auditPage, plan: planOf(db, sql.auditPage, 'u:admin'), note: '25% doctors (long histories), 75% patients' });
    add('auditPage record', measure(samples, (i) => stmt.auditPage.all(`r:${recordIdOf(record(i))}`).length), { sql: sql.auditPage, plan: planOf(db, sql.auditPage, 'r:00') });
    const tree = new MerkleTree(sha256, { store: new SqliteMerkleStore(db), size: entries });
    const root = tree.root();
    const headRoot = (JSON.parse((stmt.latestBlock.get() as { header: string }).header) as BlockHeader).treeRoot;
    if (toHex(root) !== headRoot) throw new Error('Merkle store does not match the latest block');
    add(`inclusionProof at ${entries}`, measure(samples, (i) => {
      const seq = pick(i, 8, entries);
      const proof = tree.inclusionProof(seq, entries);
      if (i < 20) {
        const row = stmt.txByHash.get(txHashOf(seq)) as { outcome: string };
        verifyInclusion(sha256, seq, entries, entryLeafHash(sha256, { tx: txHashOf(seq), outcome: row.outcome }), proof, root);
      }
      return proof.length;
    }), { note: 'MerkleTree over SqliteMerkleStore; meanRows = hashes per proof' });
    add('mayRead (contract, SQLite state view)', measure(samples, (i) => {
      const k = record(i);
      const who = pick(i, 9, 3);
      const user = who === 0 ? patientName(ownerOf(pop, k).patient) : doctorName(who === 1 ? doctorOf(pop, k) : pick(i, 10, doctors));
      return mayRead(view, user, recordIdOf(k), 1, now).ok ? 1 : 0;
    }), { note: 'a third owners, a third the doctor grants go to (granted for ~14% of records), a third other doctors; meanRows = share allowed' });

    const counts = Object.fromEntries(
      ['entries', 'bodies', 'blocks', 'state', 'block_writes', 'audit', 'merkle_nodes', 'attestations', 'blobs', 'directory'].map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
    );
    const stateCounts = Object.fromEntries(
      ['user/', 'key/', 'role/', 'record/', 'version/', 'wrap/', 'chart/', 'grant/', 'request/', 'pending/', 'nonce/', 'nonce-expiry/'].map((p) => [
        p,
        (db.prepare('SELECT COUNT(*) AS n FROM state WHERE key >= ? AND key < ?').get(p, p.slice(0, -1) + '0') as { n: number }).n,
      ]),
    );
    const nonceBucketsRow = (db.prepare("SELECT COUNT(*) AS n FROM state WHERE key = 'nonce-buckets'").get() as { n: number }).n;
    await ledgerStore.close();
    db.close();
    // The reference in the same run: the state as it was before nonces were pruned, one nonce row per transaction ever.
    const nonceRows = stateCounts['nonce/']! + stateCounts['nonce-expiry/']! + nonceBucketsRow;
    const nonces = {
      spent: filled.noncesSpent, live: stateCounts['nonce/'], expiryIndexRows: stateCounts['nonce-expiry/']! + nonceBucketsRow,
      txLifetimeMs: DEFAULT_TX_LIFETIME_MS, chainSpanMs: filled.blocks * blockMs,
      stateRows: counts.state, stateRowsIfNeverPruned: counts.state! - nonceRows + filled.noncesSpent,
      note: 'every transaction spends a nonce (client default lifetime); the contract forgets it once its minute bucket ends. ' +
        'stateRowsIfNeverPruned is this state with one nonce row per transaction ever instead of the live nonces and their index',
    };
    // Not an API query: the contract's own directory() over the state (three point reads per record), kept as the reference the index replaced.
    const sortedContract = [...contractDirectory.times].sort((a, b) => a - b);
    const referenceContractDirectory = {
      p50Ms: round(percentile(sortedContract, 50), 3), p99Ms: round(percentile(sortedContract, 99), 3), meanRows: round(contractDirectory.rows / samples, 1),
      note: 'contract directory() over the state table, not used by the API: the node answers from its directory index',
    };
    const worst = Object.entries(results).reduce((a, b) => (b[1].p99Ms > a[1].p99Ms ? b : a));
    return {
      bench: 'scale',
      machine: machine(),
      synthetic: true,
      note: 'SYNTHETIC rows written straight into the node schema (random signatures; block roots are real Merkle roots of the entries)',
      population: { records, entries, users: pop.users, doctors, patients, chronicPatients: chronic, blockTxs: perBlock, blockMs, blocks: filled.blocks },
      fill: { seconds: round(filled.seconds, 0), entriesPerSec: round(entries / filled.seconds, 0) },
      disk: { bytes, gib: round(bytes / 2 ** 30, 2), bytesPerEntry: round(bytes / entries, 0), tableSizesMiB: tableSizes },
      rows: counts,
      stateRows: stateCounts,
      nonces,
      targetP99Ms: 20,
      samplesPerQuery: samples,
      queries: results,
      referenceContractDirectory,
      worstP99: { query: worst[0], p99Ms: worst[1].p99Ms },
      allWithinTarget: Object.values(results).every((r) => r.withinTarget),
    };
  } finally {
    if (keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
