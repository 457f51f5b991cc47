/**
 * The API's one door into node/ (DESIGN §3): exactly what the HTTP service
 * needs, and nothing that could read past the contract. Today it wraps
 * LedgerNode (its read facade for everything read: `reads`) and the node's
 * first-run and account helpers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccountStore, checkAdminKeys, DB_FILE, ensureNodeKey, firstRunGenesis, initDataDir, LedgerNode, nodeError, parseTxHash, type BlobReadStream,
  type ByteRange, type CompletedUpload, type FirstAdmin, type NodeOptions, type ReadFacade, type SignedHead, type SubmitResult, type SweepResult,
  type UploadView, type UsageView,
} from '../node/index.ts';

export type { FirstAdmin, NodeOptions, SignedHead, SubmitResult, UploadView, CompletedUpload, UsageView, ByteRange, BlobReadStream, SweepResult };
export { DhlError, isDhlError, defineErrors, DEFAULT_KDF_COSTS } from '../node/index.ts';
export type { KdfCosts, KdfParams, Session, SessionKind, Slot, FailedLogins } from '../node/index.ts';
export type Accounts = AccountStore;

/**
 * Every read the API serves, decided for its reader (src/node/read-facade.ts):
 * the ledger, users, directory, records, requests, grants, audit,
 * notifications. The only way to the node's state, log and blobs.
 */
export type Reads = ReadFacade;

/** The head of the last durable block (the ledger's ChainHead). */
export type Head = LedgerNode['head'];

export interface LoginChallengeValue {
  chain: string;
  username: string;
  origin: string;
  nonce: string;
  notAfter: number;
}

/** A submission's answer: the node's result with the signed head its proof is against. */
export type Submitted = SubmitResult & { signedHead: SignedHead };

/** An open ledger, as the API sees it. */
export interface LedgerPort {
  readonly chainId: string;
  /** The genesis document (JSON). */
  readonly genesis: { orgs: { org: string; admins: FirstAdmin[]; nodes: { nodeId: string; sigSpki: string }[] }[] } & Record<string, unknown>;
  head(): Head;
  /** The node's read facade. */
  readonly reads: Reads;
  /** Admits, and answers once the block is durable, with the proof under the signed head it names. */
  submit(tx: unknown): Promise<Submitted>;
  /** The recorded answer for a transaction already in the log. */
  recorded(txHash: string): Submitted | undefined;
  isRegistered(username: string): boolean;
  verifyLoginSignature(challenge: LoginChallengeValue, sig: string): Promise<boolean>;
  /** A genesis admin's RegisterUser, checked as admission will check it. */
  checkAdminRegistration(tx: unknown): Promise<{ ok: true; txHash: string; username: string } | { ok: false }>;
  /** The contract's outcomes for these genesis admins' RegisterUser transactions as the next block at `time`, without writing. */
  dryRunAdminBlock(txs: readonly unknown[], time: number): Promise<string[]>;
  /** The hash of a transaction, checking its shape (admission's codes on failure). */
  txHash(tx: unknown): string;
  /** Encrypted files: resumable uploads and gated ciphertext. */
  readonly files: FilesPort;
  close(): Promise<void>;
}

/** Uploads (node/uploads.ts) and downloads (the read facade's openCiphertext), each for the session user. */
export interface FilesPort {
  createUpload(uploader: string, declaredSize: number): Promise<UploadView>;
  uploadStatus(uploader: string, uploadId: string): Promise<UploadView>;
  putChunk(uploader: string, uploadId: string, index: number, bytes: Uint8Array, sha256Hex: string): Promise<{ index: number; held: number }>;
  completeUpload(uploader: string, uploadId: string, cipherRoot: string, chunkCount: number): Promise<CompletedUpload>;
  cancelUpload(uploader: string, uploadId: string): Promise<void>;
  usage(uploader: string): UsageView;
  /** A version's ciphertext for `reader`: receipt and "may read now" checked here and before every piece. */
  openCiphertext(reader: string, recordId: string, version: number, range?: ByteRange): Promise<BlobReadStream & { receipt: string }>;
  /** Expires incomplete and orphan uploads now (the node also does it on a timer). */
  sweep(): Promise<SweepResult>;
}

export interface OpenOptions {
  /** Cut blocks of exactly this many transactions (block 1 of a first run holds every admin's RegisterUser). */
  blockOf?: number;
}

