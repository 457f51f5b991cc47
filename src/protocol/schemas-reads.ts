/**
 * The schemas of the read routes (DESIGN §2, §9; issue 18): path parameters,
 * query strings and answers. Answers are closed objects, so only the declared
 * fields leave the node: what the read facade decided the reader may see,
 * never a field added by accident. Path parameters and query values are text
 * (route-spec.ts): numbers are decimal strings the node parses and bounds.
 *
 * Pure: nothing of ours but protocol's own schemas.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { B64url, BlockHeader, closed, FailedLogins, Hex32, Hex64, Int, PATTERN, SignedAttestation, TxHeader, Username } from './schemas.ts';

// ---------------------------------------------------------------------------
// Path parameters and query strings (text)
// ---------------------------------------------------------------------------

/** A decimal integer as text: no sign, no leading zeros, at most 15 digits (a safe integer). */
export const Decimal = (description: string) => Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$', description });

/** Opaque to clients: pass back the `next` of the previous page. */
export const Cursor = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'opaque: the `next` of the previous page' });
export const Limit = Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: "items per page, 1 to the route's maximum" });
export const Org = Type.String({ pattern: PATTERN.org, description: 'an organisation named in the genesis' });

export const PageQuery = closed({ after: Type.Optional(Cursor), limit: Type.Optional(Limit) });
export type PageQuery = Static<typeof PageQuery>;

export const UsernameParams = closed({ username: Username });
export const PatientParams = closed({ patient: Username });
export const OrgParams = closed({ org: Org });
export const RecordParams = closed({ recordId: Hex32 });
export const VersionParams = closed({ recordId: Hex32, version: Decimal('a version number, from 1') });
export const HeightParams = closed({ height: Decimal('a block height, from 1') });
export const TxHashParams = closed({ txHash: Hex64 });

export const InclusionQuery = closed({ seq: Decimal("the entry's position in the log"), treeSize: Type.Optional(Decimal('default: the current head')) });
export const ConsistencyQuery = closed({ from: Decimal('the earlier tree size'), to: Type.Optional(Decimal('default: the current head')) });
export const ExportQuery = closed({ fromHeight: Type.Optional(Decimal('the first block to export; default 1')) });

export const RequestDirection = Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')], {
  description: 'incoming: asked of the reader (as patient); outgoing: asked by the reader (as doctor); default both',
});
export const RequestStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('granted'), Type.Literal('denied'), Type.Literal('withdrawn'), Type.Literal('lapsed')],
  { description: "lapsed: still pending in the ledger, but the doctor's role term it was asked in has ended" },
);
export const RequestsQuery = closed({ direction: Type.Optional(RequestDirection), status: Type.Optional(RequestStatus), ...PageQuery.properties });

