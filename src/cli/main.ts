/** The `dhl` command: global options, the commands, and one exit status per error class (exit-codes.ts). */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.ts';
import { addServeCommand } from './serve.ts';
import { Cli, type Answer, type GlobalFlags } from './context.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { printAnswer, printError } from './output.ts';
import { addAccountCommands, type Action } from './commands/account.ts';
import { addOperatorCommands, verifyChainCommand } from './commands/operator.ts';

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

function chunkSizeArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 64 || n > 2 ** 24 || (n & (n - 1)) !== 0) {
    throw new InvalidArgumentError('must be a power of two from 64 to 16777216');
  }
  return n;
}

addAccountCommands(program, action);

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
addOperatorCommands(program, action);

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
  .action(action((_cli, o: { dataDir?: string; export?: string; chain?: string; head?: string }) => verifyChainCommand(o)));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    process.exit(err.exitCode === 0 ? EXIT.ok.status : EXIT.usage.status);
  }
  process.exit(printError(Boolean(program.opts().json), err));
}
