/**
 * The HTTP API's request and response bodies as TypeBox schemas (DESIGN §9),
 * shared by the server (validation, serialisation, OpenAPI) and clients
 * (types). Every object is closed (`additionalProperties: false`): what goes
 * in and what goes out is allow-listed. Patterns restate the formats of
 * docs/formats.md; the layers below check them again, so a schema is the
 * first gate, never the only one.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';

/** The same patterns as the ledger's validators (a test holds them equal). */
export const PATTERN = Object.freeze({
  hex64: '^[0-9a-f]{64}$',
  hex32: '^[0-9a-f]{32}$',
  base64url: '^[A-Za-z0-9_-]+$',
  username: '^(?=.{3,32}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$',
  org: '^[a-z0-9._-]{2,64}$',
  origin: '^https?://(?:[a-z0-9.-]+|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?$',
  txType: '^[A-Z][A-Za-z]{1,39}$',
});

export const closed = <P extends Record<string, TSchema>>(properties: P, options: { description?: string; $id?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const Hex64 = Type.String({ pattern: PATTERN.hex64, description: 'lowercase hex, 32 bytes' });
export const Hex32 = Type.String({ pattern: PATTERN.hex32, description: 'lowercase hex, 16 bytes' });
/** Bounded: an RSA-3072 SPKI is ~560 characters; room for post-quantum keys later. */
export const B64url = (maxLength = 8192) => Type.String({ pattern: PATTERN.base64url, minLength: 1, maxLength, description: 'base64url without padding' });
export const Username = Type.String({
  pattern: PATTERN.username,
  description: 'a username: 3 to 32 of [a-z0-9._-], starting and ending with a letter or digit, never two separators in a row',
});
export const Int = (description?: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });
/** An auth key: 32 bytes, lowercase hex (crypto/vault.ts). */
export const AuthKey = Type.String({ pattern: PATTERN.hex64, description: 'auth key derived on the client from the passphrase or recovery key (hex)' });
export const SlotKind = Type.Union([Type.Literal('passphrase'), Type.Literal('recovery')]);
export const Origin = Type.String({ pattern: PATTERN.origin, maxLength: 300, description: 'scheme://host[:port] (docs/api.md: origin)' });

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** The body of an error answer, its code limited to `codes` (a route's declared codes for one status). */
export function errorBodySchema(codes: readonly ErrorCode[]) {
  return closed({
    code: Type.Union(codes.map((c) => Type.Literal(c))),
    message: Type.String({ maxLength: 1000 }),
  });
}

/** Groups codes by their status: the response schemas of one route. */
export function errorResponses(codes: readonly ErrorCode[]): Record<number, ReturnType<typeof errorBodySchema>> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, errorBodySchema(list)]));
}

// ---------------------------------------------------------------------------
// Keys, vaults, transactions, heads
// ---------------------------------------------------------------------------

export const Argon2idParams = closed({
  alg: Type.Literal('argon2id'),
  memoryKiB: Type.Integer({ minimum: 8, maximum: 4 * 1024 * 1024 }),
  iterations: Type.Integer({ minimum: 1, maximum: 64 }),
  parallelism: Type.Integer({ minimum: 1, maximum: 16 }),
  salt: B64url(64),
});
export type Argon2idParams = Static<typeof Argon2idParams>;

/** The KDF costs a node asks new vaults to use (the salt is each vault's own). */
export const KdfCosts = closed({
  alg: Type.Literal('argon2id'),
  memoryKiB: Type.Integer({ minimum: 8 }),
  iterations: Type.Integer({ minimum: 1 }),
  parallelism: Type.Integer({ minimum: 1 }),
});
export type KdfCosts = Static<typeof KdfCosts>;

export const VaultSlot = closed({
  kind: SlotKind,
  kdf: Type.Optional(Argon2idParams),
  iv: B64url(32),
  wrappedKey: B64url(128),
});

