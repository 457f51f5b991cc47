/**
 * The worked examples of docs/formats.md, rendered from the vector files. A test
 * compares each `<!-- example:NAME -->` block of the document with this
 * rendering; `npm run vectors` rewrites the blocks.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fingerprint, fromBase64url, fromHex, toHex, utf8 } from '../../src/crypto/index.ts';
import type { CryptoVectors } from './crypto/build.ts';

export const DOC_PATH = new URL('../../docs/formats.md', import.meta.url);

const wrapText = (s: string, width = 96) => s.match(new RegExp(`.{1,${width}}`, 'g'))?.join('\n') ?? '';

export function renderCryptoExamples(v: CryptoVectors): Record<string, string> {
  const fevers = v.envelopes.find((e) => e.name === 'fevers')!;
  const header = fromHex(fevers.headerHex);
  const raj = readFileSync(new URL(`../../${v.keys['raj.sig']!.spkiPemFile}`, import.meta.url), 'utf8');
  const spkiB64 = raj.replace(/-----[^-]+-----|\s/g, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const wrap = v.wraps[0]!;
  const manifest = v.manifests[0]!;
  const chunk1 = fevers.chunks[1]!;
  return {
    'key-id': [
      `SPKI (base64url) of raj's sig key, test/fixtures/keys/raj.sig.public.pem:`,
      wrapText(spkiB64),
      `keyId       = ${v.keys['raj.sig']!.keyId}`,
      `fingerprint = ${fingerprint(v.keys['raj.sig']!.keyId)}`,
    ].join('\n'),
    'envelope-header': [
      `chain    = ${fevers.chain}`,
      `recordId = ${fevers.recordId}   version = 1   chunkSize = ${fevers.chunkSize}`,
      `header chunk (hex, ${header.length} bytes; u32be length = ${header.length - 4}):`,
      wrapText(fevers.headerHex),
      `as text after the length: ${JSON.stringify(utf8.decode(header.subarray(4)))}`,
      `AAD = SHA-256(JCS part) = ${fevers.aadHex}`,
    ].join('\n'),
    'envelope-chunks': [
      `DEK (injected test key) = ${fevers.dekHex}`,
      `plaintext stream = u32be(23) ‖ {"fileName":"fevers.txt"} ‖ ${fevers.contentHex.length / 2} content bytes = ${4 + 23 + fevers.contentHex.length / 2} bytes → ${fevers.chunks.length - 1} data chunks`,
      ...fevers.chunks.slice(1).map((c) => `chunk ${c.index}: nonce ${c.nonceHex} (counter ${c.index - 1}, last=${c.last ? 1 : 0}), stored ${fromBase64url(c.storedB64).length} bytes, SHA-256 ${c.hashHex}`),
      `stored chunk 1 (base64url):`,
      wrapText(chunk1.storedB64),
      `leaf inputs: ${fevers.chunks.map((c) => c.hashHex.slice(0, 16) + '…').join(', ')}`,
      `cipherRoot = ${fevers.cipherRoot}`,
    ].join('\n'),
    'oaep-label': [
      `label (hex) = ${wrapText(wrap.labelHex)}`,
      `label (text) = ${JSON.stringify(utf8.decode(fromHex(wrap.labelHex)))}`,
      `wrapped key (for meera's enc key; RSA-OAEP output is random, this one is kept in the vectors):`,
      JSON.stringify({ ...wrap.wrapped, wrappedDek: wrap.wrapped.wrappedDek.slice(0, 40) + '…' }, null, 2),
    ].join('\n'),
    manifest: [
      JSON.stringify(manifest.signed.manifest, null, 2),
      `signed bytes (text) = ${JSON.stringify(utf8.decode(fromHex(manifest.signingBytesHex)))}`,
      `signed bytes SHA-256 = ${toHex(new Uint8Array(sha256Sync(fromHex(manifest.signingBytesHex))))}`,
      `signature = ${JSON.stringify({ ...manifest.signed.signature, sig: manifest.signed.signature.sig.slice(0, 40) + '…' })}`,
    ].join('\n'),
  };
}


function sha256Sync(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

// A block's body never contains a fence, so the match cannot run into the next block.
const BLOCK = /<!-- example:([a-z0-9-]+) -->\n```text\n((?:(?!```)[\s\S])*)```/g;

export function docExampleBlocks(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of doc.matchAll(BLOCK)) out.set(m[1]!, m[2]!.replace(/\n$/, ''));
  return out;
}

export function rewriteDocExamples(examples: Record<string, string>): void {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const next = doc.replace(BLOCK, (whole, name: string) =>
    examples[name] === undefined ? whole : `<!-- example:${name} -->\n\`\`\`text\n${examples[name]}\n\`\`\``,
  );
  writeFileSync(DOC_PATH, next);
}
