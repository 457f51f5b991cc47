/**
 * The world the read tests and the authorization matrix look at, built once
 * per file through the real HTTP API on loopback: a genesis naming two
 * organisations (city-hospital: admin, node1; river-clinic: admin2, node2),
 * the first-run set-up of both admins, registration and login of everyone,
 * and the DESIGN §1 scenario around raj's two records:
 *
 * - raj (owner patient) has a listed record and an unlisted one; sara is
 *   another patient;
 * - omar (doctor without grant) asked for the unlisted one and waits;
 *   meera (doctor with grant) asked, was granted, and read it;
 * - lena was granted, then revoked; kofi was granted for a minute, and the
 *   clock moved on two; ivan was granted, then lost his doctor role;
 *   lena, kofi, ivan, omar and sara each tried to read it and were refused.
 *
 * Blobs: the two envelopes are stored through the node's own `putBlob`
 * (verified chunk by chunk, recorded in the ledger store) before the HTTP
 * node starts — the upload routes are tested on their own (test/api/files.test.ts)
 * and have their rows in the matrix; every transaction after that goes
 * through `POST /v1/tx`.
 *
 * Markers: strings that must reach only some users (titles, purposes,
 * wrapped keys, vaults) or nobody (ciphertext, the file name, the plaintext),
 * each with the users it may reach; the matrix checks every answer's bytes.
 */
import { after } from 'node:test';
import type { TestContext } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { sealRecord } from '../../src/client/record-crypto.ts';
import { login, newAccount, publicKeysOf, registerSetupAdmin, type LoggedIn } from '../../src/client/account.ts';
import { signTx } from '../../src/client/transactions.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import { toBase64url, toHex, unwrapDek, utf8, wrapDek, type JsonValue, type UserKeyPairs } from '../../src/crypto/index.ts';
import type { Genesis, SignedTx } from '../../src/ledger/index.ts';
import { LedgerNode } from '../../src/node/index.ts';
import type { TxResult } from '../../src/protocol/index.ts';
import { fixtureKey, type FixtureUser } from '../fixtures/keys.ts';
import { testDataDir, twoOrgGenesis } from '../helpers/ledger-fixture.ts';
import { fixturePairs, ManualClock, startTestNode, type TestNode } from './helpers.ts';

/** The columns of the matrix (docs/security.md), each played by one user (anonymous by none). */
export const PARTIES = [
  'anonymous', 'owner patient', 'other patient', 'doctor without grant', 'doctor with grant', 'doctor after revoke', 'doctor after expiry',
  'doctor whose role was revoked', 'admin of the same organisation', 'admin of another organisation',
] as const;
export type Party = (typeof PARTIES)[number];

export const USERS = ['raj', 'sara', 'omar', 'meera', 'lena', 'kofi', 'ivan', 'admin', 'admin2'] as const satisfies readonly FixtureUser[];
export type User = (typeof USERS)[number];

export const PLAYED_BY: Readonly<Record<Party, User | undefined>> = Object.freeze({
  anonymous: undefined,
  'owner patient': 'raj',
  'other patient': 'sara',
  'doctor without grant': 'omar',
  'doctor with grant': 'meera',
  'doctor after revoke': 'lena',
  'doctor after expiry': 'kofi',
  'doctor whose role was revoked': 'ivan',
  'admin of the same organisation': 'admin',
  'admin of another organisation': 'admin2',
});

const DOCTORS = ['meera', 'omar', 'lena', 'kofi', 'ivan'] as const;
type Doctor = (typeof DOCTORS)[number];
const GRANTED = ['meera', 'lena', 'kofi', 'ivan'] as const;

export interface Member {
  username: User;
  passphrase: string;
  keys: UserKeyPairs;
  api: ApiClient;
  loggedIn: LoggedIn;
  /** A transaction of theirs already in the log (resubmitting it adds nothing). */
  logged: SignedTx;
}

