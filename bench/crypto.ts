/**
 * `npm run bench -- crypto [--size-mib 1024] [--rsa-ops 400]`
 * Envelope encrypt/decrypt throughput on a large stream in constant memory,
 * beside raw WebCrypto AES-GCM over the same chunks in the same run; RSA sign,
 * verify, wrap and unwrap rates beside raw WebCrypto at the same concurrency.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decryptEnvelope, encryptEnvelope, generateDek, generateUserKeys, keyId, randomBytes, signBytes, unwrapDek, verifyBytes, wrapDek,
  wrapLabel, DEFAULT_CHUNK_SIZE,
} from '../src/crypto/index.ts';
import { log, machine, opensslRsa3072, option, rate, round } from './util.ts';

const CHAIN = 'ab'.repeat(32);
const RECORD = 'cd'.repeat(16);

class PeakRss {
  peak = 0;
  private readonly timer = setInterval(() => this.sample(), 20);
  sample() {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
    return round(this.peak / 2 ** 20, 1);
  }
}

async function* repeated(piece: Uint8Array, count: number) {
  for (let i = 0; i < count; i++) yield piece;
}

async function envelope(sizeMiB: number) {
  const piece = randomBytes(DEFAULT_CHUNK_SIZE);
  const bytes = sizeMiB * DEFAULT_CHUNK_SIZE;
  const dek = generateDek();
  const dir = await mkdtemp(join(tmpdir(), 'dhl-bench-'));
  const blobPath = join(dir, 'blob');
  try {
    // Reference: raw WebCrypto AES-256-GCM over the same 1 MiB chunks, same depth of 4 in flight.
    const key = await crypto.subtle.importKey('raw', dek, 'AES-GCM', false, ['encrypt', 'decrypt']);
    const iv = new Uint8Array(12);
    const aad = randomBytes(32);
    log(`raw WebCrypto AES-GCM over ${sizeMiB} MiB…`);
    const rawEncRate = await rate(sizeMiB, 4, () => crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, piece));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, piece));
    const rawDecRate = await rate(sizeMiB, 4, () => crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, sealed));
    const rawHashRate = await rate(sizeMiB, 4, () => crypto.subtle.digest('SHA-256', sealed));

    log(`envelope encrypt ${sizeMiB} MiB, output discarded…`);
    const rssBefore = round(process.memoryUsage().rss / 2 ** 20, 1);
    let rss = new PeakRss();
    let start = performance.now();
    await encryptEnvelope({ chain: CHAIN, recordId: RECORD, version: 1, dek, fileName: 'bench.bin' }, repeated(piece, sizeMiB), () => {});
    const encNullSeconds = (performance.now() - start) / 1000;
    const encNullPeak = rss.stop();

    log(`bare write of ${sizeMiB} MiB to a temp file…`);
    start = performance.now();
    const bare = createWriteStream(join(dir, 'bare'));
    for (let i = 0; i < sizeMiB; i++) if (!bare.write(piece)) await once(bare, 'drain');
    bare.end();
    await once(bare, 'finish');
    const bareWriteSeconds = (performance.now() - start) / 1000;
    await rm(join(dir, 'bare'));

    log(`envelope encrypt ${sizeMiB} MiB to a temp file…`);
    rss = new PeakRss();
    const out = createWriteStream(blobPath);
    start = performance.now();
    const summary = await encryptEnvelope({ chain: CHAIN, recordId: RECORD, version: 1, dek, fileName: 'bench.bin' }, repeated(piece, sizeMiB), async (c) => {
      if (!out.write(c.bytes)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'finish');
    const encSeconds = (performance.now() - start) / 1000;
    const encPeak = rss.stop();

    log(`envelope decrypt ${sizeMiB} MiB from the temp file…`);
    rss = new PeakRss();
    start = performance.now();
    let seen = 0;
    await decryptEnvelope(createReadStream(blobPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>, { dek, cipherRoot: summary.cipherRoot }, (c) => {
      seen += c.length;
    });
    const decSeconds = (performance.now() - start) / 1000;
    const decPeak = rss.stop();
    if (seen !== bytes) throw new Error('decrypt size mismatch');

    // Bare file read of the same blob: what the decrypt path's input costs alone.
    start = performance.now();
    for await (const _ of createReadStream(blobPath, { highWaterMark: 1 << 20 })) void _;
    const readSeconds = (performance.now() - start) / 1000;

    const mbps = (b: number, s: number) => round(b / 1e6 / s, 1);
    const rawEncMBps = round((rawEncRate * DEFAULT_CHUNK_SIZE) / 1e6, 1);
    const rawDecMBps = round((rawDecRate * DEFAULT_CHUNK_SIZE) / 1e6, 1);
    return {
      sizeMiB,
      chunkSize: DEFAULT_CHUNK_SIZE,
      storedBytes: (await stat(blobPath)).size,
      encrypt: { MBps: mbps(bytes, encNullSeconds), peakRssMiB: encNullPeak, includes: 'AES-GCM + SHA-256 per chunk + cipherRoot, output discarded' },
      encryptToFile: { MBps: mbps(bytes, encSeconds), peakRssMiB: encPeak, includes: 'the above + file write (no fsync)' },
      decrypt: { MBps: mbps(bytes, decSeconds), peakRssMiB: decPeak, includes: 'file read + AES-GCM + SHA-256 per chunk + cipherRoot' },
      rssBeforeMiB: rssBefore,
      reference: {
        rawWebCryptoAesGcmEncryptMBps: rawEncMBps,
        rawWebCryptoAesGcmDecryptMBps: rawDecMBps,
        rawWebCryptoSha256MBps: round((rawHashRate * DEFAULT_CHUNK_SIZE) / 1e6, 1),
        bareFileReadMBps: mbps(summary.storedSize, readSeconds),
        bareFileWriteMBps: mbps(bytes, bareWriteSeconds),
      },
      ratio: {
        encryptVsRawAesGcm: round(mbps(bytes, encNullSeconds) / rawEncMBps, 3),
        encryptToFileVsBareWrite: round(encSeconds > 0 ? bareWriteSeconds / encSeconds : 0, 3),
        decryptVsRawAesGcm: round(mbps(bytes, decSeconds) / rawDecMBps, 3),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rsa(ops: number) {
  log('generating RSA-3072 key pairs…');
  const keys = await generateUserKeys();
  const encKeyId = await keyId(keys.enc.publicKey);
  const message = randomBytes(300);
  const dek = generateDek();
  const ctx = { chain: CHAIN, recordId: RECORD, version: 1 };
  const signature = new Uint8Array(await signBytes(keys.sig.privateKey, message));
  const wrapped = await wrapDek(dek, keys.enc.publicKey, ctx);
  const label = new Uint8Array(wrapLabel(ctx, encKeyId));
  const rawWrapped = await crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, keys.enc.publicKey, dek);
  const pss = { name: 'RSA-PSS', saltLength: 32 };
  const results: Record<string, unknown> = {};
  for (const concurrency of [1, 2, 4]) {
    log(`RSA at concurrency ${concurrency}…`);
    const n = concurrency === 1 ? Math.max(50, ops / 4) : ops;
    const verifyN = n * 4;
    const sign = await rate(n, concurrency, () => signBytes(keys.sig.privateKey, message));
    const rawSign = await rate(n, concurrency, () => crypto.subtle.sign(pss, keys.sig.privateKey, message));
    const verify = await rate(verifyN, concurrency, () => verifyBytes(keys.sig.publicKey, signature, message));
    const rawVerify = await rate(verifyN, concurrency, () => crypto.subtle.verify(pss, keys.sig.publicKey, signature, message));
    const wrap = await rate(verifyN, concurrency, () => wrapDek(dek, keys.enc.publicKey, ctx));
    const rawWrap = await rate(verifyN, concurrency, () => crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, keys.enc.publicKey, dek));
    const unwrap = await rate(n, concurrency, () => unwrapDek(wrapped, keys.enc.privateKey, CHAIN));
    const rawUnwrap = await rate(n, concurrency, () => crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, keys.enc.privateKey, rawWrapped));
    const pair = (ours: number, raw: number) => ({ perSec: round(ours, 1), rawWebCryptoPerSec: round(raw, 1), ratio: round(ours / raw, 3) });
    results[`concurrency${concurrency}`] = {
      sign: pair(sign, rawSign),
      verify: pair(verify, rawVerify),
      wrap: pair(wrap, rawWrap),
      unwrap: pair(unwrap, rawUnwrap),
    };
  }
  log('openssl speed rsa3072…');
  return { ...results, opensslSpeedRsa3072: opensslRsa3072() };
}

export async function run(args: string[]) {
  const sizeMiB = option(args, 'size-mib', 1024);
  const rsaOps = option(args, 'rsa-ops', 400);
  return { bench: 'crypto', machine: machine(), envelope: await envelope(sizeMiB), rsa: await rsa(rsaOps) };
}
