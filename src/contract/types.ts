/**
 * The contract's inputs and outputs (DESIGN §6). Declared structurally, so the
 * ledger's parsed transaction and the node's state view fit without importing
 * each other.
 */
import type { Manifest } from '../crypto/manifest.ts';
import type { RejectCode } from './codes.ts';

/** A JSON value as DESIGN §13 allows it in state: no floats, no negative numbers, no null (null means "delete" in a write). */
export type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** Reads the current state by key, synchronously. Absent keys give `undefined`. */
export interface StateView {
  get(key: string): Json | undefined;
}

/** One state change: a value, or `null` for deletion (DESIGN §13). */
export type StateWrite = readonly [key: string, value: Json | null];

export interface TxHeader {
  v: number;
  chain: string;
  type: string;
  /** Username of the acting user. */
  actor: string;
  /** Hex key id of the `sig` key that signed the header. */
  keyId: string;
  alg: string;
  /** 128 random bits, 32 lowercase hex characters. */
  nonce: string;
  /** Last block time (ms) at which the transaction may be applied. */
  notAfter: number;
  /** The client's clock (ms): informational only, never used for a decision. */
  time: number;
  bodyHash: string;
}

/** A transaction as the contract consumes it: the ledger's `ParsedTx` fits this shape. */
export interface ContractTx {
  /** Hex SHA-256 transaction hash (DESIGN §13). */
  hash: string;
  header: TxHeader;
  /**
   * Untrusted: the contract parses it. Optional so the ledger's parsed
   * transaction fits as is; a withheld (absent) body cannot be decided and is
   * BODY_INVALID, so never re-execute a transaction whose body you lack.
   */
  body?: unknown;
}

/** Chain parameters from the genesis document; extra parameters are ignored here. */
export interface ChainParams {
  readonly notAfterWindowMs: number;
  readonly chunkSizeMax: number;
  /** The longest access a grant may give (expiresAt − block time) or a request may ask for (durationMs). */
  readonly maxGrantMs: number;
  /** Most transactions in a block: nonce pruning may take twice as many steps per block (nonces.ts). */
  readonly maxBlockTxs: number;
}

/** What the node knows about the block being built: its chain, height and (ordering) time. */
export interface BlockContext {
  readonly chain: string;
  readonly height: number;
  /** Block time in ms: the only clock the contract uses. */
  readonly time: number;
  readonly params: ChainParams;
}

export type Accepted = { readonly ok: true };
export type Rejected = { readonly ok: false; readonly code: RejectCode; /** Body field at fault (BODY_INVALID only); not part of the log. */ readonly field?: string };
export type Outcome = Accepted | Rejected;

export interface ApplyResult {
  readonly outcome: Outcome;
  /** Sorted by the UTF-8 bytes of key; a rejected transaction writes at most its replay nonce. */
  readonly writes: StateWrite[];
}

// ---------------------------------------------------------------------------
// Vocabularies

export const TX_TYPES = Object.freeze({
  RegisterUser: 'RegisterUser',
  AssignRole: 'AssignRole',
  RevokeRole: 'RevokeRole',
  RotateKeys: 'RotateKeys',
  AddRecord: 'AddRecord',
  AddRecordVersion: 'AddRecordVersion',
  SetListing: 'SetListing',
  RequestAccess: 'RequestAccess',
  DenyRequest: 'DenyRequest',
  GrantAccess: 'GrantAccess',
  RevokeAccess: 'RevokeAccess',
  RecordRead: 'RecordRead',
  EmergencyAccess: 'EmergencyAccess',
  EraseRecord: 'EraseRecord',
} as const);
export type TxType = (typeof TX_TYPES)[keyof typeof TX_TYPES];

/** Types whose names are taken but which `apply` rejects with TYPE_NOT_SUPPORTED until they are built. */
export const RESERVED_TX_TYPES: readonly TxType[] = Object.freeze([TX_TYPES.EmergencyAccess, TX_TYPES.EraseRecord]);
export type ActiveTxType = Exclude<TxType, 'EmergencyAccess' | 'EraseRecord'>;

/** Roles an admin assigns; `patient` is every registered user and is never assigned. */
export const ASSIGNABLE_ROLES = Object.freeze(['doctor', 'admin'] as const);
export type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];

export const GRANT_SCOPES = Object.freeze(['read', 'contribute'] as const);
export type GrantScope = (typeof GRANT_SCOPES)[number];

// ---------------------------------------------------------------------------
// Bodies (see README.md in this folder for the table of rules)

export type RegisterUserBody = { username: string; encSpki: string; encKeyId: string; sigSpki: string; sigKeyId: string };
export type RotateKeysBody = { encSpki: string; encKeyId: string; sigSpki: string; sigKeyId: string };
export type AssignRoleBody = { username: string; role: AssignableRole; org: string; encKeyId: string; sigKeyId: string };
export type RevokeRoleBody = { username: string; role: AssignableRole; org: string };

