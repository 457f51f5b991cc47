/**
 * The reads benchmark's server process (bench/reads.ts starts it): the node's
 * HTTP API on a filled data directory, and beside it in the same process a
 * bare Fastify app whose routes send, unchanged, the body the real route
 * answered once (so the reference carries the same bytes and does nothing
 * else). Prints one JSON line `{url, bareUrl}` on stdout; stops on SIGTERM.
 *
 * Usage: tsx bench/reads-server.ts DATA_DIR < {token, paths: {name: path}}
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { startNode } from '../src/api/server.ts';
import { BENCH_KDF } from './reads-world.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: reads-server.ts DATA_DIR (config JSON on stdin)');
const config = JSON.parse(readFileSync(0, 'utf8')) as { token: string; paths: Record<string, string> };

const node = await startNode({
  dataDir, host: '127.0.0.1', port: 0, admins: 1, org: 'city-hospital', nodeId: 'node1', out: () => undefined, logger: false,
  app: { testOnlyKdfCosts: BENCH_KDF, rateLimit: { max: 1_000_000_000, windowMs: 60_000 } },
});

const bare = Fastify({ logger: false });
for (const [name, path] of Object.entries(config.paths)) {
  const response = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${config.token}` } });
  if (response.status !== 200) throw new Error(`${name}: ${path} answered ${response.status}`);
  const body = (await response.json()) as unknown;
  bare.get(`/bare/${name}`, async () => body);
}
await bare.listen({ host: '127.0.0.1', port: 0 });
const port = (bare.server.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ url: node.url, bareUrl: `http://127.0.0.1:${port}` })}\n`);

process.once('SIGTERM', () => {
  void Promise.all([bare.close(), node.close()]).then(() => process.exit(0));
});
