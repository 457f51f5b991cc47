/**
 * Account commands: setup (the first-run set-up from a terminal), register,
 * login (passphrase or recovery key), logout, whoami, passwd, status. Keys
 * are made and sealed here; the node sees public keys, signed transactions,
 * the sealed vault and auth keys (src/client/account.ts).
 */
import type { Command } from 'commander';
import {
  changePassphrase, checkSetupGenesis, DhlError, fingerprint, generateUserKeys, isDhlError, joinSetup, login, openPendingKeys, publicKeysOf, register,
  registerSetupAdmin, sealPendingKeys, type ApiClient, type LoggedIn, type LoginSecret, type SetupState, type Status, type UserKeyPairs,
} from '../../client/index.ts';
import { cliError } from '../errors.ts';
import { time } from '../format.ts';
import { nodeOrigin, type Answer, type Cli } from '../context.ts';
import type { Identity } from '../keystore.ts';
import { hidden, newPassphrase, readSecretFile, withSecret } from '../prompts.ts';

type Run = (cli: Cli, ...args: never[]) => Promise<Answer>;
export type Action = (run: Run) => (...args: unknown[]) => Promise<void>;

const SETUP_POLL_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chain a new keystore trusts: the one given with --chain, or (trust on first use) the node's, printed for comparison. */
function trustChain(cli: Cli, status: Status, expected: string | undefined, node: string): string {
  if (!status.chainId || status.setup !== 'complete') throw new DhlError('NODE_AWAITING_SETUP', 'the node awaits its first-run set-up');
  if (expected !== undefined && expected !== status.chainId) throw cliError('CHAIN_CHANGED', { node, trusted: expected, served: status.chainId });
  if (expected === undefined) cli.say(`chain id ${status.chainId}: compare it with the one your organisation published (pin it with --chain)`);
  return status.chainId;
}

/** Stores what a login returned: the account (with the vault the node keeps) and the session. */
function saveLogin(cli: Cli, node: string, chain: string, loggedIn: LoggedIn): Identity {
  const identity: Identity = {
    v: 1, username: loggedIn.session.username, status: 'registered', node, chain,
    sigKeyId: loggedIn.keys.sig.keyId, encKeyId: loggedIn.keys.enc.keyId, vault: loggedIn.sealedVault, updatedAt: cli.now(),
  };
  cli.keystore.saveIdentity(identity);
  cli.keystore.saveSession({ v: 1, username: identity.username, node, token: loggedIn.session.token!, expiresAt: loggedIn.session.expiresAt });
  return identity;
}

function loginLines(loggedIn: LoggedIn, node: string): string[] {
  const lines = [`logged in as ${loggedIn.session.username} on ${node} until ${time(loggedIn.session.expiresAt)}`];
  const failed = loggedIn.session.failedLogins;
  if (failed.count > 0) lines.push(`${failed.count} failed login attempt${failed.count === 1 ? '' : 's'} since your last login${failed.lastAt ? `, the last at ${time(failed.lastAt)}` : ''}`);
  return lines;
}

function recoveryLines(recoveryKey: string): string[] {
  return [
    'Recovery key (shown once: write it down and keep it offline; it opens your vault if you lose the passphrase):',
    `  ${recoveryKey}`,
  ];
}

/** A keystore may take a new account only when it holds none, or holds this user's registered account (the node keeps its vault). */
function checkKeystoreFree(cli: Cli, username: string): Identity | undefined {
  const identity = cli.keystore.identity();
  if (!identity) return undefined;
  if (identity.username !== username) {
    if (identity.status === 'pending') throw cliError('KEYSTORE_OCCUPIED', { home: cli.keystore.dir, user: identity.username });
    throw cliError('WRONG_USER', { home: cli.keystore.dir, user: identity.username, asked: username });
  }
  return identity;
}

async function loginWith(cli: Cli, api: ApiClient, username: string, chain: string, secret: LoginSecret, vault?: Identity['vault']) {
  if (vault) {
    // A rotation under way: its keys sign if the ledger has them already, else the node's copy (the old keys) does.
    try {
      return await login(api, { username, secret, session: 'bearer', chain, now: cli.now(), vault });
    } catch (err) {
      if (!isDhlError(err, 'LOGIN_CHALLENGE_FAILED')) throw err;
    }
  }
  return login(api, { username, secret, session: 'bearer', chain, now: cli.now() });
}