/** The signed manifest of one record version (DESIGN §4): crypto's own type. */
export type { Manifest };
/** A detached signature as crypto's `signDetached` makes it. */
export type DetachedSig = { alg: string; keyId: string; sig: string };
/** A DEK wrapped for one recipient's `enc` key (crypto's `WrappedKey`). */
export type WrappedKey = { recordId: string; version: number; keyId: string; alg: string; wrappedDek: string };

export type AddRecordBody = { manifest: Manifest; manifestSig: DetachedSig; wrappedKeys: WrappedKey[] };
export type AddRecordVersionBody = AddRecordBody;
export type SetListingBody = { recordId: string; listed: boolean };
export type RequestAccessBody = { patient: string; records: string[] | 'all'; purpose: string; durationMs: number };
export type DenyRequestBody = { requestId: string; patient: string; doctor: string };
export type GrantAccessBody = { grantee: string; requestId?: string; expiresAt: number; scopes: GrantScope[]; keys: WrappedKey[] };
export type RevokeAccessBody = { grantee: string; recordIds?: string[]; rekey?: boolean };
export type RecordReadBody = { recordId: string; version: number };

/** Draft bodies of the reserved types: `apply` refuses them (TYPE_NOT_SUPPORTED) until they are built. */
export type EmergencyAccessBody = { recordId: string; justification: string };
export type EraseRecordBody = { recordId: string };

export interface BodyOf {
  RegisterUser: RegisterUserBody;
  AssignRole: AssignRoleBody;
  RevokeRole: RevokeRoleBody;
  RotateKeys: RotateKeysBody;
  AddRecord: AddRecordBody;
  AddRecordVersion: AddRecordVersionBody;
  SetListing: SetListingBody;
  RequestAccess: RequestAccessBody;
  DenyRequest: DenyRequestBody;
  GrantAccess: GrantAccessBody;
  RevokeAccess: RevokeAccessBody;
  RecordRead: RecordReadBody;
}

// ---------------------------------------------------------------------------
// State values (written only by this contract and by genesisWrites)

export type UserState = {
  username: string;
  sigKeyId: string;
  encKeyId: string;
  /** Block time of RegisterUser. */
  registeredAt: number;
  /** Block time of the last RegisterUser/RotateKeys. */
  keysSince: number;
};

export type KeyState = { keyId: string; username: string; use: 'sig' | 'enc'; spki: string; since: number; txHash: string };

export type RoleState = {
  username: string;
  role: AssignableRole;
  org: string;
  /** The key ids the assigning admin vouched for; the role acts only while they are the user's current keys. */
  sigKeyId: string;
  encKeyId: string;
  /**
   * Counts the assignments that followed a revocation. Grants and requests
   * remember the term they were made in; a revocation ends the term, so they
   * stay void even if the role is assigned again.
   */
  term: number;
  active: boolean;
  /** Username of the assigning admin, or "" for genesis. */
  assignedBy: string;
  since: number;
};

export type OrgState = { org: string; nodes: { nodeId: string; sigKeyId: string }[] };

export type NodeKeyState = { keyId: string; org: string; nodeId: string };

export type RecordState = {
  recordId: string;
  patient: string;
  /** Authors of its versions, sorted. */
  authors: string[];
  latestVersion: number;
  listed: boolean;
  /** Users holding a grant entry on this record (standing or not), sorted. */
  grantees: string[];
  /** Block time of AddRecord. */
  createdAt: number;
};

export type VersionState = { recordId: string; version: number; manifest: Manifest; manifestSig: DetachedSig; txHash: string; addedAt: number };

export type WrapState = WrappedKey & { txHash: string };

export type GrantState = {
  /** Hash of the GrantAccess transaction. */
  grantId: string;
  grantor: string;
  grantee: string;
  recordId: string;
  scopes: GrantScope[];
  expiresAt: number;
  /** The grantee's doctor-role term at issuance. */
  term: number;
  issuedAt: number;
};

export type ContributeState = { grantId: string; grantor: string; grantee: string; expiresAt: number; term: number; issuedAt: number };

export type RequestStatus = 'pending' | 'granted' | 'denied' | 'withdrawn';
export type RequestState = {
  requestId: string;
  doctor: string;
  patient: string;
  records: string[] | 'all';
  purpose: string;
  durationMs: number;
  /** The doctor's role term when asking: a revocation lapses the request. */
  term: number;
  createdAt: number;
  status: RequestStatus;
  /** Hash of the transaction that closed it, or "" while pending. */
  closedBy: string;
};

export type ChartState = { count: number };
