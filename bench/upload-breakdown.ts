/**
 * `npm run bench -- upload-breakdown [--size-mib 256] [--chunk-mib 1]`
 *
 * Where an upload's time goes, stage by stage, each stage alone on the same
 * bytes and chunk size (run in the same process as `upload`, one after the
 * other): the raw primitives (WebCrypto AES-256-GCM and SHA-256 of one
 * chunk, one and several in flight), the client's sealing alone
 * (`encryptEnvelope` into a sink that keeps nothing), the HTTP send of
 * pre-sealed chunks to the node (verify + staging write per chunk, the
 * upload's fsync and rename at completion), and the reference bare write.
 * Each stage as MB/s of wall time and CPU ms per MiB of the whole process:
 * on two shared cores the sum of the CPU column bounds the end-to-end rate.
 */
import { open, rename, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { encryptEnvelope, generateDek, type StoredChunk } from '../src/crypto/index.ts';
import { startBenchNode } from './http-node.ts';
import { log, machine, round } from './util.ts';

const MiB = 2 ** 20;

async function measure(size: number, fn: () => Promise<unknown>) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  return { mbPerSec: round(size / 1e6 / (ms / 1000), 0), cpuMsPerMiB: round((used.user + used.system) / 1000 / (size / MiB), 2) };
}

/** `count` jobs with up to `depth` in flight. */
async function inFlight(count: number, depth: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: depth }, async () => {
    while (next < count) await job(next++);
  }));
}

export async function run(args: string[]) {
  const size = (args.includes('--size-mib') ? Number(args[args.indexOf('--size-mib') + 1]) : 256) * MiB;
  const chunkSize = (args.includes('--chunk-mib') ? Number(args[args.indexOf('--chunk-mib') + 1]) : 1) * MiB;
  const chunks = size / chunkSize;
  const piece = new Uint8Array(chunkSize);
  globalThis.crypto.getRandomValues(piece.subarray(0, 65536));
  for (let i = 65536; i < chunkSize; i += 65536) piece.copyWithin(i, 0, 65536);
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', generateDek(), { name: 'AES-GCM' }, false, ['encrypt']);
  const iv = new Uint8Array(12);
  const stages: Record<string, unknown> = {};
  for (const depth of [1, 2, 4]) {
    log(`primitives, ${depth} in flight`);
    stages[`aesGcmEncrypt_${depth}`] = await measure(size, () => inFlight(chunks, depth, () => subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, piece)));
    stages[`sha256_${depth}`] = await measure(size, () => inFlight(chunks, depth, () => subtle.digest('SHA-256', piece)));
  }
  log('encryptEnvelope into a null sink');
  const context = { chain: 'a'.repeat(64), recordId: 'b'.repeat(32), version: 1, fileName: 'bench.bin', chunkSize };
  const content = async function* () {
    for (let i = 0; i < chunks; i++) yield piece;
  };
  stages.sealOnly = await measure(size, () => encryptEnvelope({ ...context, dek: generateDek() }, content(), () => undefined));

  const bench = await startBenchNode();
  try {
    log('pre-sealed chunks over HTTP');
    const sealed: StoredChunk[] = [];
    // Pre-seal a window of distinct chunks once (the sends reuse them at every index of the same shape).
    const ctx = { ...context, chain: bench.chainId };
    await encryptEnvelope({ ...ctx, dek: generateDek() }, content(), (c) => void (c.index < 3 || c.index === chunks ? sealed.push(c) : undefined));
    const [header, first, second, last] = sealed as [StoredChunk, StoredChunk, StoredChunk, StoredChunk];
    const files = bench.raj.files;
    const { storedSizeOf } = await import('../src/client/files.ts');
    const { ALG } = await import('../src/crypto/index.ts');
    const declared = storedSizeOf({ alg: ALG.envelope, ...ctx }, ctx.fileName, size);
    const up = await files.createUpload(declared);
    let completeMs = 0;
    stages.httpSendAndStore = await measure(size, async () => {
      await files.putChunk(up.uploadId, 0, header.bytes, header.hash);
      await inFlight(chunks - 1, files.parallel, (i) => {
        const c = i % 2 === 0 ? first : second;
        return files.putChunk(up.uploadId, i + 1, c.bytes, c.hash);
      });
      await files.putChunk(up.uploadId, chunks, last.bytes, last.hash);
      const t = performance.now();
      // The root will not match (the chunks repeat): completion then refuses after checking; what it costs to get there is the fsync-less part.
      await files.complete(up.uploadId, '0'.repeat(64), chunks + 1).catch(() => undefined);
      completeMs = performance.now() - t;
    });
    stages.completeRefusedMs = round(completeMs, 0);
    await files.cancel(up.uploadId);

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
    await bench.close();
  }
  return { bench: 'upload-breakdown', machine: machine(), loadAverage: loadavg().map((l) => round(l, 1)), sizeMiB: size / MiB, chunkSizeMiB: chunkSize / MiB, stages };
}
