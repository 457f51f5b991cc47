/**
 * Transactions (DESIGN §5, §13): `{header, body, sig}`. Signed bytes =
 * "dhl/tx/v1\n" ‖ JCS(header); `bodyHash` = hex SHA-256(JCS(body)), so a body
 * can be withheld or erased without breaking the signature; txHash =
 * SHA-256(signed bytes ‖ raw signature).
 */
import { ALG } from '../crypto/algorithms.ts';
import { concatBytes, fromBase64url, randomBytes, toBase64url, toHex, utf8 } from '../crypto/bytes.ts';
import { canonicalBytes, canonicalJson, taggedBytes, DOMAIN_TAGS, type JsonValue } from '../crypto/canonical.ts';
import { isDhlError } from '../crypto/errors.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { signBytes, verifyBytes } from '../crypto/signature.ts';
import { ledgerError } from './errors.ts';
import { B64URL, exactKeys, HEX32, HEX64, int, isObject, str, USERNAME, type Fail } from './validate.ts';

export const TX_VERSION = 1;
/** RSA-3072 signatures are 384 bytes. */
export const TX_SIGNATURE_BYTES = 384;
/** Their base64url form: 384 bytes are 512 characters exactly (no padding, no spare bits). */
export const TX_SIGNATURE_CHARS = 512;
const TYPE_NAME = /^[A-Z][A-Za-z]{1,39}$/;

export interface TxHeader {
  v: typeof TX_VERSION;
  chain: string;
  type: string;
  actor: string;
  keyId: string;
  alg: typeof ALG.sign;
  nonce: string;
  notAfter: number;
  time: number;
  bodyHash: string;
}

/** A transaction as it travels: header, body, base64url signature. */
export interface SignedTx {
  header: TxHeader;
  body: JsonValue;
  sig: string;
}

/** A transaction whose body is held back from this reader (DESIGN §5): header and signature only. */
export interface WithheldTx {
  header: TxHeader;
  sig: string;
  withheld: true;
}

/** A checked transaction with its hash. Only `parseTx`/`createTx` make these. */
export interface ParsedTx {
  readonly hash: string;
  readonly header: TxHeader;
  /** Absent when withheld. */
  readonly body?: JsonValue;
  readonly sig: string;
  readonly withheld: boolean;
  /** JCS of the header and of the body, kept so storage and re-encoding never canonicalise twice. */
  readonly headerJson: string;
  readonly bodyJson?: string;
}

const HEADER_FIELDS = ['v', 'chain', 'type', 'actor', 'keyId', 'alg', 'nonce', 'notAfter', 'time', 'bodyHash'] as const;

function parseHeader(value: unknown, fail: Fail): TxHeader {
  if (!isObject(value)) throw fail('header');
  exactKeys(value, HEADER_FIELDS, fail, 'header.');
  if (value.v !== TX_VERSION) throw fail('header.v');
  str(value.chain, HEX64, 'header.chain', fail);
  str(value.type, TYPE_NAME, 'header.type', fail);
  str(value.actor, USERNAME, 'header.actor', fail);
  str(value.keyId, HEX64, 'header.keyId', fail);
  if (value.alg !== ALG.sign) throw fail('header.alg');
  str(value.nonce, HEX32, 'header.nonce', fail);
  int(value.notAfter, 'header.notAfter', fail);
  int(value.time, 'header.time', fail);
  str(value.bodyHash, HEX64, 'header.bodyHash', fail);
  return { ...(value as unknown as TxHeader) };
}

/**
 * JCS of a checked header without the general canonicaliser (it is on every
 * transaction's path): every field is a pattern-checked ASCII string that JSON
 * never escapes, or a non-negative safe integer, so JSON.stringify of the
 * fields in sorted order is exactly the RFC 8785 text. A test holds it equal to
 * `canonicalJson` over generated headers.
 */
export function headerJsonOf(h: TxHeader): string {
  return JSON.stringify({
    actor: h.actor, alg: h.alg, bodyHash: h.bodyHash, chain: h.chain, keyId: h.keyId, nonce: h.nonce, notAfter: h.notAfter, time: h.time, type: h.type, v: h.v,
  });
}

export function txSigningBytes(header: TxHeader): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.tx, header);
}

export function bodyHashOf(hash: SyncHash, body: JsonValue): string {
  return toHex(hash(canonicalBytes(body)));
}

export function txHashOf(hash: SyncHash, header: TxHeader, sig: string): string {
  return toHex(hash(concatBytes(txSigningBytes(header), fromBase64url(sig, 'sig'))));
}

const TX_TAG = utf8.encode(`${DOMAIN_TAGS.tx}\n`);

export interface ParseTxOptions {
  /** The chain the reader trusts: a transaction naming another is refused. */
  chain?: string;
}