export const GrantDirection = Type.Union([Type.Literal('issued'), Type.Literal('received')], {
  description: 'issued: by the reader (as patient); received: held by the reader (as doctor); default both',
});
export const GrantStatus = Type.Union(
  [Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked'), Type.Literal('replaced'), Type.Literal('void')],
  { description: "replaced: a later grant took its place; void: the doctor's role term it was issued in has ended" },
);
export const GrantsQuery = closed({ direction: Type.Optional(GrantDirection), status: Type.Optional(GrantStatus), ...PageQuery.properties });

/** One page of a list: never a total (a count over rows the reader may not see would reveal them). */
const pageOf = <T extends TSchema>(item: T, description: string) =>
  closed({ items: Type.Array(item), next: Type.Optional(Cursor) }, { description: `${description}; \`next\` is absent on the last page` });

// ---------------------------------------------------------------------------
// The ledger
// ---------------------------------------------------------------------------

/** A transaction as a reader may see it: whole, or withheld (header, bodyHash in it, signature). */
export const TxView = closed({
  header: TxHeader,
  body: Type.Optional(Type.Unknown({ description: 'present only when the reader may see it (docs/security.md)' })),
  sig: B64url(1024),
  withheld: Type.Optional(Type.Literal(true, { description: 'the body is withheld from this reader; header.bodyHash still covers it' })),
}, { description: 'a signed transaction (docs/formats.md §8.2), its body withheld from readers not entitled to it' });

export const EntryView = closed({
  seq: Int("the entry's position in the log"),
  height: Int('the block holding it'),
  time: Int("the block's time: when the ledger recorded it"),
  outcome: Type.String({ description: '"OK" or the contract\'s rejection code' }),
  tx: TxView,
});
export type EntryView = Static<typeof EntryView>;

const Proof = Type.Array(Hex64, { maxItems: 64, description: 'RFC 9162 §2.1.3 inclusion proof (hex hashes)' });

export const ProvenEntry = closed({
  entry: EntryView,
  treeSize: Int('the tree the proof is in'),
  proof: Proof,
}, { description: 'an entry with its inclusion proof; the leaf is entryLeafHash({tx: hash of entry.tx, outcome})' });

export const LedgerHead = closed({
  header: BlockHeader,
  blockHash: Hex64,
  attestations: Type.Array(SignedAttestation),
}, { description: "the last durable block's header with its attestations (docs/formats.md §8.8: a signed head per attestation)" });
export type LedgerHead = Static<typeof LedgerHead>;

export const BlockSummary = closed({ header: BlockHeader, blockHash: Hex64 });
export const BlockPage = pageOf(BlockSummary, 'blocks, newest first');
export const BlockView = closed({ header: BlockHeader, blockHash: Hex64, attestations: Type.Array(SignedAttestation), entries: Type.Array(EntryView) });
export const ProvenTx = closed({ ...ProvenEntry.properties, head: LedgerHead });
export const InclusionProof = closed({ seq: Int(), treeSize: Int(), proof: Proof });
export const ConsistencyProof = closed({ size1: Int(), size2: Int(), proof: Type.Array(Hex64, { maxItems: 128, description: 'RFC 9162 §2.1.4 consistency proof' }) });
export const ExportLines = Type.String({ description: 'JSON lines (docs/formats.md §8.6): the genesis line, then one line per block; bodies as for GET /v1/ledger/blocks/{height}, plus every identity body; no state writes (§8.7)' });

// ---------------------------------------------------------------------------
// Users, keys, roles
// ---------------------------------------------------------------------------

export const KeyView = closed({
  use: Type.Union([Type.Literal('sig'), Type.Literal('enc')]),
  keyId: Hex64,
  fingerprint: Type.String({ description: 'the key id as people compare it (first 20 bytes, upper-case hex in groups of four); clients recompute it' }),
  spki: B64url(),
  current: Type.Boolean(),
  since: Int(),
  registeredBy: ProvenEntry,
});

export const RoleView = closed({
  role: Type.Union([Type.Literal('doctor'), Type.Literal('admin')]),
  org: Org,
  active: Type.Boolean(),
  sigKeyId: Hex64,
  encKeyId: Hex64,
  vouched: Type.Boolean({ description: "the role names the user's current keys: only then may they act in it" }),
  assignedBy: Type.Optional(ProvenEntry),
});

export const UserView = closed({
  username: Username,
  keys: Type.Array(KeyView),
  roles: Type.Array(RoleView),
  head: LedgerHead,
}, { description: "a user's public keys (every generation) and roles, each with the transaction that put it in the ledger and its inclusion proof under head" });
export type UserView = Static<typeof UserView>;

export const MemberView = closed({
  username: Username,
  role: Type.Union([Type.Literal('doctor'), Type.Literal('admin')]),
  active: Type.Boolean(),
  vouched: Type.Boolean(),
  since: Int(),
});
export const MemberPage = pageOf(MemberView, "the users holding a role in the organisation, by username");

// ---------------------------------------------------------------------------
// Directory and records: metadata, never content
// ---------------------------------------------------------------------------

export const DirectoryEntry = closed({
  recordId: Hex32,
  owner: Username,
  title: Type.String({ description: "the patient's title; the file name and all content stay in the envelope" }),
  mediaType: Type.String(),
  size: Int(),
  createdAt: Int(),
  version: Int(),
  listed: Type.Boolean(),
});
export const DirectoryPage = pageOf(DirectoryEntry, "a patient's records: all for the patient, the listed ones for a doctor");

export const Manifest = closed({
  chain: Hex64, recordId: Hex32, version: Int(), patient: Username, author: Username, authorKeyId: Hex64, title: Type.String(), mediaType: Type.String(),
  size: Int(), chunkSize: Int(), cipherRoot: Hex64, createdAt: Int(),
}, { description: 'docs/formats.md §6' });
export const ManifestSig = closed({ alg: Type.Literal('PS256'), keyId: Hex64, sig: B64url(1024) });

export const VersionSummary = closed({ version: Int(), manifest: Manifest, manifestSig: ManifestSig, txHash: Hex64, addedAt: Int() });

export const RecordView = closed({
  recordId: Hex32,
  patient: Username,
  authors: Type.Array(Username),
  latestVersion: Int(),
  listed: Type.Boolean(),
  createdAt: Int(),
  access: Type.Union([Type.Literal('owner'), Type.Literal('grant'), Type.Literal('author'), Type.Literal('listed')], { description: 'why this reader may see it' }),
  versions: Type.Array(VersionSummary),
});

/** What of a version answer never changes once its block is durable (the answer's leading fields; the node serialises it once). */
export const VersionFixed = closed({
  recordId: Hex32,
  ...VersionSummary.properties,
  entry: closed({ seq: Int(), height: Int(), outcome: Type.String() }, { description: 'the log entry of the transaction that added the version' }),
});

export const VersionView = closed({
  ...VersionFixed.properties,
  treeSize: Int(),
  proof: Proof,
  head: LedgerHead,
}, { description: "a version's signed manifest with the inclusion proof of the transaction that added it" });

export const WrappedKeyView = closed({
  recordId: Hex32,
  version: Int(),
  keyId: Hex64,
  alg: Type.String(),
  wrappedDek: B64url(1024),
  txHash: Hex64,
}, { description: "the version's data key wrapped for one of the reader's enc keys (docs/formats.md §5): only ever the reader's own" });

// ---------------------------------------------------------------------------
// Requests, grants, audit, notifications
// ---------------------------------------------------------------------------

export const RequestView = closed({
  requestId: Hex64,
  doctor: Username,
  patient: Username,
  records: Type.Union([Type.Array(Hex32), Type.Literal('all')]),
  purpose: Type.String(),
  durationMs: Int(),
  createdAt: Int(),
  status: RequestStatus,
  closedBy: Type.String({ description: 'the transaction that closed it, or "" while pending' }),
});
export const RequestPage = pageOf(RequestView, 'access requests the reader made or received, newest first');

export const GrantView = closed({
  grantId: Hex64,
  grantor: Username,
  grantee: Username,
  requestId: Type.Optional(Hex64),
  scopes: Type.Array(Type.Union([Type.Literal('read'), Type.Literal('contribute')])),
  records: Type.Array(Hex32),
  expiresAt: Int(),
  issuedAt: Int(),
  status: GrantStatus,
});
export const GrantPage = pageOf(GrantView, 'grants the reader issued or holds, newest first');

export const AuditItem = closed({
  ...EntryView.properties,
  grantId: Type.Optional(Hex64),
}, { description: 'an entry of the trail; an accepted RecordRead by someone other than the owner names the grant it was read under' });
export const AuditPage = pageOf(AuditItem, 'the trail, newest first, refused attempts included');

export const NotificationKind = Type.Union([Type.Literal('request-received'), Type.Literal('grant-used'), Type.Literal('read-refused')]);
export const Notification = closed({
  kind: NotificationKind,
  seq: Int(),
  time: Int(),
  txHash: Hex64,
  actor: Username,
  actorKeyId: Hex64,
  actorFingerprint: Type.String(),
  outcome: Type.String(),
  recordId: Type.Optional(Hex32),
  version: Type.Optional(Int()),
  requestId: Type.Optional(Hex64),
  grantId: Type.Optional(Hex64),
}, { description: 'ids and key fingerprints only, never content (no title, purpose or key material)' });
export const Notifications = closed({
  items: Type.Array(Notification),
  next: Type.Optional(Cursor),
  failedLogins: FailedLogins,
}, { description: 'newest first; failedLogins counts failed logins to the account since its last successful one' });

// ---------------------------------------------------------------------------
// The admin's view of refused actions across the node (issue 22)
// ---------------------------------------------------------------------------

export const RefusalKind = Type.Union([Type.Literal('refused-tx'), Type.Literal('rate-limit'), Type.Literal('failed-login')], {
  description: "refused-tx: transactions the contract refused (in the ledger); rate-limit: requests the node's rate limit refused; failed-login: wrong passphrases or recovery keys, per account (both node-local)",
});
/** The kinds of refused action, one page each, read from the schema (the node spells its own two again: node/ imports no protocol). */
export type RefusalKindName = Static<typeof RefusalKind>;
export const REFUSAL_KINDS: readonly RefusalKindName[] = Object.freeze(RefusalKind.anyOf.map((literal) => literal.const));
export const RefusalsQuery = closed({ kind: RefusalKind, ...PageQuery.properties });

export const RefusedTx = closed({
  kind: Type.Literal('refused-tx'),
  seq: Int("the entry's position in the log"),
  height: Int(),
  time: Int("the block's time"),
  txHash: Hex64,
  type: Type.String({ description: 'the transaction type' }),
  actor: Username,
  actorKeyId: Hex64,
  actorFingerprint: Type.String(),
  outcome: Type.String({ description: "the contract's rejection code" }),
  recordId: Type.Optional(Hex32),
  version: Type.Optional(Int()),
}, { description: 'a refused transaction: ids, the actor and the code; never its body' });
export const RateLimitTrip = closed({
  kind: Type.Literal('rate-limit'),
  id: Int(),
  time: Int(),
  client: Type.String({ description: 'the client address the limit counts by' }),
  route: Type.String({ description: "the route's method and pattern (never the URL)" }),
  username: Type.Optional(Username),
}, { description: "a request the node's rate limit refused (429); the user when it carried a session" });
export const FailedLogin = closed({
  kind: Type.Literal('failed-login'),
  id: Int(),
  time: Int(),
  username: Username,
  slot: Type.Union([Type.Literal('passphrase'), Type.Literal('recovery')], { description: 'which secret was wrong' }),
}, { description: "a wrong passphrase or recovery key for an account (logged one by one, not reset by a later success)" });
export const RefusalPage = pageOf(Type.Union([RefusedTx, RateLimitTrip, FailedLogin]), 'refused actions of one kind, newest first');
export type RefusalPage = Static<typeof RefusalPage>;