const wrongLogin = (err: unknown) => (isDhlError(err, 'LOGIN_FAILED') ? 'the node refused the login (unknown user or wrong passphrase)' : undefined);

/** The node's answer when a session is over: expired there, or ended (logout, a passphrase change, revoked). */
const sessionOver = (err: unknown) => isDhlError(err, 'SESSION_EXPIRED') || isDhlError(err, 'SESSION_REQUIRED');

type SessionState = 'valid' | 'expired' | 'none' | 'unchecked';

/**
 * The keystore's session of `username` on `node`, as the node sees it now:
 * none kept for them there; expired (by its own clock here, or the node says
 * so); valid, with the node's expiry; or unchecked (the node did not answer).
 */
async function sessionState(cli: Cli, username: string, node: string | undefined): Promise<{ state: SessionState; expiresAt?: number }> {
  const stored = cli.keystore.session();
  if (!stored || stored.username !== username || stored.node !== node) return { state: 'none' };
  if (stored.expiresAt <= cli.now()) return { state: 'expired', expiresAt: stored.expiresAt };
  try {
    const info = await cli.api(stored.node, stored.token).call('session');
    return { state: 'valid', expiresAt: info.expiresAt };
  } catch (err) {
    return { state: sessionOver(err) ? 'expired' : 'unchecked', expiresAt: stored.expiresAt };
  }
}

// ---------------------------------------------------------------------------

export async function statusCommand(cli: Cli): Promise<Answer> {
  const node = cli.nodeUrl();
  const api = cli.api(node);
  const status = await cli.status(api);
  const identity = cli.keystore.identity();
  const checked = identity ? await sessionState(cli, identity.username, node) : { state: 'none' as const };
  const session = checked.state;
  const sessionUntil = checked.state === 'valid' ? checked.expiresAt : undefined;
  const trusted = identity?.node === node ? identity.chain : undefined;
  const chainMatches = trusted === undefined || status.chainId === undefined ? undefined : trusted === status.chainId;
  const text = [`node   ${node} (set-up ${status.setup})`];
  if (status.chainId) text.push(`chain  ${status.chainId}${chainMatches === false ? `   WARNING: this keystore trusts another chain, ${trusted}` : chainMatches ? ' (the one this keystore trusts)' : ''}`);
  if (status.head) text.push(`head   height ${status.head.height}, ${status.head.treeSize} log entries, block ${status.head.blockHash} at ${time(status.head.time)}`);
  if (!identity) text.push(`you    no account in ${cli.keystore.dir}`);
  else text.push(`you    ${identity.username} (${identity.status}${identity.node ? ` on ${identity.node}` : ''}); session: ${session}${sessionUntil ? ` until ${time(sessionUntil)}` : ''}`);
  return {
    json: { node, status, keystore: cli.keystore.dir, user: identity?.username, account: identity?.status, chainMatches, session, sessionExpiresAt: sessionUntil },
    text,
  };
}

export async function registerCommand(cli: Cli, o: { username: string; chain?: string; newPassphraseFile?: string }): Promise<Answer> {
  const held = cli.keystore.identity();
  if (held) throw cliError('KEYSTORE_OCCUPIED', { home: cli.keystore.dir, user: held.username });
  const node = cli.nodeUrl();
  const api = cli.api(node);
  const status = await cli.status(api);
  const chain = trustChain(cli, status, o.chain, node);
  const passphrase = await newPassphrase(o.newPassphraseFile ?? cli.flags.passphraseFile);
  cli.say('generating your RSA-3072 key pairs and sealing them in your vault…');
  const registered = await register(api, { username: o.username, passphrase, now: cli.now() });
  const pub = await publicKeysOf(registered.keys);
  const loggedIn = await loginWith(cli, api, o.username, chain, { passphrase });
  saveLogin(cli, node, chain, loggedIn);
  return {
    json: {
      username: o.username, node, chain, sigKeyId: pub.sigKeyId, encKeyId: pub.encKeyId, block: registered.result.height,
      recoveryKey: registered.recoveryKey, sessionExpiresAt: loggedIn.session.expiresAt,
    },
    text: [
      `registered ${o.username} on ${node} (RegisterUser in block ${registered.result.height})`,
      `  sig key ${fingerprint(pub.sigKeyId)}`,
      `  enc key ${fingerprint(pub.encKeyId)}`,
      ...recoveryLines(registered.recoveryKey),
      ...loginLines(loggedIn, node),
    ],
  };
}

