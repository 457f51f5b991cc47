/**
 * `npm run bench -- upload-breakdown [--size-mib 256] [--chunk-mib 1] [--node-process]`
 *
 * Where an upload's time goes, stage by stage, each stage alone on the same
 * bytes and chunk size, one after the other in one run:
 *
 * - the raw primitives: WebCrypto AES-256-GCM encrypt and SHA-256 of one
 *   chunk, with 1, 2 and 4 in flight (4 is what the client keeps);
 * - the client's sealing alone: `encryptEnvelope` (AES-GCM STREAM and the
 *   chunk hashes) into a sink that keeps nothing;
 * - HTTP alone: the same number of chunk-sized PUTs to a bare `node:http`
 *   server that only collects each body, 4 in flight, on the CLI's transport;
 * - the node's upload path on sealed chunks held in memory: the PUTs of the
 *   upload routes (digest, checks, staging write and journal per chunk), then
 *   `complete` (cipherRoot, one fsync, rename, directory fsync, blob row);
 * - the reference: the bare write of the same size as the blob store writes.
 *
 * Each stage as MB/s of wall time and CPU ms per MiB (this process, plus the
 * node's with --node-process). On two shared cores an upload cannot beat the
 * machine's CPU divided by the sum of its stages' CPU per MiB.
 */
import { createServer } from 'node:http';
import { open, rename, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { storedSizeOf } from '../src/client/files.ts';
import { nodeFetch } from '../src/cli/http-fetch.ts';
import { ALG, encryptEnvelope, generateDek, type StoredChunk } from '../src/crypto/index.ts';
import { cpuMsOf, startBenchNode } from './http-node.ts';
import { contentPiece } from './upload.ts';
import { inFlight, log, machine, option, round } from './util.ts';

const MiB = 2 ** 20;

async function measure(size: number, fn: () => Promise<unknown>, nodePid = process.pid) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const nodeCpu = nodePid === process.pid ? 0 : cpuMsOf(nodePid);
  await fn();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  const cpuMs = (used.user + used.system) / 1000 + (nodePid === process.pid ? 0 : cpuMsOf(nodePid) - nodeCpu);
  return { ms: round(ms, 0), mbPerSec: round(size / 1e6 / (ms / 1000), 0), cpuMsPerMiB: round(cpuMs / (size / MiB), 2) };
}

/** A node:http server that collects each request body into one buffer and answers a small JSON: the HTTP floor. */
async function bareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = Buffer.allocUnsafe(Number(req.headers['content-length'] ?? 0));
    let filled = 0;
    req.on('data', (piece: Buffer) => (filled += piece.copy(body, filled)));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"held":1}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function run(args: string[]) {
  const size = option(args, 'size-mib', 256) * MiB;
  const chunkSize = option(args, 'chunk-mib', 1) * MiB;
  const nodeProcess = args.includes('--node-process');
  const chunks = size / chunkSize;
  const piece = contentPiece(chunkSize);
  const content = async function* () {
    for (let i = 0; i < chunks; i++) yield piece;
  };
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', generateDek(), { name: 'AES-GCM' }, false, ['encrypt']);
  const iv = new Uint8Array(12);
  const stages: Record<string, unknown> = {};
  for (const depth of [1, 2, 4]) {
    log(`primitives, ${depth} in flight`);
    stages[`aesGcmEncrypt_${depth}`] = await measure(size, () => inFlight(chunks, depth, () => subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, piece)));
    stages[`sha256_${depth}`] = await measure(size, () => inFlight(chunks, depth, () => subtle.digest('SHA-256', piece)));
  }
  const bench = await startBenchNode({}, { nodeProcess });
  const bare = await bareServer();
  try {
    const context = { chain: bench.chainId, recordId: 'b'.repeat(32), version: 1, fileName: 'bench.bin', chunkSize };
    log('encryptEnvelope into a null sink');
    stages.sealOnly = await measure(size, () => encryptEnvelope({ ...context, dek: generateDek() }, content(), () => undefined));

    log('bare HTTP PUTs');
    const body = new Uint8Array(chunkSize + 16);
    stages.httpBare = await measure(size, () => inFlight(chunks, bench.raj.files.parallel, async () => {
      const r = await nodeFetch(`${bare.url}/put`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
      await r.json();
    }));

    log('the node\'s upload routes on chunks sealed beforehand');
    const sealed: StoredChunk[] = [];
    const summary = await encryptEnvelope({ ...context, dek: generateDek() }, content(), (c) => void sealed.push(c));
    const files = bench.raj.files;
    const up = await files.createUpload(storedSizeOf({ alg: ALG.envelope, ...context }, context.fileName, size));
    await files.putChunk(up.uploadId, 0, sealed[0]!.bytes, sealed[0]!.hash);
    stages.nodePutChunks = await measure(size, () => inFlight(sealed.length - 1, files.parallel, (i) => files.putChunk(up.uploadId, i + 1, sealed[i + 1]!.bytes, sealed[i + 1]!.hash)), bench.pid);
    const commit = await measure(size, () => files.complete(up.uploadId, summary.cipherRoot, sealed.length), bench.pid);
    stages.durableCommitMs = commit.ms;
    sealed.length = 0;

    log('bare write');
    const tmp = join(bench.dataDir, 'bare.tmp');
    stages.bareWrite = await measure(size, async () => {
      const handle = await open(tmp, 'wx', 0o600);
      for (let i = 0; i < chunks; i++) await handle.write(piece);
      await handle.sync();
      await handle.close();
      await rename(tmp, `${tmp}.done`);
      const d = await open(bench.dataDir, 'r');
      await d.sync();
      await d.close();
    });
    await rm(`${tmp}.done`);
  } finally {
    await bare.close();
    await bench.close();
  }
  return { bench: 'upload-breakdown', machine: machine(), loadAverage: loadavg().map((l) => round(l, 1)), sizeMiB: size / MiB, chunkSizeMiB: chunkSize / MiB, nodeProcess, stages };
}
