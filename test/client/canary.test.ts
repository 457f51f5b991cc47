import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { decodePem, toBase64url, unwrapDek, utf8 } from '../../src/crypto/index.ts';
import { isDhlError } from '../../src/crypto/index.ts';
import { uploadRecord } from '../../src/client/flows/records.ts';
import { requestAccess, revoke } from '../../src/client/flows/access.ts';
import { approveRequest, readFromLedger, setListing } from '../../src/client/flows/chart.ts';
import { MemoryResumeStore } from '../../src/client/resume-store.ts';
import { fixtureKey, type FixtureUser } from '../fixtures/keys.ts';
import { marker, scan } from '../helpers/canary.ts';
import { tempDir } from '../helpers/temp.ts';
import { startWorld } from './world.ts';

test('the scanner finds a planted marker in any file under the root, whole or in UTF-16, in a SQLite row, and in the logs; a clean directory has none', () => {
  const root = tempDir('canary');
  try {
    const planted = marker('planted');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'clean.bin'), randomBytes(100_000));
    assert.deepEqual(scan(root, 'a clean log line', [planted]), []);
    // Deep in a binary file, past the first 64 KiB.
    writeFileSync(join(root, 'a', 'b', 'blob'), Buffer.concat([randomBytes(70_000), Buffer.from(planted), randomBytes(10)]));
    writeFileSync(join(root, 'a', 'wide.txt'), Buffer.from(`x${planted}y`, 'utf16le'));
    const db = new DatabaseSync(join(root, 'rows.sqlite'));
    db.exec('CREATE TABLE t (v TEXT)');
    db.prepare('INSERT INTO t VALUES (?)').run(`title ${planted}`);
    db.close();
    const hits = scan(root, `{"msg":"${planted}"}`, [planted, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])]);
    assert.deepEqual([...new Set(hits.map((h) => h.where))].sort(), ['a/b/blob', 'a/wide.txt', 'log', 'rows.sqlite']);
    assert.ok(hits.some((h) => h.where === 'a/wide.txt' && h.encoding === 'utf16le'), 'found as UTF-16');
    assert.ok(hits.every((h) => h.marker === planted), 'the byte needle occurs nowhere');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A user's private keys as the bytes and texts they could leak as: PKCS#8 DER, its base64url, base64 and PEM body. */
async function privateKeyMaterial(user: FixtureUser): Promise<(string | Uint8Array)[]> {
  const out: (string | Uint8Array)[] = [];
  for (const use of ['enc', 'sig'] as const) {
    const der = decodePem('private', (await fixtureKey(user, use)).privatePem);
    const pemBody = Buffer.from(der).toString('base64');
    out.push(der.subarray(0, 64), der.subarray(der.length - 64), toBase64url(der).slice(100, 164), pemBody.slice(100, 164));
  }
  return out;
}

test('canary: markers in file contents, file names, titles and purposes go through the scenario; no content or file name marker, no private key and no data key is in the data directory or the logs; titles and purposes only in the ledger\'s SQLite rows', async (t) => {
  const w = await startWorld(t);
  const m = { content: marker('content'), fileName: marker('name'), title: marker('title'), purpose: marker('purpose'), content2: marker('content2'), fileName2: marker('name2') };
  // A small record and a multi-chunk one whose upload is cut off and resumed.
  const small = utf8.encode(`2026-11-02 fever 39.2C ${m.content} paracetamol 1 g\n`);
  const fevers = await uploadRecord(w.raj.ctx, { title: `Fevers ${m.title}`, mediaType: 'text/plain', fileName: `fevers ${m.fileName}.txt`, content: () => [small], contentSize: small.length });
  const bigSize = 300_000;
  const big = new Uint8Array(bigSize);
  for (let i = 0; i < bigSize; i += 5000) big.set(utf8.encode(m.content2), i);
  const store = new MemoryResumeStore();
  const bigInput = { title: 'Imaging', mediaType: 'application/octet-stream', fileName: `scan ${m.fileName2}.bin`, content: () => [big], contentSize: bigSize, chunkSize: 4096, resume: { store, key: 'scan' } };
  const controller = new AbortController();
  let sent = 0;
  const cut = await w.contextAt(w.raj, w.n.url, {
    transfer: { retries: 0, fetch: async (input, init) => { const r = await fetch(input, init); if (init?.method === 'PUT' && ++sent === 20) controller.abort(); return r; } },
  });
  await assert.rejects(uploadRecord(cut, { ...bigInput, signal: controller.signal }), (err: unknown) => isDhlError(err, 'TRANSFER_INTERRUPTED'));
  const imaging = await uploadRecord(w.raj.ctx, bigInput);

  await setListing(w.raj.ctx, fevers.recordId, true);
  const request = await requestAccess(w.meera.ctx, { patient: 'raj', records: [fevers.recordId, imaging.recordId], purpose: `follow-up ${m.purpose}`, durationMs: 86_400_000 });
  await approveRequest(w.raj.ctx, w.raj.reads, { requestId: request.requestId, doctor: 'meera', records: [fevers.recordId, imaging.recordId], durationMs: 86_400_000 });
  const parts: Uint8Array[] = [];
  const opened = await readFromLedger(w.meera.ctx, w.meera.reads, imaging.recordId, 1, (c) => void parts.push(Uint8Array.from(c)));
  assert.equal(opened.opened.fileName, `scan ${m.fileName2}.bin`);
  assert.equal(Buffer.concat(parts).includes(Buffer.from(m.content2)), true, 'meera decrypted the content');
  await revoke(w.raj.ctx, 'meera', [fevers.recordId, imaging.recordId]);
  await assert.rejects(readFromLedger(w.meera.ctx, w.meera.reads, fevers.recordId, 1, () => undefined), (err: unknown) => isDhlError(err, 'READ_REFUSED'));

  const deks = [fevers, imaging].map((r) => unwrapDek(r.sealed.wrappedKeys[0]!, w.raj.ctx.me.enc.privateKey, w.chainId));
  await w.n.node.close();
  const secrets = [
    ...(await privateKeyMaterial('raj')), ...(await privateKeyMaterial('sara')), ...(await Promise.all(deks)),
    w.raj.passphrase, w.meera.passphrase,
  ];
  const logs = w.n.logs.text();
  assert.deepEqual(scan(w.n.dataDir, logs, [m.content, m.content2, m.fileName, m.fileName2, ...secrets]), [], 'no content, file name, private key, data key or passphrase anywhere');
  const metadata = scan(w.n.dataDir, logs, [m.title, m.purpose]);
  assert.ok(metadata.length > 0, 'the title and purpose are in the ledger (the scan is not vacuous)');
  for (const hit of metadata) assert.match(hit.where, /^ledger\.sqlite(-wal)?$/, `${hit.marker.slice(0, 14)} found in ${hit.where}`);
  const db = new DatabaseSync(join(w.n.dataDir, 'ledger.sqlite'), { readOnly: true });
  try {
    const rowsWith = (text: string) => (db.prepare("SELECT count(*) AS n FROM state WHERE value LIKE '%' || ? || '%'").get(text) as { n: number }).n;
    assert.ok(rowsWith(m.title) >= 1 && rowsWith(m.purpose) >= 1, 'as rows of the ledger state');
  } finally {
    db.close();
  }
});
