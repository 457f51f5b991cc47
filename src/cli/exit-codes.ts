/**
 * Error code → exit status, in one place (STYLE §4: one function maps codes
 * to HTTP statuses, one to CLI exit codes). A script tells the classes apart
 * by the exit status; `dhl --help` lists them. A code takes its class from an
 * explicit entry below, else from its HTTP status in the protocol's error
 * table (every code of every layer has one), else it is a plain failure.
 */
import { isDhlError, statusOf } from '../client/index.ts';
import { CLI_ERRORS, type CliErrorCode } from './errors.ts';

export const EXIT = Object.freeze({
  ok: { status: 0, meaning: 'done' },
  failure: { status: 1, meaning: 'an unexpected failure (a bug, or the node failed internally)' },
  usage: { status: 2, meaning: 'usage: a wrong command line, option or argument' },
  auth: { status: 3, meaning: 'auth: not logged in, session expired, wrong passphrase or recovery key' },
  denied: { status: 4, meaning: "denied: the node or the ledger's contract refused the action" },
  notFound: { status: 5, meaning: 'not found: no such user, record, request, block or data directory' },
  network: { status: 6, meaning: 'network: the node cannot be reached or is unavailable now; retry later' },
  verification: { status: 7, meaning: 'verification failed: a signature, proof, hash or chain check failed; do not trust what was received' },
  cancelled: { status: 130, meaning: 'cancelled at a prompt (Ctrl-C) or a confirmation declined' },
} as const);

export type ExitClass = keyof typeof EXIT;

/** The CLI's own codes, each with its class. */
const CLI_CLASS: Readonly<Record<CliErrorCode, ExitClass>> = Object.freeze({
  USAGE: 'usage',
  CANCELLED: 'cancelled',
  NO_TERMINAL: 'usage',
  SECRET_FILE_INVALID: 'usage',
  PASSPHRASE_WRONG: 'auth',
  PASSPHRASE_MISMATCH: 'usage',
  PASSPHRASE_TOO_SHORT: 'usage',
  KEYSTORE_INVALID: 'failure',
  KEYSTORE_EMPTY: 'auth',
  KEYSTORE_OCCUPIED: 'usage',
  KEYSTORE_PENDING: 'auth',
  NOT_LOGGED_IN: 'auth',
  SESSION_ENDED: 'auth',
  NODE_UNREACHABLE: 'network',
  NODE_NOT_DHL: 'network',
  NODE_URL_INVALID: 'usage',
  CHAIN_CHANGED: 'verification',
  SETUP_LINK_INVALID: 'usage',
  SETUP_UNFINISHED: 'network',
  WRONG_USER: 'usage',
  NODE_MISMATCH: 'usage',
  FINGERPRINT_MISMATCH: 'verification',
  ROTATION_UNFINISHED: 'auth',
  ROTATION_REJECTED: 'denied',
});

/** Codes of the other layers whose HTTP status does not say what they mean to someone at a terminal. */
const OVERRIDES: Readonly<Record<string, ExitClass>> = Object.freeze({
  // A local check found tampering or damage: a verification failure, not the node's fault.
  DATA_DIR_TAMPERED: 'verification',
  NODE_DATABASE_CORRUPT: 'verification',
  MERKLE_NODE_MISSING: 'verification',
  EXPORT_INVALID: 'verification',
  GENESIS_INVALID: 'verification',
  BLOCK_MALFORMED: 'verification',
  ATTESTATION_MALFORMED: 'verification',
  LOGIN_CHALLENGE_MALFORMED: 'verification',
  HEAD_BEHIND: 'verification',
  HEAD_MISMATCH: 'verification',
  // The client refused to sign what the node sent (src/client/account.ts).
  LOGIN_CHALLENGE_REFUSED: 'verification',
  SETUP_GENESIS_REFUSED: 'verification',
  SETUP_GENESIS_MISSING: 'network',
  // A data directory that is not there (over HTTP this is a 503 of a node still starting).
  NODE_NOT_INITIALISED: 'notFound',
  // The keystore's vault did not open with the secret given.
  VAULT_OPEN_FAILED: 'auth',
  // The node answered without an error body: something in between, or not a DHL node.
  HTTP_ERROR: 'network',
  // The client's own refusals (src/client/errors.ts, reads.ts); a ledgered rejection without its outcome is a denial.
  TX_REJECTED: 'denied',
  ANSWER_INVALID: 'verification',
  HEAD_INCONSISTENT: 'verification',
  KEY_NOT_PROVEN: 'verification',
  MANIFEST_NOT_PROVEN: 'verification',
  USER_VIEW_INVALID: 'verification',
  TRANSFER_INTERRUPTED: 'network',
  READ_REFUSED: 'denied',
  RECORD_NOT_READABLE: 'denied',
  REQUEST_NOT_PENDING: 'denied',
  // The role no longer names the key the admin confirmed: nothing was signed.
  ROLE_CHANGED: 'denied',
  PASSPHRASE_REQUIRED: 'auth',
  ROTATION_PENDING: 'auth',
});

/** HTTP status (src/protocol/errors.ts: what each means) → exit class. */
function classOfStatus(status: number): ExitClass {
  if (status === 401) return 'auth';
  if (status === 403 || status === 409) return 'denied';
  if (status === 404 || status === 410) return 'notFound';
  if (status === 422) return 'verification';
  if (status === 429 || status === 503) return 'network';
  if (status >= 400 && status < 500) return 'usage';
  return 'failure';
}

export function exitClassOfCode(code: string): ExitClass {
  if (Object.hasOwn(CLI_ERRORS.registry, code)) return CLI_CLASS[code as CliErrorCode];
  if (Object.hasOwn(OVERRIDES, code)) return OVERRIDES[code]!;
  return classOfStatus(statusOf(code));
}

/**
 * An error whose class is known from where it happened rather than from its
 * code: anything wrong found while verifying a chain (a malformed transaction
 * in an export is a verification failure, not a usage error).
 */
export class ClassifiedError extends Error {
  constructor(readonly exitClass: ExitClass, readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = 'ClassifiedError';
  }
}

export function exitClassOf(err: unknown): ExitClass {
  if (err instanceof ClassifiedError) return err.exitClass;
  if (!isDhlError(err)) return 'failure';
  // A ledgered rejection is classed by the contract's code it was ledgered with.
  if (err.code === 'TX_REJECTED' && typeof err.details.outcome === 'string') return exitClassOfCode(err.details.outcome);
  return exitClassOfCode(err.code);
}

/** The table `dhl --help` ends with. */
export function exitCodesHelp(): string {
  const rows = Object.values(EXIT).map((e) => `  ${String(e.status).padStart(3)}  ${e.meaning}`);
  return ['Exit status:', ...rows].join('\n');
}
