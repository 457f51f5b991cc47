import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { isDhlError } from '../../src/crypto/index.ts';
import { FileTransfer } from '../../src/client/files.ts';
import { uploadBlob } from '../../src/client/flows/records.ts';
import { nodeFetch } from '../../src/cli/http-fetch.ts';
import { patterned, startWorld } from '../client/world.ts';

test('nodeFetch sends the method, headers and a byte or string body, and answers a standard Response with status, headers and a streamed body', async (t) => {
  const seen: { method?: string; type?: string; length?: string; body?: string }[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body: Buffer.concat(parts).toString() });
      if (req.url === '/empty') return res.writeHead(204).end();
      res.writeHead(206, { 'content-range': 'bytes 0-2/10', 'set-cookie': ['a=1', 'b=2'] }).end('abc');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const r = await nodeFetch(`${base}/x`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([104, 105]) });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), 'bytes 0-2/10');
  assert.equal(await r.text(), 'abc');
  assert.deepEqual(seen[0], { method: 'PUT', type: 'application/octet-stream', length: '2', body: 'hi' });
  await nodeFetch(`${base}/x`, { method: 'POST', body: '{"é":1}' }).then((x) => x.text());
  assert.equal(seen[1]!.length, String(Buffer.byteLength('{"é":1}')));
  assert.equal((await nodeFetch(`${base}/empty`)).status, 204);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(nodeFetch(`${base}/x`, { signal: aborted.signal }), (err: unknown) => (err as Error).name === 'AbortError');
});

test("the client's uploads run on nodeFetch: an abort mid-upload is TRANSFER_INTERRUPTED, and the resumed upload completes", async (t) => {
  const w = await startWorld(t);
  const size = 1_000_000;
  const controller = new AbortController();
  const input = { title: 't', mediaType: 'application/octet-stream', fileName: 'f.bin', content: patterned(size), contentSize: size, chunkSize: 16_384 };
  const ctx = { ...w.raj.ctx, files: new FileTransfer(w.raj.ctx.api, { fetch: nodeFetch, retries: 0 }) };
  let sent = 0;
  const counting = { ...ctx, files: new FileTransfer(w.raj.ctx.api, { retries: 0, fetch: async (i, init) => { const res = await nodeFetch(i, init); if (init?.method === 'PUT' && ++sent === 5) controller.abort(); return res; } }) };
  const { MemoryResumeStore } = await import('../../src/client/resume-store.ts');
  const store = new MemoryResumeStore();
  await assert.rejects(uploadBlob(counting, { ...input, signal: controller.signal, resume: { store, key: 'f' } }), (err: unknown) => isDhlError(err, 'TRANSFER_INTERRUPTED'));
  const done = await uploadBlob(ctx, { ...input, resume: { store, key: 'f' } });
  assert.equal((await ctx.files.status(done.uploadId)).state, 'complete');
});
