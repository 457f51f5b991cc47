/** The `dhl` command: global options, the commands, and one exit status per error class (exit-codes.ts). */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.ts';
import { addServeCommand } from './serve.ts';
import { Cli, type Answer, type GlobalFlags } from './context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { printAnswer, printError } from './output.ts';
import { addAccountCommands, type Action } from './commands/account.ts';
import { addOperatorCommands, verifyChainCommand } from './commands/operator.ts';
import { addRecordCommands, versionArg } from './commands/records.ts';
import { addAccessCommands } from './commands/access.ts';
import { addKeyCommands } from './commands/keys.ts';

const program = new Command()
  .name('dhl')
  .description('Dynamic Health Ledger: patient-owned, end-to-end encrypted health records on a verifiable ledger')
  .option('--node <url>', 'the node to talk to (env DHL_NODE; default: the node of the keystore\'s account, else http://127.0.0.1:8480)')
  .option('--json', 'answer in JSON on stdout (errors as JSON on stderr), for scripts')
  .option('--passphrase-file <file>', 'read the passphrase from this file instead of a hidden prompt (scripts; never give it on the command line)')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText('after', `
The keystore is $DHL_HOME (default ~/.dhl): your key pairs sealed under your passphrase, the session token, the heads seen.

${exitCodesHelp()}`);

/** Runs a command with the invocation's context and prints its answer; errors go to main's handler. */
const action: Action = (run) => async (...args: unknown[]) => {
  const command = args[args.length - 1] as Command;
  const flags = command.optsWithGlobals() as GlobalFlags;
  const cli = new Cli({ ...(flags.node ? { node: flags.node } : {}), json: Boolean(flags.json), ...(flags.passphraseFile ? { passphraseFile: flags.passphraseFile } : {}) });
  const answer: Answer = await (run as (cli: Cli, ...rest: unknown[]) => Promise<Answer>)(cli, ...args.slice(0, -1));
  printAnswer(Boolean(flags.json), answer);
};

addAccountCommands(program, action);
addRecordCommands(program, action);
addAccessCommands(program, action);
addKeyCommands(program, action);

function sizeArg(value: string): number {
  const m = /^([1-9][0-9]{0,5})(K|M|G)i?B?$/i.exec(value);
  if (!m) throw new InvalidArgumentError('a size: 500M, 2G, 64K');
  return Number(m[1]) * 1024 ** ({ K: 1, M: 2, G: 3 } as Record<string, number>)[m[2]!.toUpperCase()]!;
}

program
  .command('demo')
  .description("DESIGN §1's scenario against a node, narrated: an admin, patient raj and doctor meera, each with a keystore of their own, running the user commands")
  .option('--admin-home <dir>', "with --node: the keystore of an admin of that node (without --node an embedded node is started and set up)")
  .option('--large <size>', 'also a generated imaging-sized file (500M, 2G), uploaded with a progress bar and downloaded', sizeArg)
  .option('--keep', 'keep the temporary directory (keystores, files) and print where it is')
  .action(async (o: { adminHome?: string; large?: number; keep?: boolean }, command: Command) => {
    const flags = command.optsWithGlobals() as GlobalFlags;
    await runDemo({ ...o, ...(flags.node ? { node: flags.node } : {}), ...(flags.passphraseFile ? { passphraseFile: flags.passphraseFile } : {}) }, (line) => console.log(line));
  });

addServeCommand(program);
addOperatorCommands(program, action);

program
  .command('verify')
  .description(
    'verify one record (--record), or a chain: a data directory, an export, or (neither given) a node\'s export, read with your session ' +
      '(--node URL, default the node of your account): every signature, hash, root, ' +
      'outcome, state write and attestation, naming the first wrong place (replays into a scratch database in the temp directory)',
  )
  .option('--record <id>', "one record: the author's key from the ledger with its proof, the manifest signature, the inclusion proof")
  .option('--version <n>', 'with --record: this version (default the latest)', versionArg)
  .option('--data-dir <dir>', 'a node data directory')
  .option('--export <file>', "an export file ('-' for stdin)")
  .option('--chain <id>', 'the chain id you trust (required for an export; default for a node: the keystore\'s)')
  .option('--head <file>', "a signed head saved earlier ('dhl head'): fail unless the ledger extends it (no rollback, no fork)")
  .action(action((cli, o: { dataDir?: string; export?: string; chain?: string; head?: string; record?: string; version?: number }) => verifyChainCommand(cli, o)));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    process.exit(err.exitCode === 0 ? EXIT.ok.status : EXIT.usage.status);
  }
  process.exit(printError(Boolean(program.opts().json), err));
}
