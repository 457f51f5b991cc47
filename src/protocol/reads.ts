/**
 * The read routes (issue 18, DESIGN §2 and §9): everything a client needs to
 * see, each answered through the node's read facade for the session's user.
 * Who may call which, with what answer, is the table in docs/security.md; a
 * test calls every cell of it.
 */
import type { ErrorCode } from './errors.ts';
import { route } from './route-spec.ts';
import {
  AuditPage, BlockPage, BlockView, ConsistencyProof, ConsistencyQuery, DirectoryPage, ExportLines, ExportQuery, GrantPage, GrantsQuery, HeightParams,
  InclusionProof, InclusionQuery, LedgerHead, MemberPage, Notifications, OrgParams, PageQuery, PatientParams, ProvenTx, RecordParams, RecordView,
  RefusalPage, RefusalsQuery, RequestPage, RequestsQuery, TxHashParams, UserView, UsernameParams, VersionParams, VersionView, WrappedKeyView,
} from './schemas-reads.ts';

/** Any read may find the node before its set-up, or its database failing. */
const READ: ErrorCode[] = ['NODE_AWAITING_SETUP', 'NODE_STORAGE_FAILED', 'NODE_DATABASE_CORRUPT'];
const NOT_FOUND: ErrorCode[] = [...READ, 'RESOURCE_NOT_FOUND'];
/** A list: a cursor or limit the node cannot use is QUERY_INVALID. */
const LIST: ErrorCode[] = [...READ, 'QUERY_INVALID'];

