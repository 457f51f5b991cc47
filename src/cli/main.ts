/** The `dhl` command. */
import { Command, InvalidArgumentError } from 'commander';
import { isDhlError } from '../crypto/index.ts';
import { runDemo } from './demo.ts';

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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (isDhlError(err)) {
    console.error(`dhl: ${err.code}: ${err.message}`);
    process.exit(2);
  }
  console.error(`dhl: ${(err as Error).message}`);
  process.exit(1);
}
