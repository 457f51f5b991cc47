/**
 * `npm run bench -- upload [--sizes-mib 100,1024] [--chunk-mib 1] [--node-process]`
 *
 * A file through the client over loopback HTTP, as DESIGN §10 budgets it:
 * upload = the client seals it (AES-256-GCM STREAM, chunk hashing), sends the
 * stored chunks (per-chunk PUTs, a few in flight), the node verifies each and
 * writes it, then makes the blob durable (fsync, rename, directory fsync) and
 * records it; download = the reader's ciphertext in ranges through the read
 * facade (after a ledgered RecordRead), decrypted and written to a file that
 * is fsynced. Each beside the reference of the same run: a bare write of the
 * same size done as DESIGN §8 stores a blob (write, one fsync, rename,
 * directory fsync). Ratio = reference time / measured time (target ≥ 0.7).
 * A second reference, the floor of the client's own work: WebCrypto alone
 * encrypting each chunk (AES-256-GCM) and hashing its ciphertext (SHA-256),
 * as many in flight as the client keeps, no HTTP, no node — `ratio.
 * uploadOfSeal` is how near the whole upload comes to it.
 * Client and node share this process, or with `--node-process` the node runs
 * in a child process of its own (as the CLI and `dhl serve` do: each side's
 * JavaScript on its own thread). Peak RSS of each process is sampled during
 * each phase, per size: memory flat in file size. JSON on stdout.
 */
import { open, rename, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { fixtureKey } from '../test/fixtures/keys.ts';
import { openRecord, signTx, uploadBlob, type ClientContext } from '../src/client/index.ts';
import { cpuMsOf, rssOf, startBenchNode } from './http-node.ts';
import { inFlight, listOption, log, machine, option, round } from './util.ts';

const MiB = 2 ** 20;

/** Content without storing it: a random MiB repeated (AES output is random anyway; no file read in the measured path). */
function content(size: number, piece: Uint8Array): () => AsyncGenerator<Uint8Array> {
  return async function* () {
    for (let offset = 0; offset < size; offset += piece.length) yield offset + piece.length <= size ? piece : piece.subarray(0, size - offset);
  };
}

/** `bytes` of content (a MiB unless told): 64 KiB of random bytes repeated (the envelope's AES output is random whatever goes in). */
export function contentPiece(bytes = MiB): Uint8Array<ArrayBuffer> {
  const piece = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(piece.subarray(0, 65536));
  for (let i = 65536; i < bytes; i += 65536) piece.copyWithin(i, 0, 65536);
  return piece;
}

/** Samples the RSS of this process and of the node's (when it has its own) while `fn` runs: the peaks in MiB, the CPU time of both. */
export async function withPeakRss<T>(nodePid: number, fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number; nodeCpuMs?: number; peakRssMiB: number; nodePeakRssMiB?: number }> {
  const own = nodePid === process.pid;
  let peak = process.memoryUsage.rss();
  let nodePeak = own ? 0 : rssOf(nodePid);
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    if (!own) nodePeak = Math.max(nodePeak, rssOf(nodePid));
  };
  const timer = setInterval(sample, 20);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const nodeCpu = own ? 0 : cpuMsOf(nodePid);
  try {
    const value = await fn();
    const used = process.cpuUsage(cpu);
    sample();
    const nodeCpuMs = own ? 0 : cpuMsOf(nodePid) - nodeCpu;
    const cpuMs = (used.user + used.system) / 1000 + nodeCpuMs;
    return { value, ms: performance.now() - start, cpuMs, peakRssMiB: round(peak / MiB, 0), ...(own ? {} : { nodeCpuMs, nodePeakRssMiB: round(nodePeak / MiB, 0) }) };
  } finally {
    clearInterval(timer);
  }
}

/** The reference: `size` bytes written as the blob store writes a blob — temp file, one fsync, rename, fsync of the directory. */
export async function bareWrite(dir: string, size: number, piece: Uint8Array): Promise<number> {
  const tmp = join(dir, 'bare.tmp');
  const start = performance.now();
  const handle = await open(tmp, 'wx', 0o600);
  try {
    for (let offset = 0; offset < size; offset += piece.length) {
      const n = Math.min(piece.length, size - offset);
      await handle.write(piece, 0, n);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, 'bare'));
  const d = await open(dir, 'r');
  await d.sync();
  await d.close();
  const ms = performance.now() - start;
  await rm(join(dir, 'bare'));
  return ms;
}

/** The second reference: `size` bytes through raw WebCrypto as the client seals them, AES-256-GCM then SHA-256 of each chunk, `parallel` chunks in flight. */
export async function webCryptoSeal(size: number, chunkSize: number, parallel: number): Promise<number> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', globalThis.crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
  const plain = contentPiece(chunkSize);
  const start = performance.now();
  await inFlight(Math.ceil(size / chunkSize), parallel, async (i) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, i);
    await subtle.digest('SHA-256', await subtle.encrypt({ name: 'AES-GCM', iv }, key, plain));
  });
  return performance.now() - start;
}

