/**
 * The contract's rejection codes: the one registry (STYLE §5). The log records
 * `"OK"` or one of these codes, never the message (DESIGN §13: rewording must
 * not change old proofs), so a code is never renamed, and a retired code is
 * never reused.
 */

export const REJECT_CODES = Object.freeze({
  // Envelope: every transaction. The first four write nothing, not even the nonce.
  HEADER_INVALID: 'transaction header is malformed',
  CHAIN_MISMATCH: 'transaction names another chain',
  TX_EXPIRED: 'notAfter is before the block time',
  NOT_AFTER_TOO_FAR: 'notAfter lies further ahead of the block time than the chain allows',
  NONCE_REPLAYED: 'this actor already used this nonce within its notAfter window',
  TYPE_UNKNOWN: 'unknown transaction type',
  TYPE_NOT_SUPPORTED: 'transaction type is reserved and not yet supported',
  ACTOR_UNKNOWN: 'the actor is not a registered user',
  KEY_NOT_CURRENT: "the signing key is not the actor's current sig key",
  BODY_INVALID: 'transaction body is malformed',

  // Users and keys.
  USERNAME_NOT_ACTOR: 'RegisterUser must be sent by the user it registers',
  KEY_NOT_SIGNER: 'RegisterUser must be signed by the sig key it registers',
  USER_EXISTS: 'username is already registered',
  USERNAME_LOOKALIKE: 'a registered username differs from this one only in separators (. _ -)',
  KEY_ALREADY_REGISTERED: "a key id in the body is already registered (a user's, or a node's in the genesis)",
  GENESIS_KEYS_MISMATCH: 'the genesis names other keys for this admin',
  USER_UNKNOWN: 'a user named in the body is not registered',

  // Roles.
  ADMIN_REQUIRED: 'the actor is not an active admin of that organisation',
  DOCTOR_REQUIRED: 'the actor is not an active doctor',
  ROLE_KEY_NOT_VOUCHED: "the user's current keys are not the ones their role assignment names (keys rotated since)",
  ROLE_SELF_ASSIGN: 'an admin cannot assign a role to themselves',
  ROLE_KEYS_NOT_CURRENT: "AssignRole must name the user's current key ids",
  ROLE_ALREADY_ASSIGNED: 'the user already holds this role with these keys',
  ROLE_HELD_IN_OTHER_ORG: 'the user holds this role in another organisation',
  ROLE_NOT_HELD: 'the user does not hold this role in that organisation',

  // Records.
  MANIFEST_CHAIN_MISMATCH: 'manifest names another chain',
  MANIFEST_AUTHOR_MISMATCH: 'manifest author, author key or signature key is not the signing actor and key',
  MANIFEST_PATIENT_MISMATCH: "manifest patient is not the record's patient",
  CHUNK_SIZE_TOO_LARGE: "manifest chunkSize exceeds the chain's chunkSizeMax",
  RECORD_EXISTS: 'record id is already taken',
  RECORD_NOT_FOUND: 'record does not exist',
  VERSION_NOT_NEXT: 'version must be the latest version plus one',
  VERSION_NOT_FOUND: 'record has no such version',
  NOT_RECORD_OWNER: 'only the patient who owns the record may do this',
  NOT_RECORD_CONTRIBUTOR: 'only the owner or an author holding a contribute grant may add a version',
  CONTRIBUTE_GRANT_REQUIRED: "adding to another patient's chart needs an active grant with the contribute scope",
  RECORD_NOT_OF_PATIENT: 'a record named does not belong to that patient',

  // Wrapped keys.
  WRAP_CONTEXT_MISMATCH: 'a wrapped key names another record or version',
  WRAP_ALG_UNKNOWN: 'a wrapped key uses an unknown algorithm',
  WRAP_DUPLICATE: 'two wrapped keys for the same record, version and key',
  WRAP_MISSING_OWNER: "no wrapped key for the patient's current enc key",
  WRAP_MISSING_AUTHOR: "no wrapped key for the author's current enc key",
  WRAP_MISSING_GRANTEE: "no wrapped key for a standing grantee's current enc key",
  WRAP_UNEXPECTED_RECIPIENT: 'a wrapped key is for a key that is not entitled to this record',

  // Requests and grants.
  ACCESS_SELF: 'a user cannot request, grant or revoke access to themselves',
  REQUEST_PENDING_EXISTS: 'this doctor already has a pending request for that record',
  REQUEST_NOT_FOUND: 'no such access request',
  REQUEST_NOT_PENDING: 'the request is no longer pending',
  REQUEST_PARTIES_MISMATCH: 'the request was made by or to other users',
  REQUEST_RECORDS_MISMATCH: 'the grant names records the request did not ask for',
  GRANTEE_NOT_DOCTOR: 'access can be granted only to an active doctor',
  GRANT_EXPIRY_PASSED: 'expiresAt is not after the block time',
  ACCESS_TOO_LONG: "the access lasts longer than the chain's maxGrantMs (expiresAt beyond block time + maxGrantMs, or durationMs above it)",
  GRANT_LATEST_VERSION_MISSING: 'the grant does not wrap the latest version of every record it names',
  GRANT_NOT_FOUND: 'no grant to revoke',

  // Reads.
  READ_NOT_PERMITTED: 'the reader does not own the record, holds no read grant on it, and no contribute grant for a version they wrote',
  GRANT_EXPIRED: 'the grant has expired',
  GRANT_VOID: "the grant is void: the grantee's doctor role was revoked after it was issued",
  VERSION_NOT_WRAPPED: 'the version is not wrapped for any enc key of the reader',

  // Reserved for EmergencyAccess and EraseRecord, not emitted yet (see RESERVED_CODES).
  EMERGENCY_NOT_OPTED_IN: 'the patient did not opt this record into emergency access',
  EMERGENCY_JUSTIFICATION_REQUIRED: 'emergency access needs a justification',
  RECORD_ERASED: 'the record was erased',
} as const);

export type RejectCode = keyof typeof REJECT_CODES;

/** Codes declared for the reserved types; `apply` does not emit them yet. */
export const RESERVED_CODES: readonly RejectCode[] = Object.freeze([
  'EMERGENCY_NOT_OPTED_IN',
  'EMERGENCY_JUSTIFICATION_REQUIRED',
  'RECORD_ERASED',
]);

/** The log's outcome string for an accepted transaction. */
export const OK = 'OK';
export type OutcomeCode = typeof OK | RejectCode;

export function isRejectCode(value: unknown): value is RejectCode {
  return typeof value === 'string' && Object.hasOwn(REJECT_CODES, value);
}

export function rejectMessage(code: RejectCode): string {
  return REJECT_CODES[code];
}
