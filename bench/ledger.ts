/**
 * `npm run bench -- ledger [--txs 6000] [--breakdown-txs 2000] [--latency-seconds 10] [--merkle-leaves 1000000] [--proofs 10000]`
 *
 * Durable appends/s of RSA-PSS-3072-signed transactions through the embedded
 * node (admission: parse, precheck, signature verify; contract; one SQLite
 * transaction per block, WAL, synchronous=FULL), at its best in-flight count
 * of a small sweep, beside WebCrypto verification of the same transactions
 * with the same kind of key objects at its best concurrency, as a ratio
 * (DESIGN §10: target ≥ 0.5, goal 0.7); OpenSSL's `speed` figure printed
 * beside. Then: a per-transaction CPU breakdown by stage, submit→durable
 * latency at half the best rate (open loop), full-chain verification of the
 * chain just built, and inclusion proofs at 1 M leaves (SYNTHETIC leaves in the
 * node's SQLite Merkle store). Transactions are signed before anything is
 * timed (signing is the client's cost). JSON on stdout, progress on stderr.
 */
import { cpus, loadavg } from 'node:os';
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay, performance as perfHooks } from 'node:perf_hooks';
import { fromBase64url, importSpki } from '../src/crypto/index.ts';
import { parseTx, txSigningBytes, type SignedTx } from '../src/ledger/index.ts';
import { LedgerNode, sha256 } from '../src/node/index.ts';
import { breakdown } from './ledger-breakdown.ts';
import { latencyStats, proofsAtScale, verifyChainOfDataDir, verifyDataDirRate } from './ledger-chain.ts';
import { createLedger, seedLedger, signLoad } from './ledger-load.ts';
import { log, machine, opensslRsa3072, option, rate, round } from './util.ts';

const NODE_SWEEP = [16, 64, 256, 1024];
const VERIFY_SWEEP = [1, 2, 4, 8];

/** Submits `texts` at `perSec` on a timer (open loop); latency is from each one's scheduled time to its durable answer. */
async function openLoop(node: LedgerNode, texts: string[], perSec: number) {
  const fromScheduled: number[] = [];
  const fromCall: number[] = [];
  let errors = 0;
  let done = 0;
  let sent = 0;
  // Main-thread stalls (synchronous COMMIT and WAL checkpoints, GC) show as event-loop delay.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (++done === texts.length) resolve();
    };
    const tick = () => {
      const due = Math.min(texts.length, Math.floor(((performance.now() - start) / 1000) * perSec) + 1);
      while (sent < due) {
        const i = sent++;
        const scheduled = start + (i * 1000) / perSec;
        const called = performance.now();
        node.submit(texts[i]!).then(
          () => {
            const now = performance.now();
            fromScheduled.push(now - scheduled);
            fromCall.push(now - called);
            finish();
          },
          () => {
            errors++;
            finish();
          },
        );
      }
      if (sent < texts.length) setTimeout(tick, 1);
    };
    tick();
  });
  const seconds = (performance.now() - start) / 1000;
  loopDelay.disable();
  const ms = (ns: number) => round(ns / 1e6, 1);
  return {
    achievedPerSec: round(texts.length / seconds, 0), errors, fromScheduled: latencyStats(fromScheduled), fromSubmitCall: latencyStats(fromCall),
    eventLoopDelay: { p50Ms: ms(loopDelay.percentile(50)), p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) },
  };
}

