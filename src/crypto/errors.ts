/**
 * Typed errors with stable codes (STYLE §5). Each layer declares its codes once,
 * with a message; callers narrow with `isDhlError(err, code)`. Errors carry ids,
 * sizes and indices in `details`, never plaintext, ciphertext or keys (STYLE §6).
 */

export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export class DhlError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: ErrorDetails;

  constructor(code: C, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DhlError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isDhlError<C extends string>(err: unknown, code?: C): err is DhlError<C> {
  return err instanceof DhlError && (code === undefined || err.code === code);
}

/** A registry message followed by its details: "summary (k=v, k=v)", so a printed error names its place. */
function messageOf(summary: string, details: ErrorDetails): string {
  const detailText = Object.entries(details)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return detailText ? `${summary} (${detailText})` : summary;
}

/** A frozen registry of codes and messages, plus a factory bound to it. */
export function defineErrors<const R extends Record<string, string>>(registry: R) {
  const frozen = Object.freeze({ ...registry });
  function make<C extends keyof R & string>(code: C, details: ErrorDetails = {}, cause?: unknown): DhlError<C> {
    return new DhlError(code, messageOf(String(frozen[code]), details), details, cause === undefined ? undefined : { cause });
  }
  return { registry: frozen, make };
}

/**
 * The same error with more details (a parser's error re-labelled with where
 * it happened: height, entry, line), its message rebuilt from them so the
 * place is printed too. The original is the cause.
 */
export function withDetails<C extends string>(err: DhlError<C>, extra: ErrorDetails): DhlError<C> {
  const details = { ...err.details, ...extra };
  const built = messageOf('', err.details);
  // A registry-made message is the summary plus its details: keep the summary, rebuild the rest.
  const summary = built === '' ? err.message : err.message.endsWith(built) ? err.message.slice(0, -built.length) : err.message;
  return new DhlError(err.code, messageOf(summary, details), details, { cause: err });
}

export const CRYPTO_ERRORS = defineErrors({
  ARGUMENT_INVALID: 'an argument has the wrong type or range',
  ALG_UNKNOWN: 'unknown or unsupported algorithm',
  KEY_INVALID: 'key material is malformed or of the wrong kind',
  KEY_ID_MISMATCH: 'key id does not match the key',
  ENVELOPE_HEADER_INVALID: 'envelope header is malformed',
  ENVELOPE_CONTEXT_MISMATCH: 'envelope header names another chain, record or version',
  ENVELOPE_CHUNK_AUTH_FAILED: 'an envelope chunk failed authentication (tampered, swapped, reordered or wrong key)',
  ENVELOPE_TRUNCATED: 'envelope ends before its last chunk',
  ENVELOPE_TRAILING_DATA: 'envelope has data after its last chunk',
  ENVELOPE_PAYLOAD_INVALID: 'decrypted envelope payload is malformed',
  CIPHER_ROOT_MISMATCH: 'stored chunks do not hash to the expected cipherRoot',
  CHUNK_HASH_MISMATCH: 'a stored chunk does not match its expected hash',
  RESUME_MISMATCH: 're-encrypted chunk differs from the one already stored; restart with a fresh key',
  UNWRAP_FAILED: 'wrapped key could not be unwrapped (wrong key, wrong label or tampered)',
  SIGNATURE_INVALID: 'signature does not verify',
  MANIFEST_INVALID: 'manifest is malformed',
  VAULT_INVALID: 'vault is malformed',
  VAULT_OPEN_FAILED: 'vault could not be opened: wrong passphrase or recovery key, or the vault was altered',
  CANONICAL_JSON_INVALID: 'value cannot be encoded as canonical JSON',
});

export type CryptoErrorCode = keyof typeof CRYPTO_ERRORS.registry;
export const cryptoError = CRYPTO_ERRORS.make;
