/**
 * The worked examples of docs/formats.md, rendered from the vector files. A test
 * compares each `<!-- example:NAME -->` block of the document with this
 * rendering; `npm run vectors` rewrites the blocks.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fingerprint, fromBase64url, fromHex, toHex, utf8 } from '../../src/crypto/index.ts';
import type { CryptoVectors } from './crypto/build.ts';
import type { LedgerVectors } from './ledger/build.ts';
import type { LoginVectors } from './login/build.ts';

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

const short = (b64: string) => `${b64.slice(0, 24)}…(${b64.length} chars)`;

export function renderLedgerExamples(v: LedgerVectors): Record<string, string> {
  const g = v.genesis;
  const shownGenesis = {
    ...g,
    orgs: g.orgs.map((o) => ({
      ...o,
      admins: o.admins.map((a) => ({ ...a, sigSpki: short(a.sigSpki), encSpki: short(a.encSpki) })),
      nodes: o.nodes.map((n) => ({ ...n, sigSpki: short(n.sigSpki) })),
    })),
  };
  const b1 = v.blocks[0]!;
  const b2 = v.blocks[1]!;
  const tx = b2.entries[0]!.tx as { header: object; body: object; sig: string };
  const ex = v.txExamples.find((e) => e.name === 'assign-meera')!;
  const att = b1.attestations[0]!;
  const incl = v.proofs.inclusion[1]!;
  const cons = v.proofs.consistency[0]!;
  return {
    genesis: [
      `genesis (SPKI shortened here; the vector file has them whole):`,
      JSON.stringify(shownGenesis, null, 2),
      `signed bytes = "dhl/genesis/v1\\n" ‖ JCS(genesis), ${v.genesisBytesHex.length / 2} bytes`,
      `chain id = SHA-256(those bytes) = ${v.chainId}`,
      `stateDigest(0) = SHA-256("dhl/state/v1\\n" ‖ chain id as 32 bytes) = ${v.stateDigest0}`,
    ].join('\n'),
    transaction: [
      `the AssignRole of block 2, as it travels (sig shortened):`,
      JSON.stringify({ ...tx, sig: short(tx.sig) }, null, 2),
      `bodyHash = SHA-256(JCS(body)) = ${ex.bodyHash}`,
      `signed bytes (text) = ${JSON.stringify(utf8.decode(fromHex(ex.signingBytesHex)))}`,
      `txHash = SHA-256(signed bytes ‖ 384 signature bytes) = ${ex.txHash}`,
    ].join('\n'),
    'log-entry': [
      `entry = ${JSON.stringify({ tx: v.txExamples.find((e) => e.name === 'list-unknown')!.txHash, outcome: b2.entries[1]!.outcome })}`,
      `leaf input = SHA-256(JCS(entry)) = ${b2.leafInputsHex[1]}`,
      `leaf hash = SHA-256(0x00 ‖ leaf input); entriesRoot of block 2 = ${b2.header.entriesRoot}`,
    ].join('\n'),
    block: [
      `block 1 header:`,
      JSON.stringify(b1.header, null, 2),
      `block hash = SHA-256("dhl/block/v1\\n" ‖ JCS(header)) = ${b1.blockHash}`,
      `writes (sorted by UTF-8 key bytes):`,
      JSON.stringify(b1.writes.slice(0, 2)) + (b1.writes.length > 2 ? ` … ${b1.writes.length} writes in all` : ''),
      `changesHash = SHA-256(JCS(writes)) = ${b1.changesHash}`,
      `stateDigest(1) = SHA-256(stateDigest(0) ‖ changesHash(1)) = ${b1.header.stateDigest}`,
    ].join('\n'),
    attestation: [
      JSON.stringify({ ...att, sig: short(att.sig) }, null, 2),
      `signed bytes = "dhl/attest/v1\\n" ‖ JCS(attestation), PS256 by the node's sig key`,
    ].join('\n'),
    proofs: [
      `inclusion of leaf ${incl.index} in the tree of size ${incl.size} (root ${incl.root}):`,
      ...incl.proof.map((h, i) => `  [${i}] ${h}`),
      `consistency from size ${cons.size1} (root ${cons.root1}) to size ${cons.size2}:`,
      ...cons.proof.map((h, i) => `  [${i}] ${h}`),
    ].join('\n'),
    'signed-head': signedHeadExample(v),
  };
}

function signedHeadExample(v: LedgerVectors): string {
  const first = v.signedHeads.heads[0]!;
  const last = v.signedHeads.heads.at(-1)!;
  const ext = v.signedHeads.extensions[0]!;
  const shown = { header: { height: first.header.height, treeSize: first.header.treeSize, treeRoot: first.header.treeRoot, '…': '(the whole header of block 1, §8.4)' }, attestation: { ...first.attestation, sig: short(first.attestation.sig) } };
  return [
    `the signed head of block 1 (header shortened here; the vector file has it whole):`,
    JSON.stringify(shown, null, 2),
    `a ledger whose head is block ${last.header.height} (treeSize ${last.header.treeSize}, treeRoot ${last.header.treeRoot}) extends it:`,
    `consistency proof from size ${first.header.treeSize} to size ${last.header.treeSize}:`,
    ...ext.proof.map((h, i) => `  [${i}] ${h}`),
  ].join('\n');
}

export function renderLoginExamples(v: LoginVectors): Record<string, string> {
  const c = v.challenges[0]!;
  return {
    'login-challenge': [
      `challenge (${c.name}):`,
      JSON.stringify(c.challenge, null, 2),
      `signed bytes (text) = ${JSON.stringify(utf8.decode(fromHex(c.signedBytesHex)))}`,
      `signed bytes SHA-256 = ${toHex(new Uint8Array(sha256Sync(fromHex(c.signedBytesHex))))}`,
      `sig (PS256 by raj's sig key ${v.signer.keyId.slice(0, 16)}…; RSA-PSS is randomised, this one is kept in the vectors) = ${short(c.sig)}`,
    ].join('\n'),
  };
}