export interface Marker {
  what: string;
  text: string;
  /** The users whose answers may hold it; anonymous never. */
  allowed: ReadonlySet<User>;
}

export interface WorldRecord {
  recordId: string;
  title: string;
  addTx: string;
}

export interface World {
  n: TestNode;
  chainId: string;
  genesis: Genesis;
  clock: ManualClock;
  members: Record<User, Member>;
  listed: WorldRecord;
  unlisted: WorldRecord;
  requests: Record<Doctor, string>;
  grants: Record<(typeof GRANTED)[number], TxResult>;
  /** meera's accepted read and the refused reads of the unlisted record. */
  reads: { meera: TxResult; refused: Record<'lena' | 'kofi' | 'ivan' | 'omar' | 'sara', TxResult> };
  markers: Marker[];
  /** The answers of set-up and registration while the world was built (set-up closes for good with block 1). */
  setupAnswers: { route: 'setupJoin' | 'setupRegister' | 'register'; status: number; body: unknown }[];
  sign(user: User, type: string, body: JsonValue): Promise<SignedTx>;
  submit(user: User, type: string, body: JsonValue, outcome?: string): Promise<TxResult>;
}

/** A test context for a world shared by every test of a file: its clean-up runs after the file's last test. */
export function fileScope(): TestContext {
  return { after: (fn: () => unknown) => after(fn) } as unknown as TestContext;
}

const passphraseOf = (u: User) => `${u} world passphrase`;
const GRANT_MS = 86_400_000;

