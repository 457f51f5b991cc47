/**
 * Every error code of every layer with the HTTP status it answers with
 * (STYLE §4, §5): one table, shared by the server (which answers
 * `{code, message}` with this status) and clients (which narrow on the code).
 * The api layer's own codes are declared here with their messages; the other
 * layers' codes are declared in their registries (crypto, ledger, contract,
 * ordering, node) and only named here: test/protocol/errors.test.ts keeps this
 * table in step with each of them, so a new code without a status fails.
 *
 * A contract rejection code is a status here only for the rare case the API
 * refuses at the door with it (a username already registered). A ledgered
 * rejection is never an HTTP error: `POST /v1/tx` answers 200 with its outcome.
 *
 * Pure: no `node:` imports, nothing of ours (DESIGN §3).
 */

/** The api layer's own codes: status and message, declared once. */
export const API_ERRORS = Object.freeze({
  REQUEST_INVALID: { status: 400, message: 'the request does not match the schema of its route' },
  REQUEST_NOT_JSON: { status: 400, message: 'the request body is not valid JSON' },
  REQUEST_TOO_LARGE: { status: 413, message: 'the request body is larger than this route accepts' },
  MEDIA_TYPE_UNSUPPORTED: { status: 415, message: 'the request body must be application/json' },
  ROUTE_NOT_FOUND: { status: 404, message: 'no such route' },
  RATE_LIMITED: { status: 429, message: 'too many requests; retry later' },
  INTERNAL: { status: 500, message: 'internal error' },
  NODE_AWAITING_SETUP: { status: 503, message: 'this node awaits its first-run set-up' },

  SESSION_REQUIRED: { status: 401, message: 'this route needs a session: log in first' },
  SESSION_EXPIRED: { status: 401, message: 'the session has expired or was revoked: log in again' },
  CSRF_FAILED: { status: 403, message: 'a state-changing request with a session cookie needs the x-dhl-csrf header of that session' },
  ORIGIN_NOT_ACCEPTED: { status: 403, message: 'the origin is not one this node serves' },
  TX_ACTOR_NOT_SESSION_USER: { status: 403, message: "a session submits only its own user's transactions" },

  LOGIN_FAILED: { status: 401, message: 'unknown user or wrong passphrase or recovery key' },
  LOGIN_CHALLENGE_FAILED: { status: 401, message: 'the login challenge is unknown, used, expired, or its signature does not verify' },
  AUTH_KEY_INVALID: { status: 403, message: 'the current passphrase or recovery key is wrong' },
  ACCOUNT_VAULT_INVALID: { status: 400, message: "the sealed vault does not belong to this user or does not use this node's KDF parameters" },
  USERNAME_TAKEN: { status: 409, message: 'this username is already registered' },
  REGISTRATION_TX_INVALID: { status: 400, message: "the transaction is not a RegisterUser of the vault's user" },
  REGISTRATION_NOT_ACCEPTED: { status: 409, message: 'the RegisterUser transaction was ledgered as rejected: no account was created' },

  SETUP_TOKEN_INVALID: { status: 403, message: 'the setup token is wrong or no longer valid' },
  SETUP_COMPLETE: { status: 409, message: 'this node is already set up' },
  SETUP_NOT_READY: { status: 409, message: 'the set-up is not at this step yet' },
  SETUP_ADMINS_COMPLETE: { status: 409, message: 'every admin the set-up expects has joined' },
  SETUP_ADMIN_KEYS_DIFFER: { status: 409, message: 'this admin joined with other keys' },
  SETUP_ADMIN_UNKNOWN: { status: 400, message: 'the transaction is not the RegisterUser of an admin the genesis names' },
} as const);

export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * Status per code of the other layers. Meaning of the statuses: 400 malformed;
 * 401 no valid login or session; 403 not allowed; 404 absent; 409 conflicts
 * with the current state; 413 too large; 416 bad range; 422 well-formed but a
 * check (signature, key, hash) fails; 429 slow down; 500 the node's own fault;
 * 503 unavailable now, retry.
 */
