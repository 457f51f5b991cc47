/**
 * `npm run bench -- ledger-formats [--leaves 1000000] [--txs 50000]`
 * Transaction encode+hash and parse rates, Merkle append and proof generation
 * and verification at 1 M leaves, each beside raw SHA-256 (node:crypto) of the
 * same bytes in the same run.
 */
import { createHash } from 'node:crypto';
import { concatBytes, fromBase64url, randomBytes, toBase64url, toHex } from '../src/crypto/index.ts';
import {
  bodyHashOf, leafHash, MerkleTree, parseTx, txHashOf, txSigningBytes, verifyConsistency, verifyInclusion, type TxHeader,
} from '../src/ledger/index.ts';
import { log, machine, option, round } from './util.ts';

const sha256 = (d: Uint8Array): Uint8Array => createHash('sha256').update(d).digest();

function timeIt(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function txs(count: number) {
  const chain = toHex(randomBytes(32));
  const keyId = toHex(randomBytes(32));
  const sig = toBase64url(randomBytes(384));
  const body = { recordId: toHex(randomBytes(16)), version: 1 };
  const bodyHash = bodyHashOf(sha256, body);
  return Array.from({ length: count }, (_, i) => {
    const header: TxHeader = {
      v: 1, chain, type: 'RecordRead', actor: 'meera', keyId, alg: 'PS256', nonce: toHex(randomBytes(16)), notAfter: 1795000000000 + i, time: 1795000000000, bodyHash,
    };
    return { header, body, sig };
  });
}

export async function run(args: string[]) {
  const leaves = option(args, 'leaves', 1_000_000);
  const txCount = option(args, 'txs', 50_000);

  log(`encoding and hashing ${txCount} transactions…`);
  const list = txs(txCount);
  const encodeSeconds = timeIt(() => {
    for (const t of list) txHashOf(sha256, t.header, t.sig);
  });
  const raw = list.map((t) => concatBytes(txSigningBytes(t.header), fromBase64url(t.sig)));
  const rawTxSeconds = timeIt(() => {
    for (const bytes of raw) sha256(bytes);
  });
  const parseSeconds = timeIt(() => {
    for (const t of list) parseTx(sha256, t);
  });

  log(`appending ${leaves} leaves…`);
  const leafHashes = Array.from({ length: leaves }, (_, i) => leafHash(sha256, new Uint8Array([i & 255, (i >> 8) & 255, (i >> 16) & 255, 7])));
  const tree = new MerkleTree(sha256);
  const appendSeconds = timeIt(() => {
    for (const leaf of leafHashes) tree.append(leaf);
  });
  // Reference: the node hashes an append performs (one per leaf on average), as raw SHA-256 of 65 bytes.
  const nodeInput = new Uint8Array(65);
  const rawNodeSeconds = timeIt(() => {
    for (let i = 0; i < leaves; i++) sha256(nodeInput);
  });
  const root = tree.root();

  const proofCount = 20_000;
  const indices = Array.from({ length: proofCount }, () => Math.floor(Math.random() * leaves));
  log(`${proofCount} inclusion proofs at size ${leaves}…`);
  let proofs: Uint8Array[][] = [];
  const inclusionSeconds = timeIt(() => {
    proofs = indices.map((i) => tree.inclusionProof(i, leaves));
  });
  const verifySeconds = timeIt(() => {
    indices.forEach((i, k) => verifyInclusion(sha256, i, leaves, leafHashes[i]!, proofs[k]!, root));
  });
  const proofHashes = proofs.reduce((n, p) => n + p.length, 0) / proofCount;
  // Reference: the same number of 65-byte node hashes a verification performs.
  const rawVerifySeconds = timeIt(() => {
    for (let k = 0; k < proofCount; k++) for (let j = 0; j < proofs[k]!.length; j++) sha256(nodeInput);
  });

  const sizes1 = Array.from({ length: 2000 }, () => 1 + Math.floor(Math.random() * (leaves - 1)));
  let consistency: Uint8Array[][] = [];
  const consistencySeconds = timeIt(() => {
    consistency = sizes1.map((s) => tree.consistencyProof(s, leaves));
  });
  const roots1 = sizes1.map((s) => tree.rootAt(s));
  const consistencyVerifySeconds = timeIt(() => {
    sizes1.forEach((s, k) => verifyConsistency(sha256, s, leaves, consistency[k]!, roots1[k]!, root));
  });

  const perSec = (n: number, s: number) => round(n / s, 0);
  return {
    bench: 'ledger-formats',
    machine: machine(),
    tx: {
      count: txCount,
      encodeAndHashPerSec: perSec(txCount, encodeSeconds),
      parsePerSec: perSec(txCount, parseSeconds),
      rawSha256OfSameBytesPerSec: perSec(txCount, rawTxSeconds),
      ratioEncodeHashVsRawSha256: round(rawTxSeconds / encodeSeconds, 3),
      note: 'encode = JCS of the header + tag + signature concat; parse adds shape checks and the body hash',
    },
    merkle: {
      leaves,
      appendPerSec: perSec(leaves, appendSeconds),
      rawSha256Of65BytesPerSec: perSec(leaves, rawNodeSeconds),
      ratioAppendVsRawNodeHash: round(rawNodeSeconds / appendSeconds, 3),
      inclusionProofGenPerSec: perSec(proofCount, inclusionSeconds),
      inclusionProofVerifyPerSec: perSec(proofCount, verifySeconds),
      rawHashesOfOneVerificationPerSec: perSec(proofCount, rawVerifySeconds),
      ratioVerifyVsRaw: round(rawVerifySeconds / verifySeconds, 3),
      inclusionProofBytes: round(proofHashes * 32, 0),
      consistencyProofGenPerSec: perSec(sizes1.length, consistencySeconds),
      consistencyProofVerifyPerSec: perSec(sizes1.length, consistencyVerifySeconds),
    },
  };
}