/**
 * Checks an untrusted transaction's shape, its body against `bodyHash`, and
 * computes its hash. The signature is checked separately (`verifyTxSignature`):
 * it needs the signer's key, which only the chain's state knows.
 */
export function parseTx(hash: SyncHash, value: unknown, options: ParseTxOptions = {}): ParsedTx {
  const fail: Fail = (field) => ledgerError('TX_MALFORMED', { field });
  if (!isObject(value)) throw fail('$');
  const withheld = value.withheld === true;
  exactKeys(value, withheld ? ['header', 'sig', 'withheld'] : ['header', 'body', 'sig'], fail);
  const header = parseHeader(value.header, fail);
  if (options.chain !== undefined && header.chain !== options.chain) throw ledgerError('TX_CHAIN_MISMATCH', { chain: header.chain });
  const sig = str(value.sig, B64URL, 'sig', fail);
  // The length decides before decoding: a length no byte string has (4n + 1) must be TX_MALFORMED too (formats §8.2).
  if (sig.length !== TX_SIGNATURE_CHARS) throw fail('sig');
  const sigBytes = fromBase64url(sig);
  const headerJson = headerJsonOf(header);
  const hashed = concatBytes(TX_TAG, utf8.encode(headerJson), sigBytes);
  const txHash = toHex(hash(hashed));
  if (withheld) return remember(Object.freeze({ hash: txHash, header, sig, withheld: true, headerJson }), hashed);
  let bodyJson: string;
  try {
    bodyJson = canonicalJson(value.body);
  } catch (err) {
    if (isDhlError(err, 'CANONICAL_JSON_INVALID')) throw fail(`body${String(err.details.path ?? '').slice(1)}`);
    throw err;
  }
  if (toHex(hash(utf8.encode(bodyJson))) !== header.bodyHash) throw ledgerError('TX_BODY_HASH_MISMATCH', { bodyHash: header.bodyHash });
  // The body is rebuilt from its canonical text: a private copy, with nothing the text does not say.
  const body = JSON.parse(bodyJson) as JsonValue;
  return remember(Object.freeze({ hash: txHash, header, body, sig, withheld: false, headerJson, bodyJson }), hashed);
}

/**
 * The bytes parseTx already built, kept for the signature check that follows
 * it on every admitted transaction: signed bytes ‖ raw signature.
 */
const parsedBytes = new WeakMap<ParsedTx, Uint8Array>();
function remember(tx: ParsedTx, hashed: Uint8Array): ParsedTx {
  parsedBytes.set(tx, hashed);
  return tx;
}

/** The transaction's travelling form (body withheld when the parsed tx has none). */
export function txToJson(tx: ParsedTx): SignedTx | WithheldTx {
  return tx.withheld || tx.body === undefined
    ? { header: tx.header, sig: tx.sig, withheld: true }
    : { header: tx.header, body: tx.body, sig: tx.sig };
}

export function withhold(tx: ParsedTx): ParsedTx {
  return Object.freeze({ hash: tx.hash, header: tx.header, sig: tx.sig, withheld: true, headerJson: tx.headerJson });
}

export interface NewTx {
  chain: string;
  type: string;
  actor: string;
  keyId: string;
  body: JsonValue;
  notAfter: number;
  /** The client's clock, informational. */
  time: number;
  /** 32 hex digits; random when absent (vectors inject one). */
  nonce?: string;
}

/** Builds and signs a transaction with the actor's `sig` private key. */
export async function createTx(hash: SyncHash, input: NewTx, signer: CryptoKey): Promise<ParsedTx> {
  const header: TxHeader = {
    v: TX_VERSION,
    chain: input.chain,
    type: input.type,
    actor: input.actor,
    keyId: input.keyId,
    alg: ALG.sign,
    nonce: input.nonce ?? toHex(randomBytes(16)),
    notAfter: input.notAfter,
    time: input.time,
    bodyHash: bodyHashOf(hash, input.body),
  };
  parseHeader(header, (field) => ledgerError('TX_MALFORMED', { field }));
  const sig = toBase64url(await signBytes(signer, txSigningBytes(header)));
  return parseTx(hash, { header, body: input.body, sig });
}

/** Throws TX_SIGNATURE_INVALID unless `publicKey` signed the header. */
export async function verifyTxSignature(tx: ParsedTx, publicKey: CryptoKey): Promise<void> {
  // The canonical header text from parsing: signed bytes without a second canonicalisation.
  const hashed = parsedBytes.get(tx) ?? concatBytes(TX_TAG, utf8.encode(tx.headerJson), fromBase64url(tx.sig));
  const split = hashed.length - TX_SIGNATURE_BYTES;
  if (!(await verifyBytes(publicKey, hashed.subarray(split), hashed.subarray(0, split)))) {
    throw ledgerError('TX_SIGNATURE_INVALID', { tx: tx.hash });
  }
}
