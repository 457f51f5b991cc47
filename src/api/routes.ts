/**
 * The handlers of protocol's service, set-up, account and submission routes:
 * each adapts one request to the set-up, login, session or ledger module and
 * returns its answer (the read routes' handlers are in routes-reads.ts).
 * Nothing here decides; schemas have checked the input's shape before a
 * handler runs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BodyOf, RouteName, Status } from '../protocol/index.ts';
import { apiError } from './errors.ts';
import type { Login } from './login.ts';
import type { Accounts, KdfCosts } from './node-port.ts';
import { checkVault, register } from './registration.ts';
import type { Clock, Sessions } from './sessions.ts';
import type { FirstRun } from './setup.ts';
import type { ReadRoute } from './routes-reads.ts';

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface HandlerDeps {
  setup: FirstRun;
  login: Login;
  sessions: Sessions;
  accounts: Accounts;
  clock: Clock;
  kdf: KdfCosts;
  status: () => Status;
}

const body = <N extends RouteName>(request: FastifyRequest, _route: N) => request.body as BodyOf<N>;

export function routeHandlers(d: HandlerDeps): Record<Exclude<RouteName, ReadRoute>, Handler> {
  return {
    status: async () => d.status(),

    setupJoin: async (request) => d.setup.join(body(request, 'setupJoin')),

    setupRegister: async (request, reply) => {
      const answer = await d.setup.register(body(request, 'setupRegister'));
      return reply.code(answer.status).send(answer.body);
    },

    register: async (request) =>
      register({ accounts: d.accounts, ledger: d.setup.ledger(), kdf: d.kdf, clock: d.clock }, body(request, 'register')),

    prelogin: async (request) => d.login.prelogin(body(request, 'prelogin').username),

    loginStart: async (request) => d.login.start(body(request, 'loginStart'), request.headers.origin),

    loginFinish: async (request, reply) => {
      const req = body(request, 'loginFinish');
      const done = await d.login.finish(req);
      return { ...done, kind: req.session, ...d.sessions.open(reply, done.username, req.session) };
    },

    session: async (request) => {
      const s = request.session!;
      return { username: s.username, kind: s.kind, createdAt: s.createdAt, expiresAt: s.expiresAt };
    },

    logout: async (request, reply) => {
      d.sessions.close(reply, request.session!);
      return { loggedOut: true };
    },

    changePassphrase: async (request) => {
      const req = body(request, 'changePassphrase');
      const username = request.session!.username;
      if (d.accounts.checkAuthKey(username, req.current.slot, req.current.authKey, d.clock.now()) !== 'ok') throw apiError('AUTH_KEY_INVALID');
      return d.accounts.changePassphrase(username, req.vault, checkVault(req.vault, username, d.kdf), req.authKey);
    },

    submitTx: async (request) => {
      const tx = body(request, 'submitTx');
      if (tx.header.actor !== request.session!.username) throw apiError('TX_ACTOR_NOT_SESSION_USER');
      return d.setup.ledger().submit(tx);
    },
  };
}