export async function loginCommand(
  cli: Cli,
  o: { username?: string; chain?: string; recoveryKey?: boolean; recoveryKeyFile?: string; newPassphraseFile?: string },
): Promise<Answer> {
  const existing = cli.keystore.identity();
  const username = o.username ?? existing?.username;
  if (!username) throw cliError('USAGE', { reason: 'give --username (the keystore holds no account yet)' });
  const identity = checkKeystoreFree(cli, username);
  if (identity?.status === 'pending') throw cliError('KEYSTORE_PENDING', { user: username });
  const node = cli.nodeUrl();
  const api = cli.api(node);
  const status = await cli.status(api);
  const chain = trustChain(cli, status, o.chain ?? (identity?.node === node ? identity.chain : undefined), node);

  if (!o.recoveryKey && o.recoveryKeyFile === undefined) {
    const passphraseFile = cli.flags.passphraseFile;
    const rotating = identity?.rotation ? identity : undefined;
    const loggedIn = await withSecret(
      { prompt: `Passphrase for ${username}:`, ...(passphraseFile ? { file: passphraseFile } : {}) },
      (passphrase) => loginWith(cli, api, username, chain, { passphrase }, rotating?.vault),
      wrongLogin,
      (line) => cli.say(line),
    );
    saveLogin(cli, node, chain, loggedIn);
    if (rotating) {
      // Kept: the rotation's vault and transaction, until dhl rotate-keys finishes it.
      cli.keystore.saveIdentity({ ...cli.identity(), vault: rotating.vault, rotation: rotating.rotation, updatedAt: cli.now() });
      cli.say('a key rotation of this keystore is not finished: run dhl rotate-keys');
    }
    return { json: { username, node, chain, sessionExpiresAt: loggedIn.session.expiresAt, failedLogins: loggedIn.session.failedLogins }, text: loginLines(loggedIn, node) };
  }

  // The recovery key opens the vault when the passphrase is lost: a new passphrase is set at once.
  const recoveryKey = o.recoveryKeyFile !== undefined ? readSecretFile(o.recoveryKeyFile) : await hidden('Recovery key:');
  const recovered = await loginWith(cli, api, username, chain, { recoveryKey });
  cli.say('the recovery key opened your vault: choose a new passphrase');
  const passphrase = await newPassphrase(o.newPassphraseFile);
  const changed = await changePassphrase(api, { vault: recovered.vault, proof: recovered.proof, newPassphrase: passphrase, kdf: status.kdf });
  // The change ended every session of the user, this one too: log in with the new passphrase.
  const loggedIn = await loginWith(cli, cli.api(node), username, chain, { passphrase });
  saveLogin(cli, node, chain, loggedIn);
  return {
    json: { username, node, chain, recovered: true, sessionsRevoked: changed.sessionsRevoked, sessionExpiresAt: loggedIn.session.expiresAt },
    text: [`passphrase replaced with the recovery key; ${changed.sessionsRevoked} session(s) ended`, ...loginLines(loggedIn, node)],
  };
}

export async function logoutCommand(cli: Cli): Promise<Answer> {
  const identity = cli.identity();
  const stored = cli.keystore.session();
  if (!stored) return { json: { username: identity.username, loggedOut: false, reason: 'no session' }, text: [`${identity.username} had no session here`] };
  let told: 'yes' | 'already ended' | 'unreachable' = 'yes';
  try {
    await cli.api(stored.node, stored.token).call('logout');
  } catch (err) {
    if (sessionOver(err)) told = 'already ended';
    else if (isDhlError(err, 'NODE_UNREACHABLE')) told = 'unreachable';
    else throw err;
  }
  cli.keystore.clearSession();
  const text = [`logged out ${identity.username} from ${stored.node}`];
  if (told === 'unreachable') text.push('the node could not be reached: the token is deleted here; the session ends at its expiry');
  return { json: { username: identity.username, node: stored.node, loggedOut: true, nodeTold: told }, text };
}