async function submitTx(ctx: ClientContext, type: string, body: unknown): Promise<string> {
  const tx = await signTx(sha256, ctx.chain, { username: ctx.me.username, sigKeyId: ctx.me.sig.keyId, sigPrivateKey: ctx.me.sig.privateKey }, type, body as never, { now: Date.now() });
  const result = await ctx.api.call('submitTx', tx as never);
  if (result.outcome !== 'OK') throw new Error(`${type}: ${result.outcome}`);
  return result.txHash;
}

export async function run(args: string[]) {
  const sizes = listOption(args, 'sizes-mib', [100, 1024]).map((m) => m * MiB);
  const chunkSize = option(args, 'chunk-mib', 1) * MiB;
  const nodeProcess = args.includes('--node-process');
  const bench = await startBenchNode({}, { nodeProcess });
  const piece = contentPiece();
  const results = [];
  try {
    const authorSigKey = (await fixtureKey('raj', 'sig')).publicKey;
    for (const size of sizes) {
      log(`upload: ${size / MiB} MiB`);
      const bareMs = await bareWrite(bench.dataDir, size, piece);
      const sealMs = await webCryptoSeal(size, chunkSize, bench.raj.files.parallel);
      const up = await withPeakRss(bench.pid, () =>
        uploadBlob(bench.raj, { title: 'bench', mediaType: 'application/octet-stream', fileName: 'bench.bin', content: content(size, piece), contentSize: size, chunkSize }),
      );
      const uploaded = up.value;
      const body = { manifest: uploaded.sealed.signedManifest.manifest, manifestSig: uploaded.sealed.signedManifest.signature, wrappedKeys: uploaded.sealed.wrappedKeys };
      await submitTx(bench.raj, 'AddRecord', body);
      await submitTx(bench.raj, 'RecordRead', { recordId: uploaded.recordId, version: 1 });
      log(`download: ${size / MiB} MiB`);
      const bareMs2 = await bareWrite(bench.dataDir, size, piece);
      const outPath = join(bench.dataDir, 'downloaded.bin');
      const down = await withPeakRss(bench.pid, async () => {
        const out = await open(outPath, 'w', 0o600);
        try {
          const opened = await openRecord(
            { signedManifest: uploaded.sealed.signedManifest, authorSigPublicKey: authorSigKey, wrappedKey: uploaded.sealed.wrappedKeys[0]!, readerEncPrivateKey: bench.raj.me.enc.privateKey },
            bench.raj.files.ciphertext(uploaded.recordId, 1),
            async (bytes) => void (await out.write(bytes)),
          );
          await out.sync();
          return opened;
        } finally {
          await out.close();
        }
      });
      if (down.value.contentSize !== size) throw new Error('download: wrong size');
      await rm(outPath);
      const mbps = (ms: number) => round(size / 1e6 / (ms / 1000), 1);
      // With the node in its own process: how much of the CPU per MiB was the node's.
      const nodeShare = (p: { nodeCpuMs?: number }) => (p.nodeCpuMs !== undefined ? { nodeCpuMsPerMiB: round(p.nodeCpuMs / (size / MiB), 2) } : {});
      results.push({
        sizeMiB: size / MiB,
        // CPU time of client and node (every thread: JavaScript, crypto and file-system pools) per MiB: less sensitive to a busy machine than wall time.
        upload: { ms: round(up.ms, 0), mbPerSec: mbps(up.ms), peakRssMiB: up.peakRssMiB, ...(up.nodePeakRssMiB !== undefined ? { nodePeakRssMiB: up.nodePeakRssMiB } : {}), cpuMsPerMiB: round(up.cpuMs / (size / MiB), 2), ...nodeShare(up) },
        download: { ms: round(down.ms, 0), mbPerSec: mbps(down.ms), peakRssMiB: down.peakRssMiB, ...(down.nodePeakRssMiB !== undefined ? { nodePeakRssMiB: down.nodePeakRssMiB } : {}), cpuMsPerMiB: round(down.cpuMs / (size / MiB), 2), ...nodeShare(down) },
        reference: { bareWriteMs: [round(bareMs, 0), round(bareMs2, 0)], mbPerSec: [mbps(bareMs), mbps(bareMs2)], webCryptoSealMs: round(sealMs, 0), webCryptoSealMbPerSec: mbps(sealMs) },
        ratio: { upload: round(bareMs / up.ms, 3), download: round(bareMs2 / down.ms, 3), uploadOfSeal: round(sealMs / up.ms, 3) },
      });
    }
  } finally {
    await bench.close();
  }
  return { bench: 'upload', machine: machine(), loadAverage: loadavg().map((l) => round(l, 1)), nodeProcess, chunkSizeMiB: chunkSize / MiB, parallelChunks: bench.raj.files.parallel, target: 0.7, results };
}
