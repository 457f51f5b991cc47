/**
 * `dhl demo`: the crypto core end to end on this machine, before the node
 * exists. Generates raj's and meera's key pairs, encrypts a file for both,
 * signs the manifest, decrypts it back as meera and compares.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { fingerprint, generateUserKeys, keyId, openRecord, parseEnvelopeHeader, sealRecord, sha256, toHex, utf8 } from '../client/index.ts';
import { Progress } from './progress.ts';
import { runLedgerDemo } from './demo-ledger.ts';

const SAMPLE = '2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n2026-11-04 no fever.\n';

export interface DemoOptions {
  chunkSize?: number;
  keep?: boolean;
}

export async function runDemo(file: string | undefined, options: DemoOptions, out: (line: string) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'dhl-demo-'));
  try {
    const source = file ?? join(work, 'fevers.txt');
    if (!file) await import('node:fs/promises').then((fs) => fs.writeFile(source, SAMPLE));
    const size = statSync(source).size;
    out(`dhl demo: encrypting ${basename(source)} (${size} bytes) on this machine; nothing leaves it.`);

    out('generating RSA-3072 key pairs for raj (patient) and meera (doctor)…');
    const [raj, meera] = await Promise.all([generateUserKeys(), generateUserKeys()]);
    const rajSigId = await keyId(raj.sig.publicKey);
    const meeraEncId = await keyId(meera.enc.publicKey);
    out(`  raj   sig ${fingerprint(rajSigId)}`);
    out(`  meera enc ${fingerprint(meeraEncId)}`);

    const chain = toHex(await sha256(utf8.encode('dhl demo chain')));
    const blobPath = join(work, 'blob.dhl');
    const blob = createWriteStream(blobPath);
    const progress = new Progress('encrypt', size);
    let header: Uint8Array | undefined;
    const sealed = await sealRecord(
      {
        chain, patient: 'raj', author: 'raj', authorSig: { keyId: rajSigId, privateKey: raj.sig.privateKey },
        readers: [raj.enc.publicKey, meera.enc.publicKey], title: 'Fevers, November', mediaType: 'text/plain',
        fileName: basename(source), createdAt: Date.now(), ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      },
      (async function* () {
        for await (const piece of createReadStream(source)) {
          progress.add((piece as Buffer).length);
          yield piece as Buffer;
        }
      })(),
      async (chunk) => {
        if (chunk.index === 0) header = chunk.bytes;
        if (!blob.write(chunk.bytes)) await once(blob, 'drain');
      },
    );
    blob.end();
    await once(blob, 'finish');
    progress.done();

    const h = parseEnvelopeHeader(header!);
    out(`envelope header: ${JSON.stringify(h)}`);
    out(`stored: ${sealed.summary.storedSize} bytes in ${sealed.summary.chunkHashes.length} chunks (header + data)`);
    out(`cipherRoot: ${sealed.summary.cipherRoot}`);
    out(`manifest signed by raj (${sealed.signedManifest.signature.alg}); DEK wrapped for ${sealed.wrappedKeys.length} readers (RSA-OAEP-256)`);

    const meeraWrap = sealed.wrappedKeys.find((w) => w.keyId === meeraEncId)!;
    const plainHash = createHash('sha256');
    const decryptProgress = new Progress('decrypt', sealed.summary.storedSize);
    const opened = await openRecord(
      { signedManifest: sealed.signedManifest, authorSigPublicKey: raj.sig.publicKey, wrappedKey: meeraWrap, readerEncPrivateKey: meera.enc.privateKey },
      (async function* () {
        for await (const piece of createReadStream(blobPath)) {
          decryptProgress.add((piece as Buffer).length);
          yield piece as Buffer;
        }
      })(),
      (content) => void plainHash.update(content),
    );
    decryptProgress.done();
    const originalHash = file ? await hashFile(source) : createHash('sha256').update(SAMPLE).digest('hex');
    const same = plainHash.digest('hex') === originalHash;
    out(`meera decrypted "${opened.fileName}" (${opened.contentSize} bytes): ${same ? 'identical to the original' : 'DIFFERENT FROM THE ORIGINAL'}`);
    if (!file) out(`content: ${JSON.stringify(await readFile(source, 'utf8'))}`);
    if (options.keep) out(`kept the stored blob at ${blobPath}`);
    if (!same) throw new Error('round trip mismatch');
    // The same people and the sample record on an embedded ledger.
    await runLedgerDemo(work, { raj, meera }, (ledgerChain, sink) =>
      sealRecord(
        {
          chain: ledgerChain, patient: 'raj', author: 'raj', authorSig: { keyId: rajSigId, privateKey: raj.sig.privateKey },
          readers: [raj.enc.publicKey], title: 'Fevers, November', mediaType: 'text/plain', fileName: 'fevers.txt', createdAt: Date.now(),
        },
        [utf8.encode(SAMPLE)],
        sink,
      ), out);
  } finally {
    if (!options.keep) await rm(work, { recursive: true, force: true });
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
