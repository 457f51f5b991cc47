/**
 * A benchmark's node in a process of its own, as `dhl serve` runs beside a
 * CLI that uploads (bench/http-node.ts starts it with `--node-process`): the
 * product's `startNode` on DATA_DIR, with the per-address rate limit lifted
 * (the benchmark is one client address). Prints one JSON line `{url, token}`
 * (the first run's set-up token) on stdout; stops on SIGTERM.
 *
 * With `--web ROOT` it serves the built web app at `/` too, as `dhl serve` does.
 *
 * Usage: tsx bench/node-server.ts DATA_DIR [--web ROOT]
 */
import { startNode } from '../src/api/server.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: node-server.ts DATA_DIR [--web ROOT]');
const webAt = process.argv.indexOf('--web');
const web = webAt > 0 ? { web: { root: process.argv[webAt + 1]! } } : {};
const out: string[] = [];
const node = await startNode({
  dataDir, host: '127.0.0.1', port: 0, admins: 1, org: 'clinic', nodeId: 'node1', out: (line) => out.push(line), logger: false, ...web,
  app: { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } },
});
const token = /#token=([A-Za-z0-9_-]+)/.exec(out.join('\n'))![1]!;
process.stdout.write(`${JSON.stringify({ url: node.url, token })}\n`);
process.once('SIGTERM', () => void node.close().then(() => process.exit(0)));
