import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
const dir = process.argv[2]!;
const meta = JSON.parse(readFileSync(`${dir}/bench-reads.json`, 'utf8'));
const paths = { status: '/v1/status', session: '/v1/session', head: '/v1/ledger/head', proof: '/v1/ledger/proofs/inclusion?seq=100', dir: '/v1/directory/raj?limit=100', dir10: '/v1/directory/raj?limit=10', manifest: `/v1/records/${meta.recordIds[0]}/versions/1`, record: `/v1/records/${meta.recordIds[0]}`, user: '/v1/users/raj' };
const child = spawn(process.execPath, ['--import', 'tsx', '/work/wt-18/bench/reads-server.ts', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdin.end(JSON.stringify({ token: meta.token, paths }));
const ready = await new Promise<{ url: string; bareUrl: string }>((r) => createInterface({ input: child.stdout }).once('line', (l) => r(JSON.parse(l))));
for (const [k, p] of Object.entries(paths)) {
  await autocannon({ url: ready.url + p, connections: 10, duration: 1, headers: { authorization: `Bearer ${meta.token}` } });
  const a = await autocannon({ url: ready.url + p, connections: 10, duration: 3, headers: { authorization: `Bearer ${meta.token}` } });
  const b = await autocannon({ url: ready.bareUrl + '/bare/' + k, connections: 10, duration: 3 });
  console.log(k.padEnd(9), String(Math.round(a.requests.average)).padStart(6), String(Math.round(b.requests.average)).padStart(6), (a.requests.average / b.requests.average).toFixed(2), Math.round(a.throughput.total / a.requests.total));
}
child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r));