export async function whoamiCommand(cli: Cli): Promise<Answer> {
  const identity = cli.identity();
  const stored = cli.keystore.session();
  const session = (await sessionState(cli, identity.username, identity.node)).state;
  return {
    json: {
      username: identity.username, account: identity.status, node: identity.node, chain: identity.chain, sigKeyId: identity.sigKeyId, encKeyId: identity.encKeyId,
      session, sessionExpiresAt: stored?.expiresAt, keystore: cli.keystore.dir,
    },
    text: [
      `${identity.username} (${identity.status === 'registered' ? `registered on ${identity.node}` : 'keys made here, not registered yet: finish with dhl setup'})`,
      ...(identity.chain ? [`  chain   ${identity.chain}`] : []),
      `  sig key ${fingerprint(identity.sigKeyId)}`,
      `  enc key ${fingerprint(identity.encKeyId)}`,
      `  session ${session}${stored && session === 'valid' ? ` until ${time(stored.expiresAt)}` : ''}`,
      `  keystore ${cli.keystore.dir}`,
    ],
  };
}

export async function passwdCommand(cli: Cli, o: { newPassphraseFile?: string }): Promise<Answer> {
  const identity = cli.registered();
  const api = cli.sessionApi();
  const status = await cli.status(api);
  const unlocked = await withSecret(
    { prompt: `Current passphrase for ${identity.username}:`, ...(cli.flags.passphraseFile ? { file: cli.flags.passphraseFile } : {}) },
    (passphrase) => cli.open(identity, { passphrase }),
    (err) => (isDhlError(err, 'PASSPHRASE_WRONG') ? 'wrong passphrase' : undefined),
    (line) => cli.say(line),
  );
  const passphrase = await newPassphrase(o.newPassphraseFile);
  const changed = await changePassphrase(api, { vault: unlocked.vault, proof: unlocked.proof, newPassphrase: passphrase, kdf: status.kdf });
  cli.keystore.clearSession();
  const loggedIn = await loginWith(cli, cli.api(identity.node), identity.username, identity.chain, { passphrase });
  saveLogin(cli, identity.node, identity.chain, loggedIn);
  return {
    json: { username: identity.username, sessionsRevoked: changed.sessionsRevoked, sessionExpiresAt: loggedIn.session.expiresAt },
    text: [
      `passphrase changed for ${identity.username}; ${changed.sessionsRevoked} session(s) ended (other devices log in again)`,
      ...loginLines(loggedIn, identity.node),
    ],
  };
}

// ---------------------------------------------------------------------------
// First-run set-up
// ---------------------------------------------------------------------------

/** A setup link as the node prints it: scheme://host:port/setup#token=<43 base64url>. */
export function parseSetupLink(link: string): { node: string; token: string } {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw cliError('SETUP_LINK_INVALID');
  }
  const token = /^#token=([A-Za-z0-9_-]{43})$/.exec(url.hash)?.[1];
  if (!token || url.pathname !== '/setup') throw cliError('SETUP_LINK_INVALID');
  return { node: nodeOrigin(url.origin), token };
}