/** crypto/vault.ts SealedVault: the node stores it and hands it back; it cannot open it. */
export const SealedVault = closed({
  v: Type.Literal(1),
  alg: Type.Literal('A256GCM'),
  username: Username,
  slots: Type.Array(VaultSlot, { minItems: 1, maxItems: 4 }),
  iv: B64url(32),
  sealed: B64url(48 * 1024),
}, { description: 'the sealed vault (docs/formats.md §7)' });
export type SealedVault = Static<typeof SealedVault>;

export const TxHeader = closed({
  v: Type.Literal(1),
  chain: Hex64,
  type: Type.String({ pattern: PATTERN.txType }),
  actor: Username,
  keyId: Hex64,
  alg: Type.Literal('PS256'),
  nonce: Hex32,
  notAfter: Int(),
  time: Int(),
  bodyHash: Hex64,
});

/** A signed transaction as it travels (docs/formats.md §8.2); the body is checked by the contract. */
export const SignedTx = closed({
  header: TxHeader,
  body: Type.Unknown({ description: "the transaction body (its type's fields, src/contract/README.md)" }),
  sig: B64url(1024),
}, { description: 'a signed transaction (docs/formats.md §8.2)' });
export type SignedTx = Static<typeof SignedTx>;

export const BlockHeader = closed({
  chain: Hex64,
  height: Int(),
  prevHash: Hex64,
  time: Int(),
  firstSeq: Int(),
  entryCount: Int(),
  entriesRoot: Hex64,
  treeSize: Int(),
  treeRoot: Hex64,
  changesHash: Hex64,
  stateDigest: Hex64,
});

export const SignedAttestation = closed({
  attestation: closed({
    chain: Hex64,
    height: Int(),
    blockHash: Hex64,
    stateDigest: Hex64,
    nodeId: Type.String({ pattern: PATTERN.org }),
    keyId: Hex64,
    alg: Type.Literal('PS256'),
  }),
  sig: B64url(1024),
});

/** The node's latest block header and its own attestation of it (docs/formats.md: signed head). */
export const SignedHead = closed({ header: BlockHeader, attestation: SignedAttestation }, { description: 'a signed head: block header + node attestation' });
export type SignedHead = Static<typeof SignedHead>;

/** What a submission answers once its block is durable. */
export const TxResult = closed({
  txHash: Hex64,
  outcome: Type.String({ description: '"OK" or the contract\'s rejection code (src/contract/README.md)' }),
  height: Int('the block holding the entry'),
  seq: Int('the entry\'s index in the log'),
  blockHash: Hex64,
  treeSize: Int(),
  treeRoot: Hex64,
  proof: Type.Array(Hex64, { maxItems: 64, description: 'RFC 9162 inclusion proof of the entry in the tree of size treeSize' }),
  duplicate: Type.Boolean({ description: 'the transaction was already in the log: nothing was added' }),
  signedHead: SignedHead,
});
export type TxResult = Static<typeof TxResult>;

// ---------------------------------------------------------------------------
// Status and set-up
// ---------------------------------------------------------------------------

export const SetupPhase = Type.Union([Type.Literal('awaiting-admins'), Type.Literal('awaiting-registrations'), Type.Literal('complete')], {
  description: 'awaiting-admins: no genesis yet; awaiting-registrations: genesis written, the admins\' RegisterUser not yet in block 1; complete: open for use',
});
export type SetupPhase = Static<typeof SetupPhase>;

export const Status = closed({
  service: Type.Literal('dhl'),
  apiVersion: Type.Literal(1),
  setup: SetupPhase,
  chainId: Type.Optional(Hex64),
  head: Type.Optional(closed({ height: Int(), blockHash: Hex64, time: Int(), treeSize: Int(), treeRoot: Hex64, stateDigest: Hex64 })),
  kdf: KdfCosts,
});
export type Status = Static<typeof Status>;

const SetupToken = Type.String({ pattern: PATTERN.base64url, minLength: 43, maxLength: 43, description: 'the one-time setup token from the setup link' });

export const SetupJoinRequest = closed({
  token: SetupToken,
  username: Username,
  sigSpki: B64url(),
  encSpki: B64url(),
});
export type SetupJoinRequest = Static<typeof SetupJoinRequest>;