export async function run(args: string[]) {
  const perPoint = option(args, 'txs', 6000);
  const breakdownTxs = option(args, 'breakdown-txs', 2000);
  const latencySeconds = option(args, 'latency-seconds', 10);
  const merkleLeaves = option(args, 'merkle-leaves', 1_000_000);
  const proofCount = option(args, 'proofs', 10_000);
  const warmup = Math.min(500, perPoint);
  const loadBefore = loadavg().map((x) => round(x, 2));

  const base = await createLedger();
  log(`data directory ${base.dataDir}`);
  let node = await LedgerNode.open(base.dataDir);
  try {
    const ledger = await seedLedger(node, base);
    const total = warmup + NODE_SWEEP.length * perPoint + breakdownTxs;
    log(`signing ${total} transactions (RSA-PSS-3072, untimed)…`);
    const signStart = performance.now();
    const texts = await signLoad(ledger, total);
    const signPerSec = round(total / ((performance.now() - signStart) / 1000), 0);
    const extra = texts.splice(texts.length - breakdownTxs, breakdownTxs);

    log(`warm-up: ${warmup} appends…`);
    await rate(warmup, 64, (i) => node.submit(texts[i]!));

    // ---- durable appends at each in-flight count
    const sweep: { inFlight: number; appendsPerSec: number; txsPerBlock: number; cpuUsPerTx: number; mainThreadUtilisation: number }[] = [];
    let offset = warmup;
    for (const inFlight of NODE_SWEEP) {
      log(`appending ${perPoint} with ${inFlight} in flight…`);
      const before = node.head;
      const elu0 = perfHooks.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const at = offset;
      const perSec = await rate(perPoint, inFlight, (i) => node.submit(texts[at + i]!));
      const cpu = process.cpuUsage(cpu0);
      const elu = perfHooks.eventLoopUtilization(elu0);
      const after = node.head;
      if (after.treeSize - before.treeSize !== perPoint) throw new Error(`expected ${perPoint} new entries, got ${after.treeSize - before.treeSize}`);
      sweep.push({
        inFlight,
        appendsPerSec: round(perSec, 0),
        txsPerBlock: round(perPoint / (after.height - before.height), 1),
        cpuUsPerTx: round((cpu.user + cpu.system) / perPoint, 1),
        mainThreadUtilisation: round(elu.utilization, 3),
      });
      offset += perPoint;
    }
    const best = sweep.reduce((a, b) => (b.appendsPerSec > a.appendsPerSec ? b : a));
    const swept = texts.slice(warmup, offset);

    // ---- reference: WebCrypto verify of the same transactions, keys imported from the ledger (the read facade's key lookup)
    log(`WebCrypto verify of the same ${swept.length} transactions…`);
    const keyObjects = new Map<string, CryptoKey>();
    const items: { key: CryptoKey; sig: Uint8Array<ArrayBuffer>; bytes: Uint8Array<ArrayBuffer> }[] = [];
    for (const text of swept) {
      const tx = parseTx(sha256, JSON.parse(text) as SignedTx);
      let key = keyObjects.get(tx.header.keyId);
      if (!key) {
        const row = node.reads.user(tx.header.actor, tx.header.actor).keys.find((k) => k.keyId === tx.header.keyId)!;
        key = await importSpki('sig', fromBase64url(row.spki));
        keyObjects.set(tx.header.keyId, key);
      }
      items.push({ key, sig: new Uint8Array(fromBase64url(tx.sig)), bytes: new Uint8Array(txSigningBytes(tx.header)) });
    }
    const pss = { name: 'RSA-PSS', saltLength: 32 };
    await rate(Math.min(500, items.length), 4, async (i) => crypto.subtle.verify(pss, items[i]!.key, items[i]!.sig, items[i]!.bytes));
    const verifySweep: { concurrency: number; verifiesPerSec: number; cpuUsPerVerify: number }[] = [];
    for (const concurrency of VERIFY_SWEEP) {
      let bad = 0;
      const cpu0 = process.cpuUsage();
      const perSec = await rate(items.length, concurrency, async (i) => {
        const it = items[i]!;
        if (!(await crypto.subtle.verify(pss, it.key, it.sig, it.bytes))) bad++;
      });
      const cpu = process.cpuUsage(cpu0);
      if (bad) throw new Error(`${bad} signatures did not verify`);
      verifySweep.push({ concurrency, verifiesPerSec: round(perSec, 0), cpuUsPerVerify: round((cpu.user + cpu.system) / items.length, 1) });
    }
    const bestVerify = verifySweep.reduce((a, b) => (b.verifiesPerSec > a.verifiesPerSec ? b : a));

    // ---- latency at half the best rate, open loop
    const latencyRate = Math.max(1, Math.round(best.appendsPerSec / 2));
    const latencyCount = Math.round(latencyRate * latencySeconds);
    log(`signing ${latencyCount} more for the latency run (untimed)…`);
    const latencyTexts = await signLoad(ledger, latencyCount);
    log(`open loop: ${latencyRate}/s for ${latencySeconds} s…`);
    const latency = await openLoop(node, latencyTexts, latencyRate);

    const head = node.head;
    await node.close();
    node = undefined as never;

    log('full-chain verification (verifyDataDir)…');
    const viaVerifyDataDir = await verifyDataDirRate(ledger.dataDir);
    log('full-chain verification (ChainVerifier over the tables)…');
    const viaChainVerifier = await verifyChainOfDataDir(ledger.dataDir);

    log(`per-transaction breakdown over ${extra.length} transactions in blocks of ${Math.round(best.txsPerBlock)}…`);
    const stages = await breakdown(ledger.dataDir, extra, Math.max(1, Math.round(best.txsPerBlock)), cpus().length);

    const proofs = await proofsAtScale(merkleLeaves, proofCount);
    log('openssl speed rsa3072…');
    const openssl = opensslRsa3072();

    const c = stages.ceilings;
    const verifyUs = round(stages.categories.verify!.usPerTx + stages.categories.verifyCall!.usPerTx, 1);
    const lowest = Math.min(c.mainThreadTxPerSec, c.writerThreadTxPerSec, c.cpuBoundTxPerSec);
    const limit =
      lowest === c.cpuBoundTxPerSec
        ? `CPU: ${stages.totalUsPerTx} µs per tx (less fsync waits) over ${c.cores} cores (≤ ${c.cpuBoundTxPerSec}/s); verification is ${verifyUs} µs of it`
        : lowest === c.mainThreadTxPerSec
          ? `the JS main thread: ${stages.mainThreadUsPerTx} µs per tx of parse/JSON/hash/contract work and WebCrypto calls on one core (≤ ${c.mainThreadTxPerSec}/s) ` +
            `while verification (${stages.categories.verify!.usPerTx} µs CPU) runs on the thread pool and the writer thread commits`
          : `the writer thread: ${stages.writerThreadUsPerTx} µs per tx of SQLite statements and COMMIT (≤ ${c.writerThreadTxPerSec}/s)`;
    return {
      bench: 'ledger',
      machine: machine(),
      loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
      setup: { users: 3, types: 'RecordRead ×3 (one OK, two READ_NOT_PERMITTED), SetListing (OK)', clientSignPerSec: signPerSec, ordering: 'solo defaults (cut at 500 txs or 5 ms)' },
      append: {
        durablePerSec: best.appendsPerSec,
        bestInFlight: best.inFlight,
        sweep,
        reference: { webCryptoVerifyPerSec: bestVerify.verifiesPerSec, bestConcurrency: bestVerify.concurrency, sweep: verifySweep, txs: items.length },
        ratioAppendVsVerify: round(best.appendsPerSec / bestVerify.verifiesPerSec, 3),
        target: 0.5,
        goal: 0.7,
        opensslSpeedRsa3072: openssl,
      },
      breakdown: { ...stages, limit },
      latency: { atPerSec: latencyRate, halfOfBest: best.appendsPerSec, seconds: latencySeconds, ...latency },
      chain: { height: head.height, txs: head.treeSize },
      fullChainVerify: { verifyDataDir: viaVerifyDataDir, chainVerifierOverTables: viaChainVerifier },
      proofsAt1M: proofs,
    };
  } finally {
    if (node) await node.close();
    rmSync(base.dataDir, { recursive: true, force: true });
  }
}