export async function buildWorld(t: TestContext): Promise<World> {
  const clock = new ManualClock();
  const { dataDir, chainId, genesis } = await testDataDir(await twoOrgGenesis(clock.now() - 60_000));

  // ---- raj's two envelopes, stored before the node serves (no upload route yet)
  const rajSig = await fixtureKey('raj', 'sig');
  const rajEnc = await fixtureKey('raj', 'enc');
  const plaintext = 'PLAINTEXT-mk-5d1e: 2026-11-02 fever 39.2C';
  const sealOne = async (title: string) => {
    const chunks: Uint8Array[] = [];
    const sealed = await sealRecord(
      {
        chain: chainId, patient: 'raj', author: 'raj', authorSig: { keyId: rajSig.keyId, privateKey: rajSig.privateKey }, readers: [rajEnc.publicKey],
        title, mediaType: 'text/plain', fileName: 'FILENAME-mk-0b7c.txt', createdAt: clock.now(), chunkSize: 1024,
      },
      [utf8.encode(plaintext.repeat(60))],
      (c) => void chunks.push(c.bytes),
    );
    return { sealed, chunks };
  };
  const listedTitle = 'Fever diary mk-listed-a41c';
  const unlistedTitle = 'Psychiatry notes mk-unlisted-93be';
  const envelopes = [await sealOne(listedTitle), await sealOne(unlistedTitle)];
  const blobs = await LedgerNode.open(dataDir);
  try {
    for (const { sealed, chunks } of envelopes) {
      await blobs.putBlob({ cipherRoot: sealed.summary.cipherRoot, chunkHashes: sealed.summary.chunkHashes }, (async function* () {
        yield* chunks;
      })());
    }
  } finally {
    await blobs.close();
  }

  // ---- the node on loopback; first-run set-up of both genesis admins
  const nodeClock = { now: () => clock.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const n = await startTestNode(t, { dataDir, clock, app: { node: { clock: nodeClock, ordering: { maxDelayMs: 1 } } } });
  const status = await n.api().call('status');
  const keys = Object.fromEntries(await Promise.all(USERS.map(async (u) => [u, await fixturePairs(u)] as const))) as Record<User, UserKeyPairs>;
  const vaults: Partial<Record<User, string>> = {};
  const setupAnswers: World['setupAnswers'] = [];
  // The genesis was written offline: each admin re-joins (the node answers the set-up's state), then registers for block 1.
  for (const admin of ['admin', 'admin2'] as const) {
    const pub = await publicKeysOf(keys[admin]);
    setupAnswers.push({ route: 'setupJoin', ...(await n.api().answer('setupJoin', { token: n.token!, username: admin, sigSpki: pub.sigSpki, encSpki: pub.encSpki })) });
  }
  for (const admin of ['admin', 'admin2'] as const) {
    const { answer } = await registerSetupAdmin(n.api(), {
      token: n.token!, chain: chainId, username: admin, passphrase: passphraseOf(admin), keys: keys[admin], kdf: status.kdf, now: clock.now(), allowWeakKdf: true,
    });
    setupAnswers.push({ route: 'setupRegister', ...answer });
  }
  for (const u of USERS.filter((x) => x !== 'admin' && x !== 'admin2')) {
    const account = await newAccount({ chain: chainId, username: u, passphrase: passphraseOf(u), kdf: status.kdf, now: clock.now(), keys: keys[u], allowWeakKdf: true });
    setupAnswers.push({ route: 'register', ...(await n.api().answer('register', account.request)) });
    vaults[u] = account.request.vault.sealed;
  }
  const sessions = await Promise.all(USERS.map(async (u) => {
    const api = n.api();
    const loggedIn = await login(api, { username: u, secret: { passphrase: passphraseOf(u) }, session: 'bearer', chain: chainId, now: clock.now(), allowWeakKdf: true });
    return [u, { api, loggedIn }] as const;
  }));
  const session = Object.fromEntries(sessions) as Record<User, { api: ApiClient; loggedIn: LoggedIn }>;

  const sign = (user: User, type: string, body: JsonValue) => {
    const k = session[user].loggedIn.keys.sig;
    return signTx(sha256, chainId, { username: user, sigKeyId: k.keyId, sigPrivateKey: k.privateKey }, type, body, { now: clock.now() });
  };
  const submit = async (user: User, type: string, body: JsonValue, outcome = 'OK') => {
    const result = await session[user].api.call('submitTx', await sign(user, type, body));
    if (result.outcome !== outcome) throw new Error(`world: ${user}'s ${type} was ${result.outcome}, expected ${outcome}`);
    return result;
  };

  // ---- the scenario
  await Promise.all(DOCTORS.map((d) => submit('admin', 'AssignRole', {
    username: d, role: 'doctor', org: 'city-hospital', encKeyId: session[d].loggedIn.keys.enc.keyId, sigKeyId: session[d].loggedIn.keys.sig.keyId,
  })));
  const [listed, unlisted] = await Promise.all(envelopes.map(async ({ sealed }) => ({
    recordId: sealed.signedManifest.manifest.recordId,
    title: sealed.signedManifest.manifest.title,
    addTx: (await submit('raj', 'AddRecord', {
      manifest: sealed.signedManifest.manifest as unknown as JsonValue,
      manifestSig: sealed.signedManifest.signature as unknown as JsonValue,
      wrappedKeys: sealed.wrappedKeys as unknown as JsonValue,
    })).txHash,
  })));
  await submit('raj', 'SetListing', { recordId: listed!.recordId, listed: true });
  const purposeOf = (d: Doctor) => `follow-up mk-purpose-${d}`;
  const requests = Object.fromEntries(await Promise.all(DOCTORS.map(async (d) => [d, (await submit(d, 'RequestAccess', {
    patient: 'raj', records: [unlisted!.recordId], purpose: purposeOf(d), durationMs: GRANT_MS,
  })).txHash] as const))) as Record<Doctor, string>;
  const dek = await unwrapDek(envelopes[1]!.sealed.wrappedKeys[0]!, rajEnc.privateKey, chainId);
  const wraps: Partial<Record<Doctor, string>> = {};
  const grantTo = async (d: (typeof GRANTED)[number], expiresAt: number) => {
    const wrap = await wrapDek(dek, keys[d].enc.publicKey, { chain: chainId, recordId: unlisted!.recordId, version: 1 });
    wraps[d] = wrap.wrappedDek;
    return [d, await submit('raj', 'GrantAccess', { grantee: d, requestId: requests[d], expiresAt, scopes: ['read'], keys: [wrap as unknown as JsonValue] })] as const;
  };
  const grants = Object.fromEntries(await Promise.all(GRANTED.map((d) => grantTo(d, clock.now() + (d === 'kofi' ? 60_000 : GRANT_MS))))) as World['grants'];
  dek.fill(0);
  const meeraRead = await submit('meera', 'RecordRead', { recordId: unlisted!.recordId, version: 1 });
  await submit('raj', 'RevokeAccess', { grantee: 'lena', recordIds: [unlisted!.recordId] });
  await submit('admin', 'RevokeRole', { username: 'ivan', role: 'doctor', org: 'city-hospital' });
  clock.advance(120_000);
  const refusal = { lena: 'READ_NOT_PERMITTED', kofi: 'GRANT_EXPIRED', ivan: 'GRANT_VOID', omar: 'READ_NOT_PERMITTED', sara: 'READ_NOT_PERMITTED' } as const;
  const refused = Object.fromEntries(await Promise.all(Object.entries(refusal).map(async ([u, code]) => [u, await submit(u as User, 'RecordRead', { recordId: unlisted!.recordId, version: 1 }, code)] as const))) as World['reads']['refused'];
  // Everyone's own transaction already in the log: a ledgered rejection that changes nothing.
  const logged = Object.fromEntries(await Promise.all(USERS.map(async (u) => {
    const tx = await sign(u, 'SetListing', { recordId: 'f'.repeat(32), listed: true });
    await session[u].api.call('submitTx', tx);
    return [u, tx] as const;
  }))) as Record<User, SignedTx>;

  // ---- markers: what may reach whom
  const set = (...users: User[]) => new Set<User>(users);
  const stored = envelopes.flatMap(({ chunks }) => chunks.slice(1, 3)).map((c) => c.subarray(16, 40));
  const markers: Marker[] = [
    { what: 'the listed title', text: listedTitle, allowed: set('raj', 'omar', 'meera', 'lena', 'kofi') },
    { what: 'the unlisted title', text: unlistedTitle, allowed: set('raj', 'meera') },
    { what: 'the file name', text: 'FILENAME-mk-0b7c', allowed: set() },
    { what: 'the plaintext', text: 'PLAINTEXT-mk-5d1e', allowed: set() },
    ...stored.flatMap((bytes, i) => [
      { what: `ciphertext ${i} (base64url)`, text: toBase64url(bytes), allowed: set() },
      { what: `ciphertext ${i} (hex)`, text: toHex(bytes), allowed: set() },
    ]),
    ...envelopes.map(({ sealed }, i) => ({ what: `raj's own wrapped key of record ${i}`, text: sealed.wrappedKeys[0]!.wrappedDek.slice(0, 64), allowed: set('raj') })),
    ...GRANTED.map((d) => ({ what: `the key wrapped for ${d}`, text: wraps[d]!.slice(0, 64), allowed: set('raj', d) })),
    ...DOCTORS.map((d) => ({ what: `${d}'s purpose`, text: purposeOf(d), allowed: set('raj', d) })),
    ...Object.entries(vaults).map(([u, sealed]) => ({ what: `${u}'s sealed vault`, text: sealed!.slice(0, 64), allowed: set(u as User) })),
  ];
  const members = Object.fromEntries(USERS.map((u) => [u, { username: u, passphrase: passphraseOf(u), keys: keys[u], ...session[u], logged: logged[u] }])) as Record<User, Member>;
  return {
    n, chainId, genesis, clock, members, listed: listed!, unlisted: unlisted!, requests, grants, reads: { meera: meeraRead, refused }, markers, setupAnswers, sign, submit,
  };
}
