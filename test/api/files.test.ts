import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { isDhlError, unwrapDek, wrapDek, type JsonValue } from '../../src/crypto/index.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { login } from '../../src/client/account.ts';
import { contentDigest, FileTransfer } from '../../src/client/files.ts';
import { submitOk, type ClientContext } from '../../src/client/flows/context.ts';
import { ledgerRecord, readRecord, uploadBlob } from '../../src/client/flows/records.ts';
import { MemoryResumeStore } from '../../src/client/resume-store.ts';
import { ERROR_STATUS, FILE_ROUTES, type FileRouteName, type FileRouteSpec } from '../../src/protocol/index.ts';
import { fixtureKey } from '../fixtures/keys.ts';
import { startTestNode } from './helpers.ts';
import { grantedRecord } from './files-fixture.ts';
import { patterned, sha, startWorld } from '../client/world.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const code = (c: string) => (err: unknown) => isDhlError(err, c);
const bearer = (ctx: ClientContext) => ({ authorization: `Bearer ${ctx.api.token}` });

/** A fetch that counts chunk PUTs and, once `abortAfter` have been answered, aborts everything in flight. */
function countingFetch(abortAfter = Infinity) {
  const controller = new AbortController();
  let puts = 0;
  const fetchFn: typeof fetch = async (input, init) => {
    const isPut = init?.method === 'PUT';
    const response = await fetch(input, { ...init, signal: controller.signal });
    if (isPut && response.ok && ++puts >= abortAfter) controller.abort();
    return response;
  };
  return { fetchFn, controller, puts: () => puts };
}

test('a chunk whose bytes do not match its Content-Digest is 422 UPLOAD_CHUNK_DIGEST_MISMATCH and nothing of it is stored', async (t) => {
  const { raj, n } = await startWorld(t);
  const up = await raj.ctx.files.createUpload(4 * KiB);
  const bytes = new Uint8Array(300).fill(7);
  const wrong = new Uint8Array(32);
  const response = await fetch(`${n.url}/v1/files/uploads/${up.uploadId}/chunks/0`, {
    method: 'PUT', body: bytes, headers: { ...bearer(raj.ctx), 'content-type': 'application/octet-stream', 'content-digest': contentDigest(wrong) },
  });
  assert.equal(response.status, 422);
  assert.deepEqual(await response.json().then((b) => (b as { code: string }).code), 'UPLOAD_CHUNK_DIGEST_MISMATCH');
  assert.deepEqual((await raj.ctx.files.status(up.uploadId)).chunks, []);
  const staged = join(n.dataDir, 'blobs', 'uploads', up.uploadId);
  assert.equal(statSync(staged).size, 0);
  assert.equal(statSync(`${staged}.chunks`).size, 0);
});

test('an upload cut off half-way resumes from the chunks the node holds: only the missing ones are sent again, and the record is admitted', async (t) => {
  const w = await startWorld(t);
  const size = 3 * MiB + 123;
  const store = new MemoryResumeStore();
  const input = {
    title: 'MRI knee', mediaType: 'application/dicom', fileName: 'knee.dcm', content: patterned(size), contentSize: size, chunkSize: 64 * KiB,
    resume: { store, key: 'knee.dcm:3145851' },
  };
  const first = countingFetch(20);
  const cut = await w.contextAt(w.raj, w.n.url, { transfer: { fetch: first.fetchFn, parallel: 3, retries: 0 } });
  await assert.rejects(uploadBlob(cut, input), code('TRANSFER_INTERRUPTED'));
  const state = (await store.get(input.resume.key))!;
  assert.ok(state.wrappedDek.wrappedDek.length > 0, 'the DEK is kept wrapped for raj, never in the clear');
  const held = (await w.raj.ctx.files.status(state.uploadId)).chunks.length;
  assert.ok(held >= 20 && held < 53, `the node holds what arrived (${held} of 53 stored chunks)`);

  const second = countingFetch();
  const resumed = await w.contextAt(w.raj, w.n.url, { transfer: { fetch: second.fetchFn } });
  const uploaded = await uploadBlob(resumed, input);
  assert.equal(uploaded.uploadId, state.uploadId, 'the same upload continued');
  assert.equal(second.puts(), uploaded.sealed.summary.chunkHashes.length - held, 'only the chunks the node lacked were sent');
  assert.equal(await store.get(input.resume.key), undefined, 'the resume state is dropped once complete');
  assert.equal((await ledgerRecord(w.raj.ctx, uploaded)).outcome, 'OK');
});