/** The genesis document (docs/formats.md §8.1); clients check it with the ledger's parser. */
export const Genesis = Type.Unknown({ description: 'the genesis document (docs/formats.md §8.1)' });

export const SetupState = closed({
  phase: SetupPhase,
  org: Type.String({ pattern: PATTERN.org }),
  expected: Type.Integer({ minimum: 1 }),
  joined: Type.Array(Username),
  registered: Type.Array(Username),
  genesis: Type.Optional(Genesis),
  chainId: Type.Optional(Hex64),
});
export type SetupState = Static<typeof SetupState>;

export const AuthKeys = closed({ passphrase: AuthKey, recovery: AuthKey });

export const RegisterRequest = closed({
  tx: SignedTx,
  vault: SealedVault,
  authKeys: AuthKeys,
});
export type RegisterRequest = Static<typeof RegisterRequest>;

/** A first admin's registration: the same as anyone's, with the setup token. */
export const SetupRegisterRequest = closed({ token: SetupToken, ...RegisterRequest.properties });
export type SetupRegisterRequest = Static<typeof SetupRegisterRequest>;

export const RegisterResult = closed({ account: Type.Literal('created'), result: TxResult });
export type RegisterResult = Static<typeof RegisterResult>;

// ---------------------------------------------------------------------------
// Login and sessions
// ---------------------------------------------------------------------------

export const PreloginRequest = closed({ username: Username });
export const PreloginResult = closed({ kdf: Argon2idParams });
export type PreloginResult = Static<typeof PreloginResult>;

export const LoginStartRequest = closed({
  username: Username,
  slot: SlotKind,
  authKey: AuthKey,
  origin: Origin,
});
export type LoginStartRequest = Static<typeof LoginStartRequest>;

export const LoginChallenge = closed({
  chain: Hex64,
  username: Username,
  origin: Origin,
  nonce: Hex32,
  notAfter: Int(),
}, { description: 'signed as "dhl/login/v1\\n" ‖ JCS(challenge) (docs/formats.md §11)' });
export type LoginChallenge = Static<typeof LoginChallenge>;

export const LoginStartResult = closed({ vault: SealedVault, challenge: LoginChallenge });
export type LoginStartResult = Static<typeof LoginStartResult>;

export const SessionKind = Type.Union([Type.Literal('cookie'), Type.Literal('bearer')]);

export const LoginFinishRequest = closed({
  nonce: Hex32,
  sig: B64url(1024),
  session: SessionKind,
});
export type LoginFinishRequest = Static<typeof LoginFinishRequest>;

export const FailedLogins = closed({
  count: Int('failed attempts since the last successful login'),
  lastAt: Type.Optional(Int('time of the last one')),
});

export const LoginFinishResult = closed({
  username: Username,
  kind: SessionKind,
  expiresAt: Int(),
  /** Bearer sessions only: the token for `Authorization: Bearer`. */
  token: Type.Optional(Type.String({ pattern: PATTERN.base64url })),
  /** Cookie sessions only: the value for the x-dhl-csrf header of state-changing requests. */
  csrfToken: Type.Optional(Type.String({ pattern: PATTERN.base64url })),
  failedLogins: FailedLogins,
});
export type LoginFinishResult = Static<typeof LoginFinishResult>;

export const SessionInfo = closed({
  username: Username,
  kind: SessionKind,
  createdAt: Int(),
  expiresAt: Int(),
});
export type SessionInfo = Static<typeof SessionInfo>;

export const LogoutResult = closed({ loggedOut: Type.Literal(true) });

export const PassphraseChangeRequest = closed({
  /** Proof of the current secret: a stolen session alone cannot change the passphrase. */
  current: closed({ slot: SlotKind, authKey: AuthKey }),
  vault: SealedVault,
  authKey: AuthKey,
});
export type PassphraseChangeRequest = Static<typeof PassphraseChangeRequest>;

export const PassphraseChangeResult = closed({ sessionsRevoked: Int() });
