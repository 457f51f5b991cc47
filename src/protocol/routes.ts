/**
 * The route table (DESIGN §9): every route of the HTTP API with its method,
 * URL, whether it needs a session, its params, query and body schemas, its
 * success answers and every error code it may answer with (route-spec.ts says
 * what a route is). This file holds the service, set-up, account and
 * submission routes and composes the groups of other files (reads.ts: every
 * read). The server registers each route from
 * this table (so a route cannot exist without its schemas), the OpenAPI
 * document is generated from it, clients take URLs and types from it, and the
 * tests walk it (every non-open route without a session, every error answer
 * against its schema, bad input per route).
 */
import type { Static, TSchema } from 'typebox';
import type { ErrorCode } from './errors.ts';
import { READ_ROUTES } from './reads.ts';
import { route, type RequestParts } from './route-spec.ts';
import {
  LoginFinishRequest, LoginFinishResult, LoginStartRequest, LoginStartResult, LogoutResult, PassphraseChangeRequest, PassphraseChangeResult,
  PreloginRequest, PreloginResult, RegisterRequest, RegisterResult, SessionInfo, SetupJoinRequest, SetupRegisterRequest, SetupState, SignedTx,
  Status, TxResult,
} from './schemas.ts';

export type { Auth, RouteSpec, Tag } from './route-spec.ts';
export { openApiPath, pathParams, urlOf } from './route-spec.ts';

/** Refusals at the door of the node's admission (DESIGN §5). */
const ADMISSION: ErrorCode[] = [
  'TX_MALFORMED', 'TX_CHAIN_MISMATCH', 'TX_BODY_HASH_MISMATCH', 'TX_SIGNATURE_INVALID', 'TX_TOO_LARGE', 'TX_NOT_JSON',
  'ADMISSION_KEY_UNKNOWN', 'ADMISSION_KEY_INVALID', 'ADMISSION_MANIFEST_SIGNATURE_INVALID', 'ADMISSION_BLOB_MISSING', 'ADMISSION_BLOB_MISMATCH',
  'NODE_OVERLOADED', 'ACTOR_RATE_LIMITED', 'NODE_STOPPED', 'NODE_STORAGE_FAILED', 'NODE_DATABASE_CORRUPT',
];

const KiB = 1024;
/** A vault holds a few generations of RSA private keys; a RegisterUser two SPKIs. */
const WITH_VAULT = 96 * KiB;
/** The genesis default maxTxBytes (256 KiB) plus room for the JSON framing. */
const TX = 272 * KiB;