test('after the node restarts mid-upload the client resumes against what it verified and kept', async (t) => {
  const w = await startWorld(t);
  const size = 2 * MiB;
  const store = new MemoryResumeStore();
  const input = { title: 'Scan', mediaType: 'image/png', fileName: 's.png', content: patterned(size, 3), contentSize: size, chunkSize: 64 * KiB, resume: { store, key: 's' } };
  const first = countingFetch(10);
  await assert.rejects(uploadBlob(await w.contextAt(w.raj, w.n.url, { transfer: { fetch: first.fetchFn, parallel: 2, retries: 0 } }), input), code('TRANSFER_INTERRUPTED'));
  await w.n.node.close();
  const again = await startTestNode(t, { dataDir: w.n.dataDir, logs: w.n.logs });
  // The bearer session is in accounts.sqlite: it outlives the restart.
  const api = new ApiClient({ baseUrl: again.url, token: w.raj.ctx.api.token! });
  const ctx: ClientContext = { ...w.raj.ctx, api, files: new FileTransfer(api) };
  const held = (await ctx.files.status((await store.get('s'))!.uploadId)).chunks.length;
  assert.ok(held >= 10);
  const uploaded = await uploadBlob(ctx, input);
  assert.equal((await ctx.files.status(uploaded.uploadId)).state, 'complete');
});

test('quota: an upload past the user\'s quota is its own 4xx, 413 UPLOAD_QUOTA_EXCEEDED; usage reports what is held and reserved', async (t) => {
  const w = await startWorld(t, { app: { node: { uploads: { limits: { quotaBytes: 300 * KiB } } } } });
  const size = 200 * KiB;
  const uploaded = await uploadBlob(w.raj.ctx, { title: 'a', mediaType: 'text/plain', fileName: 'a.txt', content: patterned(size), contentSize: size, chunkSize: 64 * KiB });
  const usage = await w.raj.ctx.files.usage();
  assert.equal(usage.usedBytes, uploaded.sealed.summary.storedSize);
  assert.equal(usage.quotaBytes, 300 * KiB);
  await assert.rejects(
    uploadBlob(w.raj.ctx, { title: 'b', mediaType: 'text/plain', fileName: 'b.txt', content: patterned(size), contentSize: size, chunkSize: 64 * KiB }),
    (err: unknown) => isDhlError(err, 'UPLOAD_QUOTA_EXCEEDED') && err.details.status === 413,
  );
  assert.equal((await w.meera.ctx.files.usage()).usedBytes, 0, 'quotas are per user');
});