const LAYER_STATUS = Object.freeze({
  // crypto (src/crypto/errors.ts)
  ARGUMENT_INVALID: 400,
  ALG_UNKNOWN: 400,
  KEY_INVALID: 422,
  KEY_ID_MISMATCH: 422,
  ENVELOPE_HEADER_INVALID: 400,
  ENVELOPE_CONTEXT_MISMATCH: 422,
  ENVELOPE_CHUNK_AUTH_FAILED: 422,
  ENVELOPE_TRUNCATED: 422,
  ENVELOPE_TRAILING_DATA: 422,
  ENVELOPE_PAYLOAD_INVALID: 422,
  CIPHER_ROOT_MISMATCH: 422,
  CHUNK_HASH_MISMATCH: 422,
  RESUME_MISMATCH: 409,
  UNWRAP_FAILED: 422,
  SIGNATURE_INVALID: 422,
  MANIFEST_INVALID: 400,
  VAULT_INVALID: 400,
  VAULT_OPEN_FAILED: 401,
  CANONICAL_JSON_INVALID: 400,

  // ledger (src/ledger/errors.ts, merkle-errors.ts, login.ts)
  GENESIS_INVALID: 400,
  TX_MALFORMED: 400,
  TX_CHAIN_MISMATCH: 422,
  TX_BODY_HASH_MISMATCH: 422,
  TX_SIGNATURE_INVALID: 422,
  TX_KEY_UNKNOWN: 422,
  BLOCK_MALFORMED: 400,
  ATTESTATION_MALFORMED: 400,
  CHAIN_GENESIS_MISMATCH: 422,
  CHAIN_HEIGHT_GAP: 422,
  CHAIN_PREV_HASH_MISMATCH: 422,
  CHAIN_TIME_REGRESSION: 422,
  CHAIN_SEQ_MISMATCH: 422,
  CHAIN_EMPTY_BLOCK: 422,
  CHAIN_TX_HASH_MISMATCH: 422,
  CHAIN_ENTRIES_ROOT_MISMATCH: 422,
  CHAIN_TREE_ROOT_MISMATCH: 422,
  CHAIN_CHANGES_HASH_MISMATCH: 422,
  CHAIN_STATE_DIGEST_MISMATCH: 422,
  CHAIN_OUTCOME_MISMATCH: 422,
  CHAIN_WRITES_MISMATCH: 422,
  CHAIN_BODY_MISSING: 422,
  CHAIN_ATTESTATION_INVALID: 422,
  CHAIN_DUPLICATE_TX: 422,
  CHAIN_BLOCK_TOO_LARGE: 422,
  HEAD_INVALID: 422,
  HEAD_BEHIND: 409,
  HEAD_MISMATCH: 409,
  MERKLE_ARGUMENT_INVALID: 400,
  MERKLE_PROOF_LENGTH: 422,
  MERKLE_ROOT_MISMATCH: 422,
  MERKLE_HASH_INVALID: 400,
  MERKLE_NODE_MISSING: 500,
  LOGIN_CHALLENGE_MALFORMED: 400,

  // contract rejection codes (src/contract/codes.ts): ledgered outcomes; a status only when refused at the door
  HEADER_INVALID: 400,
  CHAIN_MISMATCH: 422,
  TX_EXPIRED: 422,
  NOT_AFTER_TOO_FAR: 422,
  NONCE_REPLAYED: 409,
  TYPE_UNKNOWN: 400,
  TYPE_NOT_SUPPORTED: 400,
  ACTOR_UNKNOWN: 403,
  KEY_NOT_CURRENT: 403,
  BODY_INVALID: 400,
  USERNAME_NOT_ACTOR: 403,
  KEY_NOT_SIGNER: 403,
  USER_EXISTS: 409,
  KEY_ALREADY_REGISTERED: 409,
  GENESIS_KEYS_MISMATCH: 409,
  USER_UNKNOWN: 404,
  ADMIN_REQUIRED: 403,
  DOCTOR_REQUIRED: 403,
  ROLE_KEY_NOT_VOUCHED: 403,
  ROLE_SELF_ASSIGN: 403,
  ROLE_KEYS_NOT_CURRENT: 409,
  ROLE_ALREADY_ASSIGNED: 409,
  ROLE_HELD_IN_OTHER_ORG: 409,
  ROLE_NOT_HELD: 409,
  MANIFEST_CHAIN_MISMATCH: 422,
  MANIFEST_AUTHOR_MISMATCH: 422,
  MANIFEST_PATIENT_MISMATCH: 422,
  CHUNK_SIZE_TOO_LARGE: 422,
  RECORD_EXISTS: 409,
  RECORD_NOT_FOUND: 404,
  VERSION_NOT_NEXT: 409,
  VERSION_NOT_FOUND: 404,
  NOT_RECORD_OWNER: 403,
  NOT_RECORD_CONTRIBUTOR: 403,
  CONTRIBUTE_GRANT_REQUIRED: 403,
  RECORD_NOT_OF_PATIENT: 422,
  WRAP_CONTEXT_MISMATCH: 422,
  WRAP_ALG_UNKNOWN: 422,
  WRAP_DUPLICATE: 422,
  WRAP_MISSING_OWNER: 422,
  WRAP_MISSING_AUTHOR: 422,
  WRAP_MISSING_GRANTEE: 422,
  WRAP_UNEXPECTED_RECIPIENT: 422,
  ACCESS_SELF: 403,
  REQUEST_PENDING_EXISTS: 409,
  REQUEST_NOT_FOUND: 404,
  REQUEST_NOT_PENDING: 409,
  REQUEST_PARTIES_MISMATCH: 403,
  REQUEST_RECORDS_MISMATCH: 422,
  GRANTEE_NOT_DOCTOR: 422,
  GRANT_EXPIRY_PASSED: 422,
  GRANT_LATEST_VERSION_MISSING: 422,
  GRANT_NOT_FOUND: 404,
  READ_NOT_PERMITTED: 403,
  GRANT_EXPIRED: 403,
  GRANT_VOID: 403,
  EMERGENCY_NOT_OPTED_IN: 403,
  EMERGENCY_JUSTIFICATION_REQUIRED: 400,
  RECORD_ERASED: 410,
  USERNAME_LOOKALIKE: 409,
  ACCESS_TOO_LONG: 422,
  VERSION_NOT_WRAPPED: 403,

  // ordering (src/ordering/errors.ts)
  ORDERING_OVERLOADED: 503,
  ORDERING_CLOSED: 503,
  ORDERING_ITEM_INVALID: 400,
  ORDERING_ARGUMENT_INVALID: 500,
  ORDERING_COMPACTED: 503,

  // prechecks (src/contract/precheck.ts): refused at the door, never ledgered
  ADMISSION_KEY_UNKNOWN: 422,
  ADMISSION_KEY_INVALID: 422,
  ADMISSION_MANIFEST_SIGNATURE_INVALID: 422,

  // node (src/node/errors.ts)
  NODE_NOT_INITIALISED: 503,
  NODE_ALREADY_INITIALISED: 409,
  NODE_STOPPED: 503,
  NODE_STORAGE_FAILED: 503,
  NODE_OVERLOADED: 503,
  ACTOR_RATE_LIMITED: 429,
  TX_TOO_LARGE: 413,
  TX_NOT_JSON: 400,
  ADMISSION_BLOB_MISSING: 409,
  ADMISSION_BLOB_MISMATCH: 422,
  NODE_DATABASE_CORRUPT: 500,
  NODE_NO_SUCH_BLOCK: 404,
  QUERY_INVALID: 400,
  RESOURCE_NOT_FOUND: 404,
  READ_DENIED: 403,
  READ_RECEIPT_REQUIRED: 403,
  BLOB_INVALID: 422,
  BLOB_NOT_FOUND: 404,
  RANGE_INVALID: 416,
  DATA_DIR_TAMPERED: 500,
  EXPORT_INVALID: 400,
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_QUOTA_EXCEEDED: 413,
  UPLOAD_TOO_LARGE: 413,
  UPLOAD_CHUNK_DIGEST_MISMATCH: 422,
  UPLOAD_CHUNK_INVALID: 422,
  UPLOAD_CHUNK_OUT_OF_ORDER: 409,
  UPLOAD_CHUNK_CONFLICT: 409,
  UPLOAD_NOT_RECEIVING: 409,
  UPLOAD_INCOMPLETE: 409,
  UPLOAD_ROOT_MISMATCH: 422,
  UPLOAD_IN_USE: 409,
} as const);

type LayerCode = keyof typeof LAYER_STATUS;
export type ErrorCode = ApiErrorCode | LayerCode;

/** code → HTTP status, for every code of every layer. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  ...LAYER_STATUS,
  ...(Object.fromEntries(Object.entries(API_ERRORS).map(([code, e]) => [code, e.status])) as Record<ApiErrorCode, number>),
});

/** Codes answered with a `Retry-After` header: the request may succeed later unchanged. */
export const RETRY_AFTER_CODES: readonly ErrorCode[] = Object.freeze([
  'RATE_LIMITED', 'ACTOR_RATE_LIMITED', 'NODE_OVERLOADED', 'ORDERING_OVERLOADED', 'NODE_AWAITING_SETUP',
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** The status a code answers with; an unknown code is the server's fault (500). */
export function statusOf(code: string): number {
  return isErrorCode(code) ? ERROR_STATUS[code] : 500;
}

/** The body of every error answer. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    isErrorCode((value as { code?: unknown }).code) && typeof (value as { message?: unknown }).message === 'string'
  );
}
