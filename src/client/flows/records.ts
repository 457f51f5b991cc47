/**
 * Records over the network (DESIGN §1 steps 2 and 5): seal a file on this
 * client and upload its ciphertext, resumably, then ledger the record; and
 * the reverse — ledger a read, download the ciphertext, check it against
 * the signed manifest and decrypt. The node sees stored chunks and signed
 * transactions only; file names, content and keys stay here.
 */
import { ALG, generateDek, isDhlError, unwrapDek, wrapDek, type ByteSource, type DecryptResult, type JsonValue, type SignedManifest, type WrappedKey } from '../../crypto/index.ts';
import type { TxResult } from '../../protocol/index.ts';
import { clientError } from '../errors.ts';
import { storedSizeOf } from '../files.ts';
import { newRecordId, openRecord, sealRecord, type SealedRecord } from '../record-crypto.ts';
import type { ResumeStore, UploadResume } from '../resume-store.ts';
import { submit, submitOk, type ClientContext } from './context.ts';


export interface UploadInput {
  title: string;
  mediaType: string;
  /** Travels sealed inside the envelope, never in the clear. */
  fileName: string;
  /** Opens the file's content from its start (again when an upload resumes or starts over). */
  content: () => ByteSource;
  contentSize: number;
  chunkSize?: number;
  /** Whose chart the record is in; default the uploader's own (a doctor contributing names the patient). */
  patient?: string;
  /** Enc public keys it is wrapped for besides the uploader's own: the patient's when contributing, standing grantees' for a new version. */
  readers?: CryptoKey[];
  /** A new version of this record (default: a new record). */
  recordId?: string;
  version?: number;
  /** Where the upload's resume state lives, under a key the host chooses; without it an interrupted upload starts over. */
  resume?: { store: ResumeStore; key: string };
  signal?: AbortSignal;
}

export interface Uploaded {
  recordId: string;
  version: number;
  sealed: SealedRecord;
  uploadId: string;
}

/**
 * Seals the file and uploads its stored chunks (a few in flight while the
 * next are sealed), then completes the upload against its cipherRoot. With
 * `resume`, an earlier interrupted upload of the same key continues: the
 * content is sealed again under the same DEK and only chunks the node lacks
 * are sent; if one the node holds differs (the file changed), the upload
 * starts over under a fresh DEK (formats §4.1: a GCM nonce never seals two
 * plaintexts that leave the client).
 */
export async function uploadBlob(ctx: ClientContext, input: UploadInput): Promise<Uploaded> {
  let state = input.resume ? await input.resume.store.get(input.resume.key) : undefined;
  let status = state && (await ctx.files.status(state.uploadId).catch((err: unknown) => (isDhlError(err, 'UPLOAD_NOT_FOUND') ? undefined : Promise.reject(err))));
  if (!status) state = undefined;
  for (let attempt = 0; ; attempt++) {
    const version = state?.version ?? input.version ?? 1;
    const recordId = state?.recordId ?? input.recordId ?? newRecordId();
    const chunkSize = state?.chunkSize ?? input.chunkSize ?? 2 ** 20;
    const ctxWrap = { chain: ctx.chain, recordId, version };
    const dek = state ? await unwrapDek(state.wrappedDek, ctx.me.enc.privateKey, ctx.chain) : generateDek();
    try {
      if (!state) {
        const declaredSize = storedSizeOf({ alg: ALG.envelope, chunkSize, ...ctxWrap }, input.fileName, input.contentSize);
        status = await ctx.files.createUpload(declaredSize);
        state = { uploadId: status.uploadId, recordId, version, chunkSize, declaredSize, wrappedDek: await wrapDek(dek, ctx.me.enc.publicKey, ctxWrap), startedAt: ctx.now() };
        if (input.resume) await input.resume.store.put(input.resume.key, state);
      }
      const held: (string | undefined)[] = [];
      for (const c of status!.chunks) held[c.index] = c.sha256;
      const complete = status!.state !== 'receiving';
      const sender = ctx.files.chunkSender(state.uploadId, input.signal);
      let sealed: SealedRecord;
      try {
        sealed = await sealRecord(
          {
            chain: ctx.chain, patient: input.patient ?? ctx.me.username, author: ctx.me.username, authorSig: ctx.me.sig,
            readers: [ctx.me.enc.publicKey, ...(input.readers ?? [])], title: input.title, mediaType: input.mediaType, fileName: input.fileName,
            createdAt: ctx.now(), chunkSize, recordId, version, dek, storedChunkHashes: held,
          },
          input.content(),
          // A complete upload only needs its root compared: nothing is sent.
          complete ? async () => undefined : sender.sink,
        );
      } finally {
        await sender.drain().catch(() => undefined);
      }
      await sender.drain();
      if (complete) {
        if (sealed.summary.cipherRoot !== status!.cipherRoot) throw clientError('TRANSFER_INTERRUPTED', { reason: 'the completed upload is not this file' });
      } else {
        await ctx.files.complete(state.uploadId, sealed.summary.cipherRoot, sealed.summary.chunkHashes.length);
      }
      if (input.resume) await input.resume.store.delete(input.resume.key);
      return { recordId, version, sealed, uploadId: state.uploadId };
    } catch (err) {
      // The file differs from what the node holds: drop that upload and seal afresh (a new DEK, the same record id).
      if (attempt === 0 && state && isDhlError(err, 'RESUME_MISMATCH')) {
        await ctx.files.cancel(state.uploadId).catch(() => undefined);
        if (input.resume) await input.resume.store.delete(input.resume.key);
        input = { ...input, recordId: state.recordId, version: state.version, chunkSize: state.chunkSize };
        state = undefined;
        status = undefined;
        continue;
      }
      throw err;
    } finally {
      dek.fill(0);
    }
  }
}