test('ciphertext comes only against an accepted RecordRead; ranges are 206 with Content-Range, clamped to the blob; a start past its end is 416', async (t) => {
  const { w, uploaded } = await grantedRecord(t, 100 * KiB);
  const url = `${w.n.url}/v1/files/records/${uploaded.recordId}/versions/1`;
  const get = (headers: Record<string, string> = {}) => fetch(url, { headers: { ...bearer(w.meera.ctx), ...headers } });
  const before = await get();
  assert.equal(before.status, 403);
  assert.equal(((await before.json()) as { code: string }).code, 'READ_RECEIPT_REQUIRED');
  await submitOk(w.meera.ctx, 'RecordRead', { recordId: uploaded.recordId, version: 1 });
  const storedSize = uploaded.sealed.summary.storedSize;
  const whole = await get();
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'application/octet-stream');
  assert.equal(Number(whole.headers.get('content-length')), storedSize);
  assert.match(whole.headers.get('x-dhl-receipt') ?? '', /^[0-9a-f]{64}$/);
  const bytes = new Uint8Array(await whole.arrayBuffer());
  assert.equal(sha(bytes.subarray(0, 100)).length, 64);
  const part = await get({ range: 'bytes=10-19' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${storedSize}`);
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(10, 20));
  const tail = await get({ range: `bytes=${storedSize - 5}-${storedSize + 1000}` });
  assert.equal(tail.status, 206);
  assert.equal(tail.headers.get('content-range'), `bytes ${storedSize - 5}-${storedSize - 1}/${storedSize}`);
  const open = await get({ range: `bytes=${storedSize - 3}-` });
  assert.equal((await open.arrayBuffer()).byteLength, 3);
  const past = await get({ range: `bytes=${storedSize}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${storedSize}`);
  assert.equal(((await past.json()) as { code: string }).code, 'RANGE_INVALID');
  assert.equal((await get({ range: 'bytes=1-2,5-6' })).status, 400, 'one range only');
  // Raj's own read needs his own receipt too: every read of a record is a transaction.
  assert.equal((await fetch(url, { headers: bearer(w.raj.ctx) })).status, 403);
  // Someone who may not see the record learns nothing of it: as from its metadata route.
  const stranger = await fetch(url, { headers: bearer(w.ines.ctx) });
  assert.equal(stranger.status, 404);
  assert.equal(((await stranger.json()) as { code: string }).code, 'RESOURCE_NOT_FOUND');
});

test('a download stops when the grant is revoked mid-way: the next range is refused and the content stays incomplete', async (t) => {
  // The reader holds at most a few chunks ahead of what it has delivered (the decryption pipeline): most ranges are asked for after the revoke.
  const size = 16 * MiB;
  const { w, uploaded, forMeera, authorSigKey } = await grantedRecord(t, size);
  let received = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let revoked: Promise<unknown> | undefined;
  const reading = readRecord(w.meera.ctx, {
    recordId: uploaded.recordId, version: 1, signedManifest: uploaded.sealed.signedManifest, authorSigKey, wrappedKey: forMeera, rangeBytes: MiB,
    sink: async (content) => {
      received += content.length;
      if (!revoked) {
        // Raj revokes while meera's download is under way.
        revoked = submitOk(w.raj.ctx, 'RevokeAccess', { grantee: 'meera', recordIds: [uploaded.recordId] }).then(release);
        await gate;
      }
    },
  });
  // The record is unlisted: to meera, once revoked, it is as if it did not exist (a listed one answers 403 READ_DENIED).
  await assert.rejects(reading, (err: unknown) => isDhlError(err, 'RESOURCE_NOT_FOUND') && err.details.status === 404);
  await revoked;
  assert.ok(received > 0 && received < size, `the download stopped part-way (${received} of ${size} bytes)`);
});

test('file routes need a session; another user\'s upload is 404; the chunk route takes only application/octet-stream, at most one stored chunk', async (t) => {
  const { raj, meera, n } = await startWorld(t);
  for (const [name, r] of Object.entries(FILE_ROUTES) as [FileRouteName, (typeof FILE_ROUTES)[FileRouteName]][]) {
    const url = `${n.url}${r.url.replace(/:uploadId|:recordId/g, 'ab'.repeat(16)).replace(/:index|:version/g, '1')}`;
    const response = await fetch(url, { method: r.method });
    assert.equal(response.status, 401, name);
    assert.ok(r.errors.includes('SESSION_REQUIRED'), name);
  }
  const up = await raj.ctx.files.createUpload(4 * KiB);
  await assert.rejects(meera.ctx.files.status(up.uploadId), (err: unknown) => isDhlError(err, 'UPLOAD_NOT_FOUND') && err.details.status === 404);
  const chunkUrl = `${n.url}/v1/files/uploads/${up.uploadId}/chunks/0`;
  const json = await fetch(chunkUrl, { method: 'PUT', headers: { ...bearer(raj.ctx), 'content-type': 'application/json', 'content-digest': contentDigest(new Uint8Array(32)) }, body: '{}' });
  assert.equal(json.status, 415);
  const big = new Uint8Array(FILE_ROUTES.putChunk.bodyLimit + 1);
  const tooBig = await fetch(chunkUrl, { method: 'PUT', headers: { ...bearer(raj.ctx), 'content-type': 'application/octet-stream', 'content-digest': contentDigest(new Uint8Array(32)) }, body: big });
  assert.equal(tooBig.status, 413);
  const noDigest = await fetch(chunkUrl, { method: 'PUT', headers: { ...bearer(raj.ctx), 'content-type': 'application/octet-stream' }, body: new Uint8Array(10) });
  assert.equal(noDigest.status, 400);
  assert.deepEqual(readdirSync(join(n.dataDir, 'blobs')).sort(), ['uploads']);
});

test("a browser's cookie session uploads with its session's CSRF token (FileTransfer's csrfToken); without it a state-changing file route is 403 CSRF_FAILED", async (t) => {
  const { raj, n } = await startWorld(t);
  let cookie = '';
  const browserFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return response;
  };
  const api = new ApiClient({ baseUrl: n.url, fetch: browserFetch });
  const { session } = await login(api, { username: 'raj', secret: { passphrase: raj.passphrase }, session: 'cookie', chain: raj.ctx.chain, now: n.clock.now(), allowWeakKdf: true });
  await assert.rejects(new FileTransfer(api, { fetch: browserFetch }).createUpload(4 * KiB), (err: unknown) => isDhlError(err, 'CSRF_FAILED'));
  const files = new FileTransfer(api, { fetch: browserFetch, csrfToken: session.csrfToken! });
  const up = await files.createUpload(4 * KiB);
  assert.equal((await files.status(up.uploadId)).state, 'receiving');
  await files.cancel(up.uploadId);
});

test('the OpenAPI document lists every file route with its params, its errors, a session, and ciphertext bodies as application/octet-stream', async (t) => {
  const n = await startTestNode(t);
  const doc = (await (await fetch(`${n.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown; requestBody?: { content: Record<string, unknown> } }>> };
  await SwaggerParser.validate(structuredClone(doc) as never);
  for (const [name, r] of Object.entries(FILE_ROUTES) as [string, FileRouteSpec][]) {
    const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
    assert.ok(op, name);
    assert.ok(op.security, `${name} needs a session`);
    for (const code of r.errors) assert.ok(op.responses[String(ERROR_STATUS[code])], `${name}: ${code}`);
    for (const [status, schema] of Object.entries(r.response)) {
      assert.ok(op.responses[status], `${name} ${status}`);
      if (schema === 'binary') assert.ok(op.responses[status]!.content?.['application/octet-stream'], `${name} ${status} is binary`);
    }
    if (r.body === 'binary') assert.deepEqual(Object.keys(op.requestBody!.content), ['application/octet-stream']);
  }
});
