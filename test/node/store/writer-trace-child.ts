/**
 * The writer thread tracing into a full non-blocking pipe (test/node/store/
 * writer-trace.test.ts runs this with its stdout a pipe it does not read at
 * first): stdout is filled until the pipe answers EAGAIN, then three write
 * transactions are traced to it. Exit 0 when all three committed, else 1 with
 * the error on stderr.
 *
 * Usage: tsx writer-trace-child.ts DB_PATH
 */
import { writeSync } from 'node:fs';
import { SqliteWriter, WriteBatch } from '../../../src/node/store/writer.ts';

const path = process.argv[2]!;
// process.stdout made fd 1 non-blocking when it was set up, as in any child whose stdout is a pipe.
void process.stdout.fd;
const filler = Buffer.alloc(4096, 0x2e);
/** Writes filler until the pipe answers EAGAIN: the bytes it took. */
function fill(): number {
  for (let taken = 0; ; ) {
    try {
      taken += writeSync(1, filler);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EAGAIN') return taken;
      throw err;
    }
  }
}
// A paused reader still drains up to its stream's buffer: full only once a round after a pause takes nothing.
while (fill() > 0) await new Promise((r) => setTimeout(r, 50));
process.stderr.write('full\n');
const writer = new SqliteWriter(path, { traceFd: 1 });
try {
  for (let i = 0; i < 3; i++) await writer.write(new WriteBatch());
  await writer.close();
  process.stderr.write('committed\n');
} catch (err) {
  process.stderr.write(`failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
