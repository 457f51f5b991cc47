/**
 * `npm run bench -- reads [--entries 100000] [--records 200] [--duration 5] [--connections 10] [--keep] [--data-dir DIR]`
 *
 * DESIGN §10 "Read path": requests/s of three read routes with autocannon,
 * each beside a bare Fastify route in the same run that sends the same body
 * (the route's own answer, captured once) to the same request stream (a
 * route read at random paths gets its reference hit at as many distinct
 * paths, since autocannon builds each such request on the same cores), as a ratio (target ≥ 0.5: within
 * 2× of bare Fastify). The routes, read by meera (a doctor) over a bearer
 * session:
 *
 * - directory page: `GET /v1/directory/raj?limit=100` (session, the contract's
 *   access check, one range read of the directory index);
 * - manifest: `GET /v1/records/{id}/versions/1` (a random one of raj's listed
 *   records: the signed manifest, the inclusion proof of its AddRecord, the
 *   signed head);
 * - inclusion proof: `GET /v1/ledger/proofs/inclusion?seq=…` (a random entry);
 *
 * and, as the floor every read stands on, `GET /v1/session` (the session
 * check, security headers and hooks, no read).
 *
 * The node holds at least `--entries` log entries, filled through its real
 * path (bench/reads-world.ts: signed transactions over POST /v1/tx), and
 * serves from a child process (bench/reads-server.ts) so autocannon's own
 * work runs in this one. `--data-dir` reuses a directory a `--keep` run left
 * (its bench-reads.json says what it holds). JSON on stdout, progress on stderr.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { fillReadsWorld, type ReadsWorld } from './reads-world.ts';
import { log, machine, option, round } from './util.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';

const META = 'bench-reads.json';

interface Measured {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  bytesPerAnswer: number;
}

async function measure(url: string, o: { token?: string; connections: number; duration: number; paths?: () => string }): Promise<Measured> {
  const result = await autocannon({
    url,
    connections: o.connections,
    duration: o.duration,
    headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
    ...(o.paths ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: o.paths!() }) }] } : {}),
  });
  return {
    requestsPerSec: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    bytesPerAnswer: result.requests.total > 0 ? Math.round(result.throughput.total / result.requests.total) : 0,
  };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.startsWith('ledger.sqlite')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

export async function run(args: string[]) {
  const entries = Math.round(option(args, 'entries', 100_000));
  const records = Math.round(option(args, 'records', 200));
  const duration = option(args, 'duration', 5);
  const connections = Math.round(option(args, 'connections', 10));
  const reuse = args.includes('--data-dir') ? args[args.indexOf('--data-dir') + 1] : undefined;
  const keep = args.includes('--keep') || reuse !== undefined;

  let world: ReadsWorld;
  if (reuse) {
    world = JSON.parse(readFileSync(join(reuse, META), 'utf8')) as ReadsWorld;
    log(`reusing ${reuse}`);
  } else {
    world = await fillReadsWorld({ entries, records });
    writeFileSync(join(world.dataDir, META), JSON.stringify(world));
  }
  try {
    const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
    let entriesHeld = 1;
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', new URL('./reads-server.ts', import.meta.url).pathname, world.dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const routes = {
      // Not a read of the budget: the cheapest route with a session, to show what every read pays before it reads.
      sessionOnly: { path: '/v1/session', paths: undefined, floor: true },
      directoryPage: { path: '/v1/directory/raj?limit=100', paths: undefined },
      manifest: { path: `/v1/records/${world.recordIds[0]}/versions/1`, paths: () => `/v1/records/${pick(world.recordIds)}/versions/1` },
      inclusionProof: { path: '/v1/ledger/proofs/inclusion?seq=1', paths: () => `/v1/ledger/proofs/inclusion?seq=${Math.floor(Math.random() * entriesHeld)}` },
    };
    child.stdin.end(JSON.stringify({ token: world.token, paths: Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, v.path])) }));
    const ready = await new Promise<{ url: string; bareUrl: string }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`reads-server exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { url: string; bareUrl: string }));
    });
    try {
      const head = (await (await fetch(`${ready.url}/v1/ledger/head`)).json()) as { header: { height: number; treeSize: number } };
      entriesHeld = head.header.treeSize;
      log(`node: ${entriesHeld} entries in ${head.header.height} blocks; autocannon ${connections} connections × ${duration} s per run`);
      const results: Record<string, { route: Measured; bareFastify: Measured; ratio: number; withinTarget?: boolean; note?: string }> = {};
      for (const [name, r] of Object.entries(routes)) {
        // Warm both (JIT, page cache), then measure route and reference back to back.
        await measure(`${ready.url}${r.path}`, { token: world.token, connections, duration: 1, ...(r.paths ? { paths: r.paths } : {}) });
        // The reference gets the same request stream: a route read with a path per request (autocannon builds each one, on the same two cores) is measured against a bare route hit with as many distinct paths, the node's path in its query.
        const bare = r.paths ? { paths: () => `/bare/${name}?path=${encodeURIComponent(r.paths!())}` } : {};
        await measure(`${ready.bareUrl}/bare/${name}`, { connections, duration: 1, ...bare });
        const route = await measure(`${ready.url}${r.path}`, { token: world.token, connections, duration, ...(r.paths ? { paths: r.paths } : {}) });
        const bareFastify = await measure(`${ready.bareUrl}/bare/${name}`, { connections, duration, ...bare });
        const ratio = round(route.requestsPerSec / bareFastify.requestsPerSec, 3);
        results[name] = 'floor' in r
          ? { route, bareFastify, ratio, note: 'GET /v1/session: the session check, security headers and hooks every read pays; not one of the budget\'s reads' }
          : { route, bareFastify, ratio, withinTarget: ratio >= 0.5 && route.non2xx === 0 && route.errors === 0 };
        log(`  ${name}: ${route.requestsPerSec}/s vs bare ${bareFastify.requestsPerSec}/s → ${ratio}`);
      }
      const bytes = dirBytes(world.dataDir);
      return {
        bench: 'reads',
        machine: machine(),
        store: {
          entries: head.header.treeSize, blocks: head.header.height, records: world.recordIds.length, bytes, mib: round(bytes / 2 ** 20, 1),
          filledThrough: 'the node\'s real path: RSA-PSS-3072-signed transactions over POST /v1/tx (nothing synthetic)',
        },
        ...(reuse ? {} : { fill: { seconds: round(world.fill.seconds, 0), transactions: world.fill.submitted, perSec: round(world.fill.perSec, 0) } }),
        autocannon: { connections, durationSec: duration, reader: 'meera (doctor), bearer session' },
        reference: 'a bare Fastify route in a second app of the same server process, sending the same body (the route\'s answer captured once), hit with the same request stream (as many distinct paths as the route)',
        target: 0.5,
        routes: results,
        allWithinTarget: Object.values(results).every((r) => r.withinTarget !== false),
      };
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  } finally {
    if (keep) log(`kept ${world.dataDir} (rerun with --data-dir ${world.dataDir})`);
    else rmSync(world.dataDir, { recursive: true, force: true });
  }
}