/** The admin's keys for the set-up: the pending ones in the keystore (admin init, an earlier run), or new ones sealed there before joining. */
async function setupKeys(cli: Cli, username: string, node: string): Promise<{ keys: UserKeyPairs; passphrase: string }> {
  const identity = checkKeystoreFree(cli, username);
  if (identity?.status === 'registered') throw new DhlError('SETUP_COMPLETE', `${username} is registered already: log in with dhl login`);
  if (identity) {
    const passphraseFile = cli.flags.passphraseFile;
    return withSecret(
      { prompt: `Passphrase for ${username}'s keys in ${cli.keystore.dir}:`, ...(passphraseFile ? { file: passphraseFile } : {}) },
      async (passphrase) => {
        try {
          return { keys: await openPendingKeys(identity.vault, passphrase), passphrase };
        } catch (err) {
          if (isDhlError(err, 'VAULT_OPEN_FAILED')) throw cliError('PASSPHRASE_WRONG', { home: cli.keystore.dir }, err);
          throw err;
        }
      },
      (err) => (isDhlError(err, 'PASSPHRASE_WRONG') ? 'wrong passphrase' : undefined),
      (line) => cli.say(line),
    );
  }
  const passphrase = await newPassphrase(cli.flags.passphraseFile);
  cli.say('generating your RSA-3072 key pairs…');
  const keys = await generateUserKeys();
  const pub = await publicKeysOf(keys);
  // Sealed in the keystore before the node hears of them: an interrupted set-up resumes with the same keys.
  cli.keystore.saveIdentity({
    v: 1, username, status: 'pending', node, sigKeyId: pub.sigKeyId, encKeyId: pub.encKeyId,
    vault: await sealPendingKeys(username, keys, passphrase, cli.now()), updatedAt: cli.now(),
  });
  return { keys, passphrase };
}

function genesisLines(state: SetupState, chainId: string): string[] {
  const genesis = state.genesis as { orgs: { org: string; admins: { username: string }[]; nodes: { nodeId: string }[] }[] };
  return [
    `genesis checked: it names you with your keys; chain id ${chainId} (computed here)`,
    ...genesis.orgs.map((o) => `  organisation ${o.org}: admins ${o.admins.map((a) => a.username).join(', ')}; nodes ${o.nodes.map((n) => n.nodeId).join(', ')}`),
  ];
}

export async function setupCommand(cli: Cli, link: string, o: { username: string; wait: boolean }): Promise<Answer> {
  const { node, token } = parseSetupLink(link);
  const api = cli.api(node);
  let status = await cli.status(api);
  if (status.setup === 'complete') throw new DhlError('SETUP_COMPLETE', 'this node is set up already: log in with dhl login');
  const { keys, passphrase } = await setupKeys(cli, o.username, node);
  const pub = await publicKeysOf(keys);
  cli.say(`joining the set-up of ${node} as ${o.username} (sig key ${fingerprint(pub.sigKeyId)})`);

  let state = await joinSetup(api, { token, username: o.username, keys });
  let waitingFor = -1;
  while (state.genesis === undefined) {
    const missing = state.expected - state.joined.length;
    if (!o.wait) throw cliError('SETUP_UNFINISHED', { joined: state.joined.length, expected: state.expected });
    if (missing !== waitingFor) cli.say(`waiting for ${missing} more admin${missing === 1 ? '' : 's'} to join (${state.joined.join(', ')} joined)…`);
    waitingFor = missing;
    await sleep(SETUP_POLL_MS);
    state = await joinSetup(api, { token, username: o.username, keys });
  }
  const { chainId } = await checkSetupGenesis(state, { username: o.username, keys });
  const text = genesisLines(state, chainId);
  for (const line of text) cli.say(line);
  const pending = cli.identity();
  cli.keystore.saveIdentity({ ...pending, node, chain: chainId, updatedAt: cli.now() });

  const recoveryKeys: string[] = [];
  const registerNow = async () => {
    const reg = await registerSetupAdmin(api, { token, chain: chainId, username: o.username, passphrase, keys, kdf: status.kdf, now: cli.now() });
    recoveryKeys.push(reg.recoveryKey);
    if (reg.answer.status === 202) {
      // Held until the other admins register: shown now, since the account comes into being then even if this run is stopped.
      for (const line of recoveryLines(reg.recoveryKey)) cli.say(line);
      if (recoveryKeys.length > 1) cli.say('(this replaces the recovery key shown before: the first registration expired before the others came)');
    }
    return reg.answer.status;
  };
  let answered = await registerNow();
  const shownAlready = answered === 202;
  let waitingShown = false;
  while (answered === 202) {
    status = await cli.status(api);
    if (status.setup === 'complete') break;
    if (!o.wait) throw cliError('SETUP_UNFINISHED', { registered: 'yours, held', expected: state.expected });
    // The set-up may complete between the status above and this call (the last admin registered):
    // our held registration went into block 1 with theirs, and the login below proves it.
    const now = await joinSetup(api, { token, username: o.username, keys }).catch((err: unknown) => {
      if (isDhlError(err, 'SETUP_COMPLETE')) return undefined;
      throw err;
    });
    if (now === undefined) break;
    if (!now.registered.includes(o.username) && now.phase === 'awaiting-registrations') {
      answered = await registerNow();
      continue;
    }
    if (!waitingShown) cli.say(`registered; waiting for the other admins to register (${now.registered.join(', ')} in)…`);
    waitingShown = true;
    await sleep(SETUP_POLL_MS);
  }
  const loggedIn = await loginWith(cli, cli.api(node), o.username, chainId, { passphrase });
  saveLogin(cli, node, chainId, loggedIn);
  const recoveryKey = recoveryKeys[recoveryKeys.length - 1]!;
  return {
    json: { username: o.username, node, chain: chainId, sigKeyId: pub.sigKeyId, encKeyId: pub.encKeyId, recoveryKey, sessionExpiresAt: loggedIn.session.expiresAt },
    text: [
      `set-up of ${node} complete: ${o.username} is an admin of chain ${chainId}`,
      ...(shownAlready ? ['(your recovery key was shown above)'] : recoveryLines(recoveryKey)),
      ...loginLines(loggedIn, node),
    ],
  };
}