export const READ_ROUTES = Object.freeze({
  // ---- the ledger ---------------------------------------------------------------------------------------------
  ledgerHead: route({
    method: 'GET', url: '/v1/ledger/head', auth: 'open', tag: 'ledger',
    summary: "The last durable block's header with its attestations: a signed head to check every proof against and to keep (docs/formats.md §8.8).",
    response: { 200: LedgerHead }, errors: NOT_FOUND,
  }),
  ledgerBlocks: route({
    method: 'GET', url: '/v1/ledger/blocks', auth: 'session', tag: 'ledger',
    summary: 'Block headers, newest first (at most 100 a page).',
    query: PageQuery, response: { 200: BlockPage }, errors: LIST,
  }),
  ledgerBlock: route({
    method: 'GET', url: '/v1/ledger/blocks/:height', auth: 'session', tag: 'ledger',
    summary: "A block, its attestations and its entries with their outcomes; each body only for readers entitled to it (its actor, the users it names; an admin, an identity transaction's), else withheld.",
    params: HeightParams, response: { 200: BlockView }, errors: [...NOT_FOUND, 'QUERY_INVALID'],
  }),
  ledgerTx: route({
    method: 'GET', url: '/v1/ledger/tx/:txHash', auth: 'session', tag: 'ledger',
    summary: 'One transaction by hash (body as for blocks) with its inclusion proof under the signed head it carries.',
    params: TxHashParams, response: { 200: ProvenTx }, errors: NOT_FOUND,
  }),
  inclusionProof: route({
    method: 'GET', url: '/v1/ledger/proofs/inclusion', auth: 'session', tag: 'ledger',
    summary: 'The inclusion proof of entry `seq` in the tree of size `treeSize` (default: the head), RFC 9162 §2.1.3.',
    query: InclusionQuery, response: { 200: InclusionProof }, errors: LIST,
  }),
  consistencyProof: route({
    method: 'GET', url: '/v1/ledger/proofs/consistency', auth: 'session', tag: 'ledger',
    summary: 'The consistency proof from tree size `from` to `to` (default: the head), RFC 9162 §2.1.4: that a later head extends one the client kept.',
    query: ConsistencyQuery, response: { 200: ConsistencyProof }, errors: LIST,
  }),
  ledgerExport: route({
    method: 'GET', url: '/v1/ledger/export', auth: 'session', tag: 'ledger', produces: 'application/x-ndjson',
    summary: "The chain as export lines up to the head at the request (docs/formats.md §8.6): identity bodies and the reader's own, every other body withheld, no state writes; verifies offline with `dhl verify --export`.",
    query: ExportQuery, response: { 200: ExportLines }, errors: LIST,
  }),

  // ---- users ----------------------------------------------------------------------------------------------------
  user: route({
    method: 'GET', url: '/v1/users/:username', auth: 'session', tag: 'users',
    summary: "A user's public keys (every generation, with fingerprints) and roles, each with the registering, rotating or vouching transaction and its inclusion proof. By exact username only: there is no list of everyone.",
    params: UsernameParams, response: { 200: UserView }, errors: NOT_FOUND,
  }),
  orgMembers: route({
    method: 'GET', url: '/v1/orgs/:org/members', auth: 'session', tag: 'users',
    summary: "The users holding a doctor or admin role in the organisation, for that organisation's active admins only.",
    params: OrgParams, query: PageQuery, response: { 200: MemberPage }, errors: [...LIST, 'RESOURCE_NOT_FOUND', 'READ_DENIED'],
  }),

  // ---- the directory and records ----------------------------------------------------------------------------------
  directory: route({
    method: 'GET', url: '/v1/directory/:patient', auth: 'session', tag: 'records',
    summary: 'One patient\'s directory by exact username (title, type, size, date, owner): every record for the patient, the listed ones for an active doctor (at most 500 a page).',
    params: PatientParams, query: PageQuery, response: { 200: DirectoryPage }, errors: [...LIST, 'RESOURCE_NOT_FOUND', 'READ_DENIED'],
  }),
  record: route({
    method: 'GET', url: '/v1/records/:recordId', auth: 'session', tag: 'records',
    summary: "A record's metadata and its versions' signed manifests, never content: for its owner, its authors, a reader with a usable read grant, and an active doctor when the patient listed it.",
    params: RecordParams, response: { 200: RecordView }, errors: NOT_FOUND,
  }),
  recordVersion: route({
    method: 'GET', url: '/v1/records/:recordId/versions/:version', auth: 'session', tag: 'records',
    summary: "One version's signed manifest with the inclusion proof of the transaction that added it (who may: as for the record).",
    params: VersionParams, response: { 200: VersionView }, errors: [...NOT_FOUND, 'QUERY_INVALID'],
  }),
  wrappedKey: route({
    method: 'GET', url: '/v1/records/:recordId/versions/:version/key', auth: 'session', tag: 'records',
    summary: "The version's data key wrapped for the reader's own enc key (current or earlier): only ever to its recipient.",
    params: VersionParams, response: { 200: WrappedKeyView }, errors: [...NOT_FOUND, 'QUERY_INVALID'],
  }),

  // ---- requests, grants, audit, notifications -----------------------------------------------------------------------
  requests: route({
    method: 'GET', url: '/v1/requests', auth: 'session', tag: 'access',
    summary: 'Access requests the reader received (as patient) or made (as doctor), newest first, with their status and what each covers (at most 100 a page).',
    query: RequestsQuery, response: { 200: RequestPage }, errors: LIST,
  }),
  grants: route({
    method: 'GET', url: '/v1/grants', auth: 'session', tag: 'access',
    summary: 'Grants the reader issued (as patient) or holds (as doctor), newest first: active, expired, revoked, replaced or void, with what each covers (at most 100 a page).',
    query: GrantsQuery, response: { 200: GrantPage }, errors: LIST,
  }),
  recordAudit: route({
    method: 'GET', url: '/v1/audit/records/:recordId', auth: 'session', tag: 'audit',
    summary: "A record's trail for its owner, newest first: who did what, when, under which grant; refused attempts included (at most 200 a page).",
    params: RecordParams, query: PageQuery, response: { 200: AuditPage }, errors: [...LIST, 'RESOURCE_NOT_FOUND'],
  }),
  userAudit: route({
    method: 'GET', url: '/v1/audit/users/:username', auth: 'session', tag: 'audit',
    summary: "A user's trail, newest first, refused attempts included: for the user, and for an active admin of an organisation in which the user holds a role (at most 200 a page).",
    params: UsernameParams, query: PageQuery, response: { 200: AuditPage }, errors: [...LIST, 'RESOURCE_NOT_FOUND'],
  }),
  notifications: route({
    method: 'GET', url: '/v1/notifications', auth: 'session', tag: 'audit',
    summary: "The reader's notifications, newest first (the web app polls this): a request arrived, a grant was used, a read of their record was refused, and failed logins since the last one. Ids and key fingerprints, never content.",
    query: PageQuery, response: { 200: Notifications }, errors: LIST,
  }),

  // ---- the node's admins ----------------------------------------------------------------------------------------
  adminRefusals: route({
    method: 'GET', url: '/v1/admin/refusals', auth: 'session', tag: 'audit',
    summary: "Refused actions across the node, newest first, one kind a page: transactions the contract refused, rate-limit trips, failed logins per account. For the active admins of the organisation running this node; ids, usernames, fingerprints, codes and times, never content (at most 200 a page).",
    query: RefusalsQuery, response: { 200: RefusalPage }, errors: [...LIST, 'READ_DENIED'],
  }),
});
