/**
 * The handlers of the read routes (protocol/reads.ts): each turns the
 * request's path parameters and query text into the read facade's arguments,
 * asks the facade for the session's user, and shapes its answer for the
 * route's schema. Nothing here decides who may see what: the facade does
 * (docs/security.md is the policy, test/api/matrix.slow.ts checks it).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LedgerHead, VersionFixed, type ParamsOf, type QueryOf, type RouteName } from '../protocol/index.ts';
import type { READ_ROUTES } from '../protocol/reads.ts';
import { FrozenJson } from './frozen-json.ts';
import type { Accounts, Reads } from './node-port.ts';
import type { Handler } from './routes.ts';
import type { FirstRun } from './setup.ts';

export interface ReadHandlerDeps {
  setup: FirstRun;
  accounts: Accounts;
}

export type ReadRoute = keyof typeof READ_ROUTES & RouteName;

const params = <N extends RouteName>(request: FastifyRequest, _route: N) => request.params as ParamsOf<N>;
const query = <N extends RouteName>(request: FastifyRequest, _route: N) => (request.query ?? {}) as NonNullable<QueryOf<N>>;
const reader = (request: FastifyRequest) => request.session!.username;

/** An answer already JSON text in its schema's shape: sent with the content type Fastify gives JSON, not serialised again. */
const sendJsonText = (reply: FastifyReply, text: string) => reply.type('application/json; charset=utf-8').send(text);

const versionFixedJson = new FrozenJson(VersionFixed);
const ledgerHeadJson = new FrozenJson(LedgerHead);

/** Decimal text the schema admitted (at most 15 digits: a safe integer). */
const int = (text: string) => Number(text);
const optionalInt = (text: string | undefined) => (text === undefined ? undefined : Number(text));
/** A page of a list: the cursor stays opaque text; the facade checks both. */
const page = (q: { after?: string; limit?: string }) => ({ after: q.after, limit: optionalInt(q.limit) });

export function readHandlers(d: ReadHandlerDeps): Record<ReadRoute, Handler> {
  const reads = (): Reads => d.setup.ledger().reads;
  return {
    ledgerHead: async () => reads().signedHead(),

    ledgerBlocks: async (request) => reads().blocks(page(query(request, 'ledgerBlocks'))),

    ledgerBlock: async (request) => reads().block(reader(request), int(params(request, 'ledgerBlock').height)),

    ledgerTx: async (request) => {
      const r = reads();
      // Both read in one synchronous step: the proof is in the tree of this head.
      const proven = r.transaction(reader(request), params(request, 'ledgerTx').txHash);
      return { ...proven, head: r.signedHead() };
    },

    inclusionProof: async (request) => {
      const q = query(request, 'inclusionProof');
      return reads().inclusionProof(int(q.seq), optionalInt(q.treeSize));
    },

    consistencyProof: async (request) => {
      const q = query(request, 'consistencyProof');
      return reads().consistencyProof(int(q.from), optionalInt(q.to));
    },

    ledgerExport: async (request, reply) => {
      const lines = reads().export(reader(request), { fromHeight: optionalInt(query(request, 'ledgerExport').fromHeight) });
      // The first line now: a bad query is its 4xx before a 200 is sent.
      const first = lines.next();
      const stream = Readable.from((function* () {
        if (!first.done) yield first.value;
        yield* lines;
      })());
      return reply.type('application/x-ndjson; charset=utf-8').send(stream);
    },

    user: async (request) => reads().user(reader(request), params(request, 'user').username),

    orgMembers: async (request) => reads().orgMembers(reader(request), params(request, 'orgMembers').org, page(query(request, 'orgMembers'))),

    directory: async (request, reply) => {
      const q = query(request, 'directory');
      const page = reads().directoryLines(reader(request), params(request, 'directory').patient, { after: optionalInt(q.after), limit: optionalInt(q.limit) });
      // The index's lines are each entry's canonical JSON, exactly the schema's DirectoryEntry fields (a test holds them
      // equal): sent as they are, where parsing and serialising them again cost most of the answer's time.
      const next = page.next === undefined ? '' : `,"next":"${page.next}"`;
      return sendJsonText(reply, `{"items":[${page.lines.join(',')}]${next}}`);
    },

    record: async (request) => reads().record(reader(request), params(request, 'record').recordId),

    recordVersion: async (request, reply) => {
      const p = params(request, 'recordVersion');
      const r = reads();
      // Both read in one synchronous step: the proof is in the tree of this head.
      const { fixed, treeSize, proof } = r.versionProof(reader(request), p.recordId, int(p.version));
      const head = r.signedHead();
      // VersionView in its schema's order. The fixed part and the head are serialised by their schemas once per frozen
      // value (most of the answer's bytes); the proof's nodes are lowercase hex, JSON strings as they are.
      return sendJsonText(reply, `${versionFixedJson.text(reply, fixed).slice(0, -1)},"treeSize":${treeSize},"proof":${JSON.stringify(proof)},"head":${ledgerHeadJson.text(reply, head)}}`);
    },

    wrappedKey: async (request) => {
      const p = params(request, 'wrappedKey');
      return reads().wrappedKeys(reader(request), p.recordId, int(p.version))[0];
    },

    requests: async (request) => {
      const q = query(request, 'requests');
      return reads().requests(reader(request), page(q), { direction: q.direction, status: q.status });
    },

    grants: async (request) => {
      const q = query(request, 'grants');
      return reads().grants(reader(request), page(q), { direction: q.direction, status: q.status });
    },

    recordAudit: async (request) => reads().audit(reader(request), { record: params(request, 'recordAudit').recordId }, page(query(request, 'recordAudit'))),

    userAudit: async (request) => reads().audit(reader(request), { user: params(request, 'userAudit').username }, page(query(request, 'userAudit'))),

    adminRefusals: async (request) => {
      const q = query(request, 'adminRefusals');
      return reads().refusals(reader(request), q.kind, page(q));
    },

    notifications: async (request) => {
      const username = reader(request);
      return { ...reads().notifications(username, page(query(request, 'notifications'))), failedLogins: d.accounts.failedLogins(username) };
    },
  };
}
