/**
 * The victim process of test/client/upload-kill.slow.ts: logs raj in on the
 * node at URL and uploads SIZE bytes (chunks of 4 KiB, a resume state in the
 * CLI's state directory HOME) until it is SIGKILLed. After each chunk the
 * node acknowledged it writes `P <count>` to stdout (synchronously: what it
 * wrote before it died reaches the parent).
 *
 *   node --import tsx test/client/upload-child.ts URL CHAIN PASSPHRASE HOME SIZE
 */
import { writeSync } from 'node:fs';
import { ApiClient } from '../../src/client/api-client.ts';
import { login } from '../../src/client/account.ts';
import { openClient } from '../../src/client/flows/ledger.ts';
import { uploadBlob } from '../../src/client/flows/records.ts';
import { MemoryHeadStore } from '../../src/client/head-store.ts';
import { FileResumeStore } from '../../src/cli/client-state.ts';
import { nodeFetch } from '../../src/cli/http-fetch.ts';
import { patterned } from './world.ts';

const [url, chain, passphrase, home, sizeText] = process.argv.slice(2);
let acknowledged = 0;
const counting: typeof fetch = async (input, init) => {
  const response = await nodeFetch(input, init);
  if (init?.method === 'PUT' && response.ok) writeSync(1, `P ${++acknowledged}\n`);
  return response;
};
const api = new ApiClient({ baseUrl: url!, fetch: nodeFetch });
const loggedIn = await login(api, { username: 'raj', secret: { passphrase: passphrase! }, session: 'bearer', chain: chain!, now: Date.now(), allowWeakKdf: true });
const { ctx } = await openClient({ api, loggedIn, chain: chain!, heads: new MemoryHeadStore(), transfer: { fetch: counting, parallel: 2 } });
const size = Number(sizeText);
await uploadBlob(ctx, {
  title: 'Imaging', mediaType: 'application/octet-stream', fileName: 'scan.bin', content: patterned(size), contentSize: size, chunkSize: 4096,
  resume: { store: new FileResumeStore(home!), key: 'scan.bin' },
});
writeSync(1, 'DONE\n');