/** A data directory, before and after it holds a ledger. */
export interface DataDirPort {
  readonly dataDir: string;
  isInitialised(): boolean;
  /** This node's public sig key, made on first use. */
  nodeKey(): Promise<{ sigSpki: string; keyId: string }>;
  checkAdminKeys(admin: FirstAdmin): Promise<void>;
  /** Builds the first-run genesis and writes it (block 0) into the data directory. */
  initialise(input: { org: string; nodeId: string; admins: readonly FirstAdmin[]; time: number }): Promise<{ chainId: string }>;
  open(options?: OpenOptions): Promise<LedgerPort>;
  /** The node-private account data (its own SQLite file in the data directory). */
  openAccounts(): Accounts;
}

export function dataDirPort(dataDir: string, nodeOptions: NodeOptions = {}): DataDirPort {
  // The uploads' bookkeeping lives in the accounts file: the ledger opened here gets its rows.
  let accounts: AccountStore | undefined;
  // So does the node's refusal log (rate-limit trips, failed logins), which the read facade shows the node's admins.
  const withUploads = (options: NodeOptions): NodeOptions =>
    (accounts ? { ...options, uploads: { ...options.uploads, rows: accounts.uploads }, refusals: accounts.refusals } : options);
  return {
    dataDir,
    isInitialised: () => existsSync(join(dataDir, DB_FILE)),
    nodeKey: () => ensureNodeKey(dataDir),
    checkAdminKeys,
    async initialise(input) {
      const key = await ensureNodeKey(dataDir);
      return initDataDir(dataDir, firstRunGenesis({ ...input, nodeSigSpki: key.sigSpki }));
    },
    async open(options = {}) {
      // Block 1 of a first run: exactly the admins' transactions, whatever the operation options say.
      const node = await LedgerNode.open(dataDir, withUploads(options.blockOf ? { ordering: { maxItems: options.blockOf, maxDelayMs: 2_000 } } : nodeOptions));
      try {
        return ledgerPort(node);
      } catch (err) {
        await node.close();
        throw err;
      }
    },
    openAccounts: () => (accounts = AccountStore.open(dataDir)),
  };
}

function filesPort(node: LedgerNode): FilesPort {
  const uploads = () => {
    // The API always opens the node with its upload rows (dataDirPort); a node without them takes no uploads.
    if (!node.uploads) throw nodeError('NODE_STOPPED', { reason: 'no upload bookkeeping' });
    return node.uploads;
  };
  return {
    createUpload: (uploader, declaredSize) => uploads().create(uploader, declaredSize),
    uploadStatus: (uploader, uploadId) => uploads().status(uploader, uploadId),
    putChunk: (uploader, uploadId, index, bytes, sha256Hex) => uploads().putChunk(uploader, uploadId, index, bytes, sha256Hex),
    completeUpload: (uploader, uploadId, cipherRoot, chunkCount) => uploads().complete(uploader, uploadId, cipherRoot, chunkCount),
    cancelUpload: (uploader, uploadId) => uploads().cancel(uploader, uploadId),
    usage: (uploader) => uploads().usage(uploader),
    openCiphertext: async (reader, recordId, version, range) => {
      // A reader who may not know the record exists learns no more here than from its metadata route (RESOURCE_NOT_FOUND).
      node.reads.record(reader, recordId);
      return node.reads.openCiphertext(reader, recordId, version, range);
    },
    sweep: () => uploads().sweep(),
  };
}

function ledgerPort(node: LedgerNode): LedgerPort {
  /** Proof and signed head read in one synchronous step: both are of the same durable head. */
  const withHead = (txHash: string, duplicate: boolean): Submitted | undefined => {
    const recorded = node.recorded(txHash);
    const signedHead = node.signedHead();
    return recorded && signedHead ? { ...recorded, duplicate, signedHead } : undefined;
  };
  return {
    chainId: node.chainId,
    genesis: node.genesis as unknown as LedgerPort['genesis'],
    head: () => node.head,
    reads: node.reads,
    async submit(tx) {
      const result = await node.submit(tx);
      return withHead(result.txHash, result.duplicate)!;
    },
    recorded: (txHash) => withHead(txHash, true),
    isRegistered: (username) => node.reads.isRegistered(username),
    verifyLoginSignature: (challenge, sig) => node.reads.verifyLoginSignature(challenge, sig),
    async checkAdminRegistration(tx) {
      const check = await node.checkAdminRegistration(tx);
      return check.ok ? { ok: true, txHash: check.tx.hash, username: check.username } : { ok: false };
    },
    txHash: (tx) => parseTxHash(node.chainId, tx),
    files: filesPort(node),
    async dryRunAdminBlock(txs, time) {
      const parsed = [];
      for (const tx of txs) {
        const check = await node.checkAdminRegistration(tx);
        if (!check.ok) return txs.map(() => 'NOT_ADMIN_REGISTRATION');
        parsed.push(check.tx);
      }
      return node.dryRunNextBlock(parsed, time);
    },
    async close() {
      await node.close();
    },
  };
}
