/**
 * The client-side halves of "upload a record" and "read a record" (DESIGN §1
 * steps 2 and 5): encrypt under a fresh DEK, wrap it for each reader, sign the
 * manifest; and the reverse. Network transfer is the caller's: chunks go to a
 * sink, content comes from a byte source.
 */
import {
  encryptEnvelope, decryptEnvelope, generateDek, randomBytes, signManifest, toHex, unwrapDek, verifyManifest, wrapDek,
  type ByteSource, type ChunkSink, type EnvelopeSummary, type SignedManifest, type WrappedKey, type DecryptResult,
} from '../crypto/index.ts';

export interface SealRecordInput {
  chain: string;
  patient: string;
  author: string;
  authorSig: { keyId: string; privateKey: CryptoKey };
  /** Readers' `enc` public keys: at least the patient's and the author's. */
  readers: CryptoKey[];
  title: string;
  mediaType: string;
  fileName: string;
  createdAt: number;
  chunkSize?: number;
  recordId?: string;
  version?: number;
  /** The DEK to seal under (a resumed upload's); fresh when absent. Copied: the caller's bytes are left as they are. */
  dek?: Uint8Array;
  /** A resumed upload: the SHA-256 (hex) of each stored chunk the node holds, by index (crypto's encryptEnvelope compares them). */
  storedChunkHashes?: readonly (string | undefined)[];
}

export interface SealedRecord {
  summary: EnvelopeSummary;
  signedManifest: SignedManifest;
  wrappedKeys: WrappedKey[];
}

export function newRecordId(): string {
  return toHex(randomBytes(16));
}

export async function sealRecord(input: SealRecordInput, content: ByteSource, sink: ChunkSink): Promise<SealedRecord> {
  const recordId = input.recordId ?? newRecordId();
  const version = input.version ?? 1;
  const dek = input.dek ? Uint8Array.from(input.dek) : generateDek();
  try {
    const summary = await encryptEnvelope(
      {
        chain: input.chain, recordId, version, dek, fileName: input.fileName, ...(input.chunkSize ? { chunkSize: input.chunkSize } : {}),
        ...(input.storedChunkHashes ? { storedChunkHashes: input.storedChunkHashes as readonly string[] } : {}),
      },
      content,
      sink,
    );
    const ctx = { chain: input.chain, recordId, version };
    const wrappedKeys = await Promise.all(input.readers.map((reader) => wrapDek(dek, reader, ctx)));
    const signedManifest = await signManifest(
      {
        chain: input.chain,
        recordId,
        version,
        patient: input.patient,
        author: input.author,
        authorKeyId: input.authorSig.keyId,
        title: input.title,
        mediaType: input.mediaType,
        size: summary.contentSize,
        chunkSize: summary.header.chunkSize,
        cipherRoot: summary.cipherRoot,
        createdAt: input.createdAt,
      },
      input.authorSig.privateKey,
    );
    return { summary, signedManifest, wrappedKeys };
  } finally {
    dek.fill(0);
  }
}

export interface OpenRecordInput {
  signedManifest: SignedManifest;
  authorSigPublicKey: CryptoKey;
  wrappedKey: WrappedKey;
  readerEncPrivateKey: CryptoKey;
}

/** Verifies the manifest, unwraps the DEK and decrypts, checking the stored bytes build the manifest's cipherRoot. */
export async function openRecord(input: OpenRecordInput, stored: ByteSource, sink: (content: Uint8Array) => void | Promise<void>): Promise<DecryptResult> {
  const manifest = await verifyManifest(input.signedManifest, input.authorSigPublicKey);
  const dek = await unwrapDek(input.wrappedKey, input.readerEncPrivateKey, manifest.chain);
  try {
    return await decryptEnvelope(
      stored,
      { dek, expect: manifest, cipherRoot: manifest.cipherRoot },
      sink,
    );
  } finally {
    dek.fill(0);
  }
}
