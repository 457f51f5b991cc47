/**
 * Builds the crypto test vectors from injected DEKs and the fixture keys, so a
 * re-run makes no diff. RSA-OAEP and RSA-PSS outputs are randomised: a value
 * from the previous file is kept when it still unwraps or verifies, and only
 * made anew otherwise.
 */
import {
  ALG, canonicalJson, chunkNonce, concatBytes, encryptEnvelope, fromBase64url, manifestSigningBytes, sha256, signManifest,
  toBase64url, toHex, unwrapDek, utf8, verifyManifest, wrapDek, wrapLabel, type Manifest, type SignedManifest, type WrappedKey,
} from '../../../src/crypto/index.ts';
import { fixtureKey } from '../../fixtures/keys.ts';

export const VECTOR_CHAIN = toHex(await sha256(utf8.encode('dhl test vectors chain')));

export interface EnvelopeVector {
  name: string;
  chain: string;
  recordId: string;
  version: number;
  chunkSize: number;
  fileName: string;
  contentHex: string;
  dekHex: string;
  headerHex: string;
  aadHex: string;
  chunks: { index: number; nonceHex?: string; last?: boolean; storedB64: string; hashHex: string }[];
  cipherRoot: string;
}

export interface EnvelopeNegative {
  name: string;
  base: string;
  mutation: string;
  storedB64: string[];
  dekHex: string;
  expectedCode: string;
}

export interface CryptoVectors {
  comment: string;
  chain: string;
  keys: Record<string, { keyId: string; spkiPemFile: string }>;
  envelopes: EnvelopeVector[];
  envelopeNegatives: EnvelopeNegative[];
  wraps: { name: string; chain: string; recordId: string; version: number; recipient: string; labelHex: string; dekHex: string; wrapped: WrappedKey }[];
  wrapNegatives: { name: string; wrapped: WrappedKey; chain: string; recipient: string; expectedCode: string }[];
  manifests: { name: string; signingBytesHex: string; signed: SignedManifest; signer: string }[];
}

const dekFor = async (name: string) => sha256(utf8.encode(`dhl test dek ${name}`));
const recordIdFor = async (name: string) => toHex(await sha256(utf8.encode(`record ${name}`))).slice(0, 32);

const CASES: { name: string; chunkSize: number; fileName: string; content: Uint8Array }[] = [
  { name: 'empty-content', chunkSize: 64, fileName: 'empty.txt', content: new Uint8Array(0) },
  {
    name: 'fevers',
    chunkSize: 64,
    fileName: 'fevers.txt',
    content: utf8.encode('2026-11-02 fever 39.2C, paracetamol 1 g.\n2026-11-03 fever 38.1C.\n2026-11-04 no fever.\n'),
  },
  // prefix (4 + 24 bytes) + 164 content bytes = 192 = 3 × 64: no short last chunk.
  { name: 'exact-multiple', chunkSize: 64, fileName: 'exact.bin', content: Uint8Array.from({ length: 164 }, (_, i) => i) },
  {
    name: 'long-unicode-name',
    chunkSize: 64,
    fileName: 'Ærztlicher Befund – Röntgen Thorax (2026-11-20) — Zweitmeinung ✓.pdf',
    content: utf8.encode('%PDF-1.7 not really a PDF\n'),
  },
  { name: 'larger-chunks', chunkSize: 1024, fileName: 'scan.dcm', content: Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 255) },
];

async function envelopeVector(c: (typeof CASES)[number]): Promise<EnvelopeVector> {
  const dek = await dekFor(c.name);
  const recordId = await recordIdFor(c.name);
  const chunks: EnvelopeVector['chunks'] = [];
  const summary = await encryptEnvelope(
    { chain: VECTOR_CHAIN, recordId, version: 1, dek, fileName: c.fileName, chunkSize: c.chunkSize },
    [c.content],
    (chunk) => {
      chunks.push({ index: chunk.index, storedB64: toBase64url(chunk.bytes), hashHex: toHex(chunk.hash) });
    },
  );
  const dataCount = chunks.length - 1;
  for (const chunk of chunks) {
    if (chunk.index === 0) continue;
    chunk.last = chunk.index === dataCount;
    chunk.nonceHex = toHex(chunkNonce(chunk.index - 1, chunk.last));
  }
  const headerJson = canonicalJson({ alg: ALG.envelope, chunkSize: c.chunkSize, chain: VECTOR_CHAIN, recordId, version: 1 });
  return {
    name: c.name,
    chain: VECTOR_CHAIN,
    recordId,
    version: 1,
    chunkSize: c.chunkSize,
    fileName: c.fileName,
    contentHex: toHex(c.content),
    dekHex: toHex(dek),
    headerHex: toHex(fromBase64url(chunks[0]!.storedB64)),
    aadHex: toHex(await sha256(utf8.encode(headerJson))),
    chunks,
    cipherRoot: summary.cipherRoot,
  };
}