export const ROUTES = Object.freeze({
  status: route({
    method: 'GET', url: '/v1/status', auth: 'open', tag: 'service',
    summary: 'The node: whether it awaits set-up, its chain id and head, the KDF costs new vaults use. Answers at once, also before set-up.',
    response: { 200: Status }, errors: [],
  }),
  setupJoin: route({
    method: 'POST', url: '/v1/setup/join', auth: 'open', tag: 'setup', rateLimited: true,
    summary: "First run: an admin joins with the setup token and public keys its client generated. Re-posting returns the set-up's state, with the genesis once every admin has joined.",
    body: SetupJoinRequest, response: { 200: SetupState },
    errors: ['SETUP_TOKEN_INVALID', 'SETUP_COMPLETE', 'SETUP_ADMINS_COMPLETE', 'SETUP_ADMIN_KEYS_DIFFER', 'KEY_INVALID', 'NODE_ALREADY_INITIALISED'],
  }),
  setupRegister: route({
    method: 'POST', url: '/v1/setup/register', auth: 'open', tag: 'setup', rateLimited: true, bodyLimit: WITH_VAULT,
    summary: "First run: an admin's signed RegisterUser, sealed vault and auth keys. Held (202) until every admin's is in; then all go in block 1 together (200).",
    body: SetupRegisterRequest, response: { 200: RegisterResult, 202: SetupState },
    errors: ['SETUP_TOKEN_INVALID', 'SETUP_NOT_READY', 'SETUP_COMPLETE', 'SETUP_ADMIN_UNKNOWN', 'ACCOUNT_VAULT_INVALID', 'REGISTRATION_NOT_ACCEPTED', ...ADMISSION],
  }),
  register: route({
    method: 'POST', url: '/v1/register', auth: 'open', tag: 'account', rateLimited: true, bodyLimit: WITH_VAULT,
    summary: 'A new user: signed RegisterUser, sealed vault, auth keys. The account exists only once the RegisterUser is accepted in a durable block.',
    body: RegisterRequest, response: { 200: RegisterResult },
    errors: ['NODE_AWAITING_SETUP', 'REGISTRATION_TX_INVALID', 'ACCOUNT_VAULT_INVALID', 'USERNAME_TAKEN', 'REGISTRATION_NOT_ACCEPTED', ...ADMISSION],
  }),
  prelogin: route({
    method: 'POST', url: '/v1/login/prelogin', auth: 'open', tag: 'account', rateLimited: true,
    summary: "Login step 1: the user's KDF parameters (for an unknown user, decoy parameters of the same shape).",
    body: PreloginRequest, response: { 200: PreloginResult }, errors: ['NODE_AWAITING_SETUP'],
  }),
  loginStart: route({
    method: 'POST', url: '/v1/login/start', auth: 'open', tag: 'account', rateLimited: true,
    summary: 'Login step 2: prove the auth key; get the sealed vault and a login challenge to sign.',
    body: LoginStartRequest, response: { 200: LoginStartResult }, errors: ['NODE_AWAITING_SETUP', 'LOGIN_FAILED', 'ORIGIN_NOT_ACCEPTED'],
  }),
  loginFinish: route({
    method: 'POST', url: '/v1/login/finish', auth: 'open', tag: 'account', rateLimited: true,
    summary: "Login step 3: the challenge signed with the user's registered sig key; opens a session (cookie or bearer).",
    body: LoginFinishRequest, response: { 200: LoginFinishResult }, errors: ['NODE_AWAITING_SETUP', 'LOGIN_CHALLENGE_FAILED'],
  }),
  session: route({
    method: 'GET', url: '/v1/session', auth: 'session', tag: 'account',
    summary: 'The current session.', response: { 200: SessionInfo }, errors: [],
  }),
  logout: route({
    method: 'POST', url: '/v1/logout', auth: 'session', tag: 'account',
    summary: 'Ends the current session.', response: { 200: LogoutResult }, errors: [],
  }),
  changePassphrase: route({
    method: 'POST', url: '/v1/account/passphrase', auth: 'session', tag: 'account', rateLimited: true, bodyLimit: WITH_VAULT,
    summary: "Stores the re-sealed vault and the new passphrase's verifier in one transaction and revokes every session of the user.",
    body: PassphraseChangeRequest, response: { 200: PassphraseChangeResult }, errors: ['AUTH_KEY_INVALID', 'ACCOUNT_VAULT_INVALID'],
  }),
  submitTx: route({
    method: 'POST', url: '/v1/tx', auth: 'session', tag: 'ledger', rateLimited: true, bodyLimit: TX,
    summary: 'Submits a signed transaction; answers when its block is durable, with the outcome (a ledgered rejection is a 200), inclusion proof and signed head.',
    body: SignedTx, response: { 200: TxResult }, errors: ['TX_ACTOR_NOT_SESSION_USER', ...ADMISSION],
  }),
  ...READ_ROUTES,
});

export type RouteName = keyof typeof ROUTES;

/** What a caller sends to a route: its params, query and body, each where the route declares one. */
export type RequestOf<N extends RouteName> = RequestParts<(typeof ROUTES)[N]>;
type PartOf<N extends RouteName, K extends 'params' | 'query'> = (typeof ROUTES)[N] extends { [P in K]: infer S extends TSchema } ? Static<S> : undefined;
/** A route's path parameters (undefined for routes without any). */
export type ParamsOf<N extends RouteName> = PartOf<N, 'params'>;
/** A route's query string (undefined for routes without one). */
export type QueryOf<N extends RouteName> = PartOf<N, 'query'>;
/** A route's request body type (undefined for routes without one). */
export type BodyOf<N extends RouteName> = (typeof ROUTES)[N] extends { body: infer B extends TSchema } ? Static<B> : undefined;
/** A route's answer for one success status. */
export type AnswerOf<N extends RouteName, S extends keyof (typeof ROUTES)[N]['response'] = 200> =
  (typeof ROUTES)[N]['response'][S] extends infer R extends TSchema ? Static<R> : never;
