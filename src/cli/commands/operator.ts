/**
 * Operator commands on a data directory (DESIGN §3: they reach node/ through
 * src/cli/admin.ts only): admin init, admin rebuild-state, verify, head,
 * export. `admin init` seals the first admin's key pairs in the admin's
 * keystore: it is the offline way to write a genesis, and `dhl setup` with the
 * link `dhl serve` prints then registers that admin.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { fingerprint, generateUserKeys, isDhlError, publicKeysOf, sealPendingKeys } from '../../client/index.ts';
import { ClassifiedError } from '../exit-codes.ts';
import { adminInit, exportCommand, formatReport, headCommand, rebuildCommand, verifyCommand, verifyExportLines } from '../admin.ts';
import type { Cli } from '../context.ts';
import { cliError } from '../errors.ts';
import { newPassphrase } from '../prompts.ts';
import type { Action } from './account.ts';
import { readContext } from '../flows.ts';
import { verifyRecordCommand } from './records.ts';

/** What reading a chain's source failed with (the session, the network): it keeps its own exit class; only what the replay finds is a verification failure. */
class SourceFailed {
  constructor(readonly cause: unknown) {}
}

async function* guarded(lines: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (err) {
    throw new SourceFailed(err);
  }
}

/** The chain as a node exports it to the keystore's account (bodies withheld but identity ones), replayed here from the trusted chain id. */
async function verifyFromNode(cli: Cli, chain?: string) {
  const rc = await readContext(cli);
  cli.say(`verifying the chain as ${rc.identity.node} exports it, from chain id ${chain ?? rc.identity.chain}…`);
  return () => verifyExportLines(guarded(rc.reads.exportLines()), chain ?? rc.identity.chain);
}

interface InitFlags {
  dataDir: string;
  org: string;
  nodeId: string;
  admin: string;
}

export async function initCommand(cli: Cli, o: InitFlags) {
  const held = cli.keystore.identity();
  if (held) throw cliError('KEYSTORE_OCCUPIED', { home: cli.keystore.dir, user: held.username });
  const passphrase = await newPassphrase(cli.flags.passphraseFile, `Passphrase for ${o.admin}'s keystore`);
  cli.say(`generating ${o.admin}'s RSA-3072 key pairs…`);
  const keys = await generateUserKeys();
  const pub = await publicKeysOf(keys);
  const vault = await sealPendingKeys(o.admin, keys, passphrase, cli.now());
  const lines: string[] = [];
  const { chainId } = await adminInit({ dataDir: o.dataDir, org: o.org, nodeId: o.nodeId, admin: o.admin, adminKeys: keys, now: cli.now() }, (l) => lines.push(l));
  cli.keystore.saveIdentity({ v: 1, username: o.admin, status: 'pending', chain: chainId, sigKeyId: pub.sigKeyId, encKeyId: pub.encKeyId, vault, updatedAt: cli.now() });
  lines.push(`${o.admin}'s private keys are sealed under the passphrase in ${cli.keystore.path('keystore.json')} (never written in the clear)`);
  lines.push(`next: dhl serve --data-dir ${o.dataDir}, then dhl setup <the link it prints> --username ${o.admin} with this keystore`);
  return {
    json: { dataDir: o.dataDir, chain: chainId, admin: o.admin, sigKeyId: pub.sigKeyId, encKeyId: pub.encKeyId, keystore: cli.keystore.dir, sigFingerprint: fingerprint(pub.sigKeyId) },
    text: lines,
  };
}

function heightArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a block height (1 or more)');
  return n;
}

export function addOperatorCommands(program: Command, action: Action): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('admin and operator commands');
  admin
    .command('init')
    .description("create a new ledger offline in a data directory: node key, the first admin's key pairs (sealed in the keystore, $DHL_HOME), genesis (block 0)")
    .requiredOption('--data-dir <dir>', 'data directory to create')
    .option('--org <name>', 'organisation name', 'city-hospital')
    .option('--node-id <id>', "this node's id", 'node1')
    .option('--admin <username>', "the first admin's username", 'admin')
    .action(action((cli, o: InitFlags) => initCommand(cli, o)));

  admin
    .command('rebuild-state')
    .description('re-derive the state, audit and directory indexes and Merkle nodes of a data directory by replaying its (verified) log')
    .requiredOption('--data-dir <dir>', 'a node data directory (stop the node first)')
    .action(action(async (_cli, o: { dataDir: string }) => {
      const report = await rebuildCommand(o.dataDir);
      return { json: report, text: [formatReport(report)] };
    }));

  program
    .command('head')
    .description("print the signed head of a data directory's last block (its header and this node's attestation) as JSON: keep it, and later 'dhl verify --head' checks the ledger still extends it")
    .requiredOption('--data-dir <dir>', 'a node data directory')
    .option('--height <n>', 'the head of this block instead of the last', heightArg)
    .action(action(async (_cli, o: { dataDir: string; height?: number }) => {
      const head = headCommand(o);
      return { json: JSON.parse(head), text: [head] };
    }));

  program
    .command('export')
    .description('write the chain as JSON lines (genesis, then one line per block) for offline verification')
    .requiredOption('--data-dir <dir>', 'a node data directory')
    .option('--out <file>', "output file ('-' for stdout)", '-')
    .option('--withhold-bodies', 'for a party not entitled to bodies: keep only identity bodies (users, keys, roles), replace every other body by its hash, and leave out all state writes')
    .action(action(async (cli, o: { dataDir: string; out: string; withholdBodies?: boolean }) => {
      const lines = await exportCommand(o);
      if (o.out !== '-') cli.say(`wrote ${lines} lines to ${o.out}`);
      return { json: o.out === '-' ? undefined : { out: o.out, lines }, text: [] };
    }));
}

/** `dhl verify`: one record (the client's checks), or a chain from a data directory, an export, or a node with the keystore's session. */
export async function verifyChainCommand(cli: Cli, o: { dataDir?: string; export?: string; chain?: string; head?: string; record?: string; version?: number }) {
  if (o.record) return verifyRecordCommand(cli, o.record, o.version === undefined ? {} : { version: o.version });
  if (!o.dataDir && !o.export && !cli.keystore.identity()) {
    throw cliError('USAGE', { reason: "give --data-dir <dir>, --export <file> or --record <id>; or log in, to verify your node's chain" });
  }
  // The session, the genesis and the node's reachability are checked before the replay, each failing in its own class.
  const replay = o.dataDir || o.export ? () => verifyCommand(o) : await verifyFromNode(cli, o.chain);
  try {
    const report = await replay();
    return { json: report, text: [formatReport(report)] };
  } catch (err) {
    if (err instanceof SourceFailed) throw err.cause;
    // What verification finds wrong is a verification failure whatever its code; a missing directory or a bad flag is not.
    if (isDhlError(err) && !['USAGE', 'NODE_NOT_INITIALISED'].includes(err.code)) throw new ClassifiedError('verification', err);
    throw err;
  }
}