/** AddRecord (version 1) or AddRecordVersion of an uploaded blob. */
export async function ledgerRecord(ctx: ClientContext, uploaded: Uploaded): Promise<TxResult> {
  const body = {
    manifest: uploaded.sealed.signedManifest.manifest as unknown as JsonValue,
    manifestSig: uploaded.sealed.signedManifest.signature as unknown as JsonValue,
    wrappedKeys: uploaded.sealed.wrappedKeys as unknown as JsonValue,
  };
  return submitOk(ctx, uploaded.version === 1 ? 'AddRecord' : 'AddRecordVersion', body);
}

/** Uploads a file and ledgers it: a new record of the patient's, or a new version of one. */
export async function uploadRecord(ctx: ClientContext, input: UploadInput): Promise<Uploaded & { result: TxResult }> {
  const uploaded = await uploadBlob(ctx, input);
  return { ...uploaded, result: await ledgerRecord(ctx, uploaded) };
}

export interface ReadInput {
  recordId: string;
  version: number;
  /** The version's signed manifest, as the ledger carries it (the caller checked its inclusion). */
  signedManifest: SignedManifest;
  /** The author's sig public key, taken from the ledger. */
  authorSigKey: CryptoKey;
  /** The version's DEK wrapped for one of this user's enc keys. */
  wrappedKey: WrappedKey;
  /** Receives the content as it is decrypted (the file name comes with the result). */
  sink: (content: Uint8Array) => void | Promise<void>;
  signal?: AbortSignal;
  rangeBytes?: number;
}

/**
 * Reads a version: ledgers the RecordRead (the read is itself a
 * transaction; a refused one is ledgered too, and READ_REFUSED here), then
 * downloads the ciphertext in ranges and decrypts it, the manifest's
 * signature checked first and the stored chunks checked against its
 * cipherRoot before the last content is released.
 */
export async function readRecord(ctx: ClientContext, input: ReadInput): Promise<{ receipt: TxResult; opened: DecryptResult; excerpt: Uint8Array }> {
  const receipt = await submit(ctx, 'RecordRead', { recordId: input.recordId, version: input.version });
  if (receipt.outcome !== 'OK') throw clientError('READ_REFUSED', { recordId: input.recordId, version: input.version, outcome: receipt.outcome });
  const readerKey = await ctx.me.encKeyFor(input.wrappedKey.keyId);
  if (!readerKey) throw clientError('RECORD_NOT_READABLE', { recordId: input.recordId, version: input.version });
  const stored = ctx.files.ciphertext(input.recordId, input.version, {
    ...(input.signal ? { signal: input.signal } : {}), ...(input.rangeBytes ? { rangeBytes: input.rangeBytes } : {}),
  });
  const excerpt = new CiphertextExcerpt();
  const opened = await openRecord(
    { signedManifest: input.signedManifest, authorSigPublicKey: input.authorSigKey, wrappedKey: input.wrappedKey, readerEncPrivateKey: readerKey },
    excerpt.tap(stored),
    input.sink,
  );
  return { receipt, opened, excerpt: excerpt.bytes() };
}

/** How much of a read's ciphertext comes back to be shown. */
export const EXCERPT_BYTES = 48;

/**
 * The first bytes of the first data chunk as the stored stream passes
 * (DESIGN §1 step 5 shows an excerpt of the ciphertext): past the header
 * chunk, which is its u32be length and that many bytes (formats §4).
 */
class CiphertextExcerpt {
  private readonly kept = new Uint8Array(EXCERPT_BYTES);
  private keptLength = 0;
  private readonly lengthPrefix = new Uint8Array(4);
  private seen = 0;
  private headerEnd = Infinity;

  async *tap(stored: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const piece of stored) {
      this.look(piece);
      yield piece;
    }
  }

  private look(piece: Uint8Array): void {
    let i = 0;
    while (i < piece.length && this.keptLength < EXCERPT_BYTES) {
      if (this.seen < 4) {
        this.lengthPrefix[this.seen++] = piece[i++]!;
        if (this.seen === 4) this.headerEnd = 4 + new DataView(this.lengthPrefix.buffer).getUint32(0);
      } else if (this.seen < this.headerEnd) {
        const n = Math.min(this.headerEnd - this.seen, piece.length - i);
        this.seen += n;
        i += n;
      } else {
        const n = Math.min(EXCERPT_BYTES - this.keptLength, piece.length - i);
        this.kept.set(piece.subarray(i, i + n), this.keptLength);
        this.keptLength += n;
        this.seen += n;
        i += n;
      }
    }
  }

  bytes(): Uint8Array {
    return this.kept.slice(0, this.keptLength);
  }
}

export type { UploadResume };
