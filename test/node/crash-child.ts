/**
 * The victim process of test/node/crash.slow.ts: opens a ledger node on an
 * existing data directory and appends under continuous load until it is
 * SIGKILLed. It never exits on its own unless something is wrong.
 *
 *   node --import tsx test/node/crash-child.ts DATA_DIR CHAIN_ID
 *   env DHL_CRASH_REGISTER_TX: raj's RegisterUser, signed once by the parent
 *
 * stdout, one line each, written synchronously (a pipe write on Linux goes
 * straight to the kernel, so what the child wrote before it died reaches the
 * parent; a line cut short by the kill has no newline and is not counted):
 *   R <txHash> <outcome> <duplicate>  raj's registration was acknowledged
 *   A <txHash> <outcome>              a transaction was acknowledged: written
 *                                     only after node.submit() resolved, i.e.
 *                                     after its block's SQLite COMMIT returned
 *   B                                 a block transaction is about to begin
 *   C                                 that block's COMMIT returned
 * so the last B/C marker before death says whether the kill landed inside a
 * block commit. Anything unexpected goes to stderr and exits non-zero.
 */
import { LedgerNode } from '../../src/node/index.ts';
import type { SignedTx } from '../../src/ledger/index.ts';
import { toHex, randomBytes } from '../../src/crypto/index.ts';
import { Actor, T0 } from '../helpers/ledger-fixture.ts';

const [dataDir, chainId] = process.argv.slice(2);
const registerText = process.env.DHL_CRASH_REGISTER_TX;
if (!dataDir || !chainId || !registerText) {
  process.stderr.write('usage: crash-child.ts DATA_DIR CHAIN_ID (with DHL_CRASH_REGISTER_TX set)\n');
  process.exit(2);
}

/**
 * Transactions submitted concurrently: four blocks' worth, so that when one
 * block commits the next batch is already admitted and waiting (with 32, two
 * blocks' worth, the loop idled ~10 ms between blocks in the first few hundred
 * transactions, where the kills land, and only ~35% of kills hit a commit).
 */
const IN_FLIGHT = 64;
/**
 * Transactions signed before the load starts: more than the parent ever waits
 * for in one run (at most ~120 acknowledgements plus the 64 in flight), so
 * RSA signing, which shares libuv's thread pool with the node's own signature
 * checks and block attestations, is done before the kill window opens.
 */
const PRESIGNED = 320;
/** Past ~250 acknowledgements, more are signed in rounds of this many whenever the stock runs this low. */
const SIGN_BATCH = 64;

const out = (line: string) => process.stdout.write(line + '\n');
// The parent went away (EPIPE): nobody is listening, stop.
process.stdout.on('error', () => process.exit(3));

function die(err: unknown): never {
  process.stderr.write(`crash-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (typeof err === 'object' && err !== null && 'details' in err) process.stderr.write(`details: ${JSON.stringify((err as { details: unknown }).details)}\n`);
  // The causes too: "the node has stopped (commit failed)" says nothing of why the commit failed.
  for (let cause = (err as { cause?: unknown })?.cause, depth = 0; cause !== undefined && depth < 5; cause = (cause as { cause?: unknown })?.cause, depth++) {
    const c = cause as { code?: unknown; errcode?: unknown; errstr?: unknown };
    process.stderr.write(`cause: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}${c.code !== undefined ? ` code=${String(c.code)}` : ''}${c.errcode !== undefined ? ` errcode=${String(c.errcode)} (${String(c.errstr)})` : ''}\n`);
  }
  process.exit(1);
}
process.on('uncaughtException', die);
process.on('unhandledRejection', die);

// Block time is fixed inside the fixture's transaction window (T0 .. T0 + 1 h),
// whatever today's date is; the batch-cut timers are real.
const clock = { now: () => T0 + 10_000, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

// Instrumentation only: the writer thread marks the start and end of each
// block's SQLite transaction on stdout (fd 1, written synchronously from that thread).
const node = await LedgerNode.open(dataDir, { clock, ordering: { maxItems: 16, maxDelayMs: 1 }, traceWritesToFd: 1 });

// The same signed bytes every run, so from the second run on this is an
// identical resubmission and returns the recorded outcome.
const reg = await node.submit(JSON.parse(registerText));
out(`R ${reg.txHash} ${reg.outcome} ${reg.duplicate}`);

const raj = new Actor('raj', chainId);
const signBatch = (n: number): Promise<SignedTx[]> =>
  Promise.all(Array.from({ length: n }, () => raj.tx('SetListing', { recordId: toHex(randomBytes(16)), listed: true })));

let stock: SignedTx[] = await signBatch(PRESIGNED);
let refill: Promise<void> | undefined;
async function take(): Promise<SignedTx> {
  while (stock.length === 0) await (refill ?? topUp());
  if (stock.length < SIGN_BATCH && !refill) void topUp();
  return stock.pop()!;
}
function topUp(): Promise<void> {
  refill ??= signBatch(SIGN_BATCH).then((txs) => {
    stock = txs.concat(stock);
    refill = undefined;
  });
  return refill;
}

// Unknown record: the contract rejects it (ledgered with its code), after the
// full admission checks and signature verification.
async function worker(): Promise<never> {
  for (;;) {
    const tx = await take();
    const r = await node.submit(tx);
    out(`A ${r.txHash} ${r.outcome}`);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
