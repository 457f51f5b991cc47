/**
 * `npm run bench -- submit [--txs 2000] [--concurrency 16,64,256]`
 *
 * Pre-signed, distinct transactions submitted over HTTP (`POST /v1/tx` with
 * a bearer session, through the product node `dhl serve` runs) beside equal
 * ones submitted in-process (`LedgerNode.submit` on a node of its own), in the
 * same run, at the same concurrency: durable appends per second each way and
 * their ratio (what the HTTP layer costs: parsing, schema validation, the
 * session, the answer's proof and signed head). Both are raj's SetListing of
 * a record that does not exist: admitted (signature verified), ledgered with
 * the contract's RECORD_NOT_FOUND, each in a durable block. The load
 * generator runs in the same process and shares the two cores. Signing
 * happens before anything is timed. JSON on stdout.
 */
import { rmSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, toHex } from '../src/crypto/index.ts';
import { signTx } from '../src/client/index.ts';
import { LedgerNode } from '../src/node/index.ts';
import { createLedger, seedLedger } from './ledger-load.ts';
import { startBenchNode } from './http-node.ts';
import { listOption, log, machine, option, rate, round } from './util.ts';

const listing = () => ({ recordId: toHex(randomBytes(16)), listed: true });

export async function run(args: string[]) {
  const count = option(args, 'txs', 2000);
  const sweep = listOption(args, 'concurrency', [16, 64, 256]);

  const http = await startBenchNode();
  const ledger = await createLedger();
  const inProcess = await LedgerNode.open(ledger.dataDir);
  try {
    await seedLedger(inProcess, ledger);
    const me = http.raj.me;
    const signer = { username: 'raj', sigKeyId: me.sig.keyId, sigPrivateKey: me.sig.privateKey };
    log(`submit: signing ${2 * count * sweep.length} transactions`);
    const httpTxs: string[][] = [];
    const localTxs: string[][] = [];
    for (let s = 0; s < sweep.length; s++) {
      const a: string[] = [];
      const b: string[] = [];
      for (let i = 0; i < count; i++) {
        a.push(JSON.stringify(await signTx(sha256, http.chainId, signer, 'SetListing', listing(), { now: Date.now() })));
        b.push(JSON.stringify(await ledger.actors.raj.tx('SetListing', listing(), { notAfter: Date.now() + 3_600_000, time: Date.now() })));
      }
      httpTxs.push(a);
      localTxs.push(b);
    }
    const url = `${http.url}/v1/tx`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${http.raj.api.token}` };
    const results = [];
    for (let s = 0; s < sweep.length; s++) {
      const concurrency = sweep[s]!;
      log(`submit: ${count} over HTTP and ${count} in-process at ${concurrency} in flight`);
      // Alternating which goes first would not remove drift on a shared machine; both run back to back at each level.
      const overHttp = await rate(count, concurrency, async (i) => {
        const response = await fetch(url, { method: 'POST', headers, body: httpTxs[s]![i]! });
        const body = (await response.json()) as { outcome?: string };
        if (response.status !== 200 || body.outcome !== 'RECORD_NOT_FOUND') throw new Error(`HTTP submit answered ${response.status}`);
      });
      const local = await rate(count, concurrency, async (i) => {
        const result = await inProcess.submit(localTxs[s]![i]!);
        if (result.outcome !== 'RECORD_NOT_FOUND') throw new Error(`in-process submit: ${result.outcome}`);
      });
      results.push({ concurrency, httpPerSec: round(overHttp, 0), inProcessPerSec: round(local, 0), ratio: round(overHttp / local, 3) });
    }
    const bestHttp = Math.max(...results.map((r) => r.httpPerSec));
    const bestLocal = Math.max(...results.map((r) => r.inProcessPerSec));
    return { bench: 'submit', machine: machine(), txsPerLevel: count, results, best: { httpPerSec: bestHttp, inProcessPerSec: bestLocal, ratio: round(bestHttp / bestLocal, 3) } };
  } finally {
    await inProcess.close();
    rmSync(ledger.dataDir, { recursive: true, force: true });
    await http.close();
  }
}
