/** The `dhl` command. */
import { Command, InvalidArgumentError } from 'commander';
import { isDhlError } from '../client/index.ts';
import { runDemo } from './demo.ts';
import { adminInit, exportCommand, formatReport, headCommand, rebuildCommand, verifyCommand } from './admin.ts';
import { addServeCommand } from './serve.ts';

const program = new Command()
  .name('dhl')
  .description('Dynamic Health Ledger: patient-owned, end-to-end encrypted health records on a verifiable ledger')
  .showHelpAfterError();

function chunkSizeArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 64 || n > 2 ** 24 || (n & (n - 1)) !== 0) {
    throw new InvalidArgumentError('must be a power of two from 64 to 16777216');
  }
  return n;
}

program
  .command('demo')
  .description(
    'Encrypt a file for a freshly generated patient and doctor, sign its manifest, decrypt it back as the doctor, ' +
      'and print the envelope header and cipherRoot (runs locally; no node needed)',
  )
  .argument('[file]', 'file to encrypt (default: a small sample record)')
  .option('--chunk-size <bytes>', 'envelope chunk size, a power of two (default 1 MiB)', chunkSizeArg)
  .option('--keep', 'keep the encrypted blob and print where it is')
  .action(async (file: string | undefined, opts: { chunkSize?: number; keep?: boolean }) => {
    await runDemo(file, opts, (line) => console.log(line));
  });

addServeCommand(program);

const admin = program.command('admin').description('operator commands for a node');
admin
  .command('init')
  .description('create a new ledger in a data directory: node key, first admin key pairs, genesis (block 0)')
  .requiredOption('--data-dir <dir>', 'data directory to create')
  .option('--org <name>', 'organisation name', 'city-hospital')
  .option('--node-id <id>', "this node's id", 'node1')
  .option('--admin <username>', "the first admin's username", 'admin')
  .option('--admin-keys-dir <dir>', "where to write the first admin's key pairs (default: <data-dir>/../admin-keys)")
  .action(async (o: { dataDir: string; org: string; nodeId: string; admin: string; adminKeysDir?: string }) => {
    await adminInit(
      { dataDir: o.dataDir, org: o.org, nodeId: o.nodeId, admin: o.admin, adminKeysDir: o.adminKeysDir ?? `${o.dataDir.replace(/\/+$/, '')}-admin-keys`, now: Date.now() },
      (line) => console.log(line),
    );
  });

admin
  .command('rebuild-state')
  .description('re-derive the state, audit and directory indexes and Merkle nodes of a data directory by replaying its (verified) log')
  .requiredOption('--data-dir <dir>', 'a node data directory (stop the node first)')
  .action(async (o: { dataDir: string }) => {
    console.log(formatReport(await rebuildCommand(o.dataDir)));
  });

program
  .command('verify')
  .description(
    'verify a data directory or an export: every signature, hash, root, outcome, state write and attestation, naming the first wrong place ' +
      '(replays into a scratch database in the temp directory: needs free space of about the size of the state)',
  )
  .option('--data-dir <dir>', 'a node data directory')
  .option('--export <file>', "an export file ('-' for stdin)")
  .option('--chain <id>', 'the chain id you trust (required for an export)')
  .option('--head <file>', "a signed head saved earlier ('dhl head'): fail unless the ledger extends it (no rollback, no fork)")
  .action(async (o: { dataDir?: string; export?: string; chain?: string; head?: string }) => {
    console.log(formatReport(await verifyCommand(o)));
  });

function heightArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a block height (1 or more)');
  return n;
}

program
  .command('head')
  .description("print the signed head of a data directory's last block (its header and this node's attestation) as JSON: keep it, and later 'dhl verify --head' checks the ledger still extends it")
  .requiredOption('--data-dir <dir>', 'a node data directory')
  .option('--height <n>', 'the head of this block instead of the last', heightArg)
  .action((o: { dataDir: string; height?: number }) => {
    console.log(headCommand(o));
  });

program
  .command('export')
  .description('write the chain as JSON lines (genesis, then one line per block) for offline verification')
  .requiredOption('--data-dir <dir>', 'a node data directory')
  .option('--out <file>', "output file ('-' for stdout)", '-')
  .option('--withhold-bodies', 'for a party not entitled to bodies: keep only identity bodies (users, keys, roles), replace every other body by its hash, and leave out all state writes')
  .action(async (o: { dataDir: string; out: string; withholdBodies?: boolean }) => {
    const lines = await exportCommand(o);
    if (o.out !== '-') console.error(`wrote ${lines} lines to ${o.out}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (isDhlError(err)) {
    // The code is stable and the details name the place (height, entry, table, column): never contents.
    console.error(`dhl: ${err.code}: ${err.message}`);
    process.exit(2);
  }
  console.error(`dhl: ${(err as Error).message}`);
  process.exit(1);
}