function negatives(envelopes: EnvelopeVector[]): EnvelopeNegative[] {
  const byName = (n: string) => envelopes.find((e) => e.name === n)!;
  const stored = (e: EnvelopeVector) => e.chunks.map((c) => fromBase64url(c.storedB64));
  const flip = (bytes: Uint8Array, at: number) => {
    const copy = Uint8Array.from(bytes);
    copy[at]! ^= 0x01;
    return copy;
  };
  const out: EnvelopeNegative[] = [];
  const add = (name: string, base: EnvelopeVector, mutation: string, chunks: Uint8Array[], expectedCode: string, dekHex = base.dekHex) =>
    out.push({ name, base: base.name, mutation, storedB64: chunks.map(toBase64url), dekHex, expectedCode });

  const multi = byName('exact-multiple'); // header + 3 full data chunks
  const s = stored(multi);
  if (s.length !== 4) throw new Error('exact-multiple must be a header and three full data chunks');
  const [h, c1, c2, c3] = s as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  add('flipped-bit-in-ciphertext', multi, 'chunk 1 byte 0 xor 1', [h, flip(c1, 0), c2, c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  add('flipped-bit-in-tag', multi, 'chunk 2 last byte xor 1', [h, c1, flip(c2, c2.length - 1), c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  add('flipped-bit-in-header-syntax', multi, "header's ':' before the version xor 1: no longer JSON", [flip(h, h.length - 3), c1, c2, c3], 'ENVELOPE_HEADER_INVALID');
  // A digit of recordId xor 1 is another digit: the header still parses, but the AAD differs.
  const digitAt = 4 + utf8.decode(h.subarray(4)).indexOf(multi.recordId) + [...multi.recordId].findIndex((ch) => ch >= '0' && ch <= '9');
  add('flipped-bit-in-header-record-id', multi, 'one digit of recordId in the header xor 1', [flip(h, digitAt), c1, c2, c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  add('swapped-chunks', multi, 'chunks 1 and 2 exchanged', [h, c2, c1, c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  add('duplicated-chunk', multi, 'chunk 1 stored twice', [h, c1, c1, c2, c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  add('dropped-last-chunk', multi, 'chunk 3 (the last) removed', [h, c1, c2], 'ENVELOPE_TRUNCATED');
  add('truncated-at-header', multi, 'only the header', [h], 'ENVELOPE_TRUNCATED');
  add('truncated-mid-header', multi, 'header cut in half', [h.subarray(0, 20)], 'ENVELOPE_TRUNCATED');
  add('appended-chunk', multi, 'a copy of chunk 3 appended after the last', [h, c1, c2, c3, c3], 'ENVELOPE_TRAILING_DATA');
  add('cut-mid-chunk', multi, 'last chunk cut to its first 10 bytes', [h, c1, c2, c3.subarray(0, 10)], 'ENVELOPE_TRUNCATED');
  add('wrong-key', multi, 'the DEK of another record', s, 'ENVELOPE_CHUNK_AUTH_FAILED', byName('fevers').dekHex);
  const fevers = byName('fevers');
  const fs = stored(fevers);
  add('chunk-from-other-record', multi, 'chunk 1 replaced by chunk 1 of another record', [h, fs[1]!, c2, c3], 'ENVELOPE_CHUNK_AUTH_FAILED');
  const otherAlg = utf8.encode(
    'dhl/envelope/v1\n' + canonicalJson({ alg: 'A128GCM-STREAM', chunkSize: 64, chain: multi.chain, recordId: multi.recordId, version: 1 }),
  );
  const header = concatBytes(new Uint8Array([0, 0, 0, otherAlg.length]), otherAlg);
  add('unknown-alg', multi, 'header names alg A128GCM-STREAM', [header, c1, c2, c3], 'ALG_UNKNOWN');
  return out;
}

const WRAP_CASES = [
  { name: 'dek-for-meera', recipient: 'meera' as const, envelope: 'fevers', version: 1 },
  { name: 'dek-for-raj', recipient: 'raj' as const, envelope: 'fevers', version: 1 },
];

const MANIFEST_BASE = (e: EnvelopeVector, authorKeyId: string): Manifest => ({
  chain: e.chain,
  recordId: e.recordId,
  version: e.version,
  patient: 'raj',
  author: 'raj',
  authorKeyId,
  title: 'Fevers, November',
  mediaType: 'text/plain',
  size: fromHexLength(e.contentHex),
  chunkSize: e.chunkSize,
  cipherRoot: e.cipherRoot,
  createdAt: 1795000000000,
});

function fromHexLength(hex: string): number {
  return hex.length / 2;
}

export async function buildCryptoVectors(previous?: CryptoVectors): Promise<CryptoVectors> {
  const keys: CryptoVectors['keys'] = {};
  for (const user of ['raj', 'meera', 'admin', 'node1'] as const) {
    for (const use of ['enc', 'sig'] as const) {
      keys[`${user}.${use}`] = { keyId: (await fixtureKey(user, use)).keyId, spkiPemFile: `test/fixtures/keys/${user}.${use}.public.pem` };
    }
  }
  const envelopes: EnvelopeVector[] = [];
  for (const c of CASES) envelopes.push(await envelopeVector(c));

  const wraps: CryptoVectors['wraps'] = [];
  for (const w of WRAP_CASES) {
    const e = envelopes.find((x) => x.name === w.envelope)!;
    const recipient = await fixtureKey(w.recipient, 'enc');
    const ctx = { chain: e.chain, recordId: e.recordId, version: w.version };
    const old = previous?.wraps.find((x) => x.name === w.name);
    let wrapped: WrappedKey | undefined;
    if (old && old.wrapped.keyId === recipient.keyId && old.wrapped.recordId === e.recordId) {
      const dek = await unwrapDek(old.wrapped, recipient.privateKey, e.chain).catch(() => undefined);
      if (dek && toHex(dek) === e.dekHex) wrapped = old.wrapped;
    }
    wrapped ??= await wrapDek(Uint8Array.from(Buffer.from(e.dekHex, 'hex')), recipient.publicKey, ctx);
    wraps.push({
      name: w.name,
      ...ctx,
      recipient: `${w.recipient}.enc`,
      labelHex: toHex(wrapLabel(ctx, recipient.keyId)),
      dekHex: e.dekHex,
      wrapped,
    });
  }
  const meeraWrap = wraps[0]!;
  const wrapNegatives: CryptoVectors['wrapNegatives'] = [
    { name: 'replayed-into-other-version', wrapped: { ...meeraWrap.wrapped, version: 2 }, chain: meeraWrap.chain, recipient: 'meera.enc', expectedCode: 'UNWRAP_FAILED' },
    { name: 'replayed-into-other-record', wrapped: { ...meeraWrap.wrapped, recordId: envelopes[0]!.recordId }, chain: meeraWrap.chain, recipient: 'meera.enc', expectedCode: 'UNWRAP_FAILED' },
    { name: 'replayed-into-other-chain', wrapped: meeraWrap.wrapped, chain: '00'.repeat(32), recipient: 'meera.enc', expectedCode: 'UNWRAP_FAILED' },
    { name: 'wrong-private-key', wrapped: meeraWrap.wrapped, chain: meeraWrap.chain, recipient: 'raj.enc', expectedCode: 'UNWRAP_FAILED' },
    { name: 'unknown-alg', wrapped: { ...meeraWrap.wrapped, alg: 'RSA1_5' as typeof ALG.wrap }, chain: meeraWrap.chain, recipient: 'meera.enc', expectedCode: 'ALG_UNKNOWN' },
  ];

  const manifests: CryptoVectors['manifests'] = [];
  const rajSig = await fixtureKey('raj', 'sig');
  const manifest = MANIFEST_BASE(envelopes.find((e) => e.name === 'fevers')!, rajSig.keyId);
  const oldManifest = previous?.manifests.find((m) => m.name === 'fevers-v1');
  let signed: SignedManifest | undefined;
  if (oldManifest && canonicalJson(oldManifest.signed.manifest) === canonicalJson(manifest)) {
    signed = (await verifyManifest(oldManifest.signed, rajSig.publicKey).then(() => oldManifest.signed, () => undefined));
  }
  signed ??= await signManifest(manifest, rajSig.privateKey);
  manifests.push({ name: 'fevers-v1', signingBytesHex: toHex(manifestSigningBytes(manifest)), signed, signer: 'raj.sig' });

  return {
    comment: 'Generated by test/vectors/generate.ts from injected DEKs and the TEST-ONLY fixture keys; see docs/formats.md.',
    chain: VECTOR_CHAIN,
    keys,
    envelopes,
    envelopeNegatives: negatives(envelopes),
    wraps,
    wrapNegatives,
    manifests,
  };
}
