/**
 * The ledger store (DESIGN §3, "Inside node/"): what makes block commits
 * durable and answers the reads the node and its read facade serve. SQLite
 * sits behind it (sqlite-ledger-store.ts); the schema, every statement, the
 * writer thread and the caches live in this folder and nowhere else.
 */
import type { StateView } from '../../contract/index.ts';
import type { BlockHeader, ChainHead, Genesis, MerkleTree, ParsedTx, SignedAttestation, StateWrite, TxHeader } from '../../ledger/index.ts';
import type { AuditRow, DirectoryChange, DirectoryLines, DirectoryPage } from '../derived-rows.ts';

/** One log entry of a block: the transaction as admitted or parsed, and its outcome code. */
export interface CommittedEntry {
  readonly tx: ParsedTx;
  readonly outcome: string;
}

/**
 * Everything one block writes, as the block executor computed it: the
 * header and entries, the state writes the header hashes, the derived index
 * rows, the node's attestation and the ordering position to resume after.
 */
export interface BlockCommit {
  readonly header: BlockHeader;
  readonly blockHash: string;
  readonly head: ChainHead;
  readonly entries: readonly CommittedEntry[];
  /** The block's final writes, sorted by key (DESIGN §13). */
  readonly writes: readonly StateWrite[];
  readonly audit: readonly AuditRow[];
  readonly directory: readonly DirectoryChange[];
  readonly attestation: SignedAttestation;
  /** The orderer position of the last batch this block completes. */
  readonly position: number;
}

/** Where a transaction is in the log. */
export interface LoggedTx {
  readonly seq: number;
  readonly height: number;
  readonly outcome: string;
}

/** One entry of the log as stored: where it is, its transaction and outcome, and its block's time. */
export interface EntryRow {
  readonly seq: number;
  readonly height: number;
  readonly txHash: string;
  readonly outcome: string;
  readonly header: TxHeader;
  readonly sig: string;
  /** The body's canonical JSON text. */
  readonly bodyJson: string;
  /** The time of the entry's block (the ledger's clock for it). */
  readonly blockTime: number;
}

/** A durable block: its header and hash, and the attestations stored beside it. */
export interface StoredBlock {
  readonly header: BlockHeader;
  readonly blockHash: string;
  readonly attestations: readonly SignedAttestation[];
}

/** Which of a subject's audit entries to read, newest first. */
export interface AuditQuery {
  /** Entries before this seq (the cursor of the previous page); default: from the newest. */
  readonly beforeSeq?: number;
  readonly limit: number;
  /** Only entries of this transaction type, actor, or outcome. */
  readonly type?: string;
  readonly actor?: string;
  readonly outcome?: string;
  /** Only entries in blocks at or after this time. */
  readonly sinceTime?: number;
  /** Only entries in blocks before this time. */
  readonly untilTime?: number;
}

export interface BlobRow {
  readonly cipherRoot: string;
  readonly storedSize: number;
  readonly chunkSize: number;
  readonly chunkHashes: readonly string[];
}

export interface LedgerStore {
  /** The database file, for errors that name it. */
  readonly file: string;
  readonly chainId: string;
  readonly genesis: Genesis;
  /**
   * The contract's state after the last block handed to `append`, durable or
   * not yet: what the next block executes against.
   */
  readonly state: StateView;
  /** The same state with its values shared and frozen, for readers that never change them (the read facade). */
  readonly sharedState: StateView;
  /** The log's Merkle tree after the last block handed to `append`; the executor appends the next block's leaves to it. */
  readonly tree: MerkleTree;
  /** The head of the last block handed to `append`. */
  readonly builtHead: ChainHead;
  /** The head of the last durable block: what answers report. */
  readonly head: ChainHead;
  /** The ordering position stored with the last block handed to `append` (0 for a new ledger). */
  readonly position: number;
  /** How many blocks became durable since the store opened: cheap to compare, to know whether anything did. */
  readonly durableBlocks: number;

  /**
   * Takes a block commit: from now on `state`, `tree` and `builtHead` include
   * it; the promise settles once it is durable (one transaction: all of it or
   * none). A failed append leaves the store unusable until reopened.
   */
  append(commit: BlockCommit): Promise<void>;
  /** Whether the transaction is in the log, durable or handed to `append`. */
  isLogged(txHash: string): boolean;
  /**
   * Whether the transaction is in a block that became durable after the
   * first `durableBlocksBefore` (answered from memory while those are recent).
   */
  durableSince(txHash: string, durableBlocksBefore: number): boolean;
  /** A durable transaction's place and outcome. */
  logged(txHash: string): LoggedTx | undefined;
  /** The hash of a durable block. */
  blockHashAt(height: number): string | undefined;
  /** Inclusion proof of entry `seq` in the tree of size `treeSize` (RFC 9162 §2.1.3). */
  inclusionProof(seq: number, treeSize: number): Uint8Array[];
  /** The durable head's block with its attestations: the node's signed head. */
  signedHead(): StoredBlock | undefined;
  /** A durable block. */
  block(height: number): StoredBlock | undefined;
  /** Durable entries with seq in [fromSeq, toSeq), in order. */
  entries(fromSeq: number, toSeq: number): EntryRow[];
  /** A durable entry by transaction hash. */
  entryByHash(txHash: string): EntryRow | undefined;
  /** Consistency proof between tree sizes (RFC 9162 §2.1.4). */
  consistencyProof(size1: number, size2: number): Uint8Array[];
  /** A subject's audit entries (`u:<user>`, `r:<recordId>`), newest first (authorisation is the caller's). */
  audit(subject: string, query: AuditQuery): EntryRow[];
  /** Durable entries the contract refused (outcome not OK), every type and actor, newest first (authorisation is the caller's). */
  refused(query: { beforeSeq?: number; limit: number }): EntryRow[];
  /** One page of a patient's directory rows, in chart order (authorisation is the caller's). */
  directoryPage(patient: string, own: boolean, page: { after?: number; limit?: number }): DirectoryPage;
  /** The same page as the index's stored lines, unparsed. */
  directoryLines(patient: string, own: boolean, page: { after?: number; limit?: number }): DirectoryLines;
  /** A stored blob's row. */
  blob(cipherRoot: string): BlobRow | undefined;
  /** Records a stored blob's chunks, durably. */
  putBlob(row: BlobRow): Promise<void>;
  /** Forgets a blob's row, durably (an expired orphan: its file is removed after). */
  deleteBlob(cipherRoot: string): Promise<void>;
  /** Lets every append finish, then closes. */
  close(): Promise<void>;
}