// ---------------------------------------------------------------------------

export function addAccountCommands(program: Command, action: Action): void {
  program
    .command('setup')
    .description('first run of a node: join its set-up with the link it printed, check the genesis it builds, and register as one of its first admins')
    .argument('<link>', 'the one-time setup link: http(s)://host:port/setup#token=…')
    .requiredOption('--username <name>', 'your admin username')
    .option('--no-wait', 'do not wait for the other admins: exit (status 6) and run again later')
    .action(action((cli, link: string, o: { username: string; wait: boolean }) => setupCommand(cli, link, o)));

  program
    .command('register')
    .description('create an account on the node: key pairs made here, sealed in a vault under your passphrase; prints the recovery key once; logs in')
    .requiredOption('--username <name>', 'the username to register')
    .option('--chain <id>', 'the chain id you expect (from your organisation); otherwise the node\'s is trusted and printed')
    .option('--new-passphrase-file <file>', 'read the new passphrase from this file (scripts)')
    .action(action((cli, o: { username: string; chain?: string; newPassphraseFile?: string }) => registerCommand(cli, o)));

  program
    .command('login')
    .description('log in: the vault comes from the node and opens here; the session token is kept in the keystore')
    .option('--username <name>', "default: the keystore's account")
    .option('--chain <id>', 'the chain id you expect, on a first login from this keystore')
    .option('--recovery-key', 'log in with the recovery key (asked hidden) and set a new passphrase')
    .option('--recovery-key-file <file>', 'read the recovery key from this file (implies --recovery-key)')
    .option('--new-passphrase-file <file>', 'with the recovery key: read the new passphrase from this file')
    .action(action((cli, o: { username?: string; chain?: string; recoveryKey?: boolean; recoveryKeyFile?: string; newPassphraseFile?: string }) => loginCommand(cli, o)));

  program
    .command('logout')
    .description('end the session on the node and delete its token here')
    .action(action((cli) => logoutCommand(cli)));

  program
    .command('whoami')
    .description("the keystore's account: username, node, chain, key fingerprints, session")
    .action(action((cli) => whoamiCommand(cli)));

  program
    .command('passwd')
    .description('change the passphrase: the vault is re-sealed here; the node ends every session of yours; logs in again')
    .option('--new-passphrase-file <file>', 'read the new passphrase from this file (scripts)')
    .action(action((cli, o: { newPassphraseFile?: string }) => passwdCommand(cli, o)));

  program
    .command('status')
    .description('the node: set-up, chain id, head; and this keystore: account, whether the chain matches, session')
    .action(action((cli) => statusCommand(cli)));
}
