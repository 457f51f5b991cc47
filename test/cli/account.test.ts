/**
 * The account commands run in this process against a real node on loopback
 * (the node's real KDF costs: the CLI accepts no weaker ones), each user with
 * a keystore of their own.
 */
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDhlError } from '../../src/client/index.ts';
import { DEFAULT_KDF_COSTS } from '../../src/api/node-port.ts';
import { Cli } from '../../src/cli/context.ts';
import { initCommand } from '../../src/cli/commands/operator.ts';
import { recordsCommand } from '../../src/cli/commands/records.ts';
import { verifyChainCommand } from '../../src/cli/commands/operator.ts';
import { loginCommand, logoutCommand, parseSetupLink, passwdCommand, registerCommand, setupCommand, statusCommand, whoamiCommand } from '../../src/cli/commands/account.ts';
import { startTestNode } from '../api/helpers.ts';
import { fileScope, scratch } from './helpers.ts';
import { tempDir } from '../helpers/temp.ts';

const PASS = { ines: 'ines correct horse battery', raj: 'raj staple orbit lantern', sara: 'sara staple orbit lantern' };

/** One node with its admin set up for the whole file (key generation and Argon2id at the real costs take seconds). */
const fileContext = fileScope();
let world: Awaited<ReturnType<typeof nodeWithAdmin>>;

async function nodeWithAdmin(t: TestContext) {
  const n = await startTestNode(t, { admins: 1, app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS } });
  const s = scratch(t);
  let files = 0;
  const cliOf = (user: string, passphrase?: string) =>
    new Cli({ node: n.url, ...(passphrase ? { passphraseFile: s.secret(`${user}-${files++}`, passphrase) } : {}) }, { DHL_HOME: s.home(user) }, () => {});
  const setup = await setupCommand(cliOf('ines', PASS.ines), `${n.url}/setup#token=${n.token}`, { username: 'ines', wait: true });
  return { n, s, cliOf, setup };
}

before(async () => {
  world = await nodeWithAdmin(fileContext);
});

const rejectsWith = (code: string) => (e: unknown) => isDhlError(e, code);

test('dhl setup from the link: keys made and sealed here, the genesis checked, the admin registered and logged in; nothing private in the clear on disk', async () => {
  const { n, s, setup } = world;
  const json = setup.json as { chain: string; recoveryKey: string; username: string };
  assert.equal(json.username, 'ines');
  assert.match(json.recoveryKey, /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){12}$/);
  assert.equal(json.chain, (await n.api().call('status')).chainId);
  const home = s.home('ines');
  assert.deepEqual(readdirSync(home).sort(), ['keystore.json', 'session.json']);
  assert.equal(statSync(home).mode & 0o777, 0o700);
  for (const f of readdirSync(home)) assert.equal(statSync(join(home, f)).mode & 0o777, 0o600, f);
  const stored = readFileSync(join(home, 'keystore.json'), 'utf8');
  assert.ok(!/pkcs8|PRIVATE KEY/.test(stored), 'the key pairs are sealed, never in the clear');
  assert.equal(JSON.parse(stored).status, 'registered');
  assert.throws(() => parseSetupLink(`${n.url}/setup?token=${n.token}`), rejectsWith('SETUP_LINK_INVALID'));
});

test('register, whoami, a wrong passphrase refused, an expired session named as such, passwd, logout', async () => {
  const { n, cliOf } = world;
  const raj = cliOf('raj', PASS.raj);
  const reg = (await registerCommand(raj, { username: 'raj' })).json as { recoveryKey: string; sigKeyId: string };
  const who = (await whoamiCommand(raj)).json as { username: string; session: string; sigKeyId: string };
  assert.deepEqual([who.username, who.session, who.sigKeyId], ['raj', 'valid', reg.sigKeyId]);
  await assert.rejects(registerCommand(raj, { username: 'raj2' }), rejectsWith('KEYSTORE_OCCUPIED'), 'one account per keystore');
  await assert.rejects(registerCommand(cliOf('other', PASS.raj), { username: 'raj' }), rejectsWith('USERNAME_TAKEN'));

  await assert.rejects(loginCommand(cliOf('raj', 'not the passphrase at all'), {}), rejectsWith('LOGIN_FAILED'));
  await assert.rejects(passwdCommand(cliOf('raj', 'not the passphrase at all'), { newPassphraseFile: '/dev/null' }), rejectsWith('PASSPHRASE_WRONG'));

  n.clock.advance(9 * 60 * 60 * 1000);
  assert.equal(((await whoamiCommand(raj)).json as { session: string }).session, 'expired');
  assert.equal(((await statusCommand(raj)).json as { session: string }).session, 'none', 'the node said the session is over: the token is gone');
  await assert.rejects(passwdCommand(raj, {}), rejectsWith('NOT_LOGGED_IN'));

  await loginCommand(raj, {});
  const newPass = cliOf('raj', 'raj a brand new passphrase');
  const changed = (await passwdCommand(raj, { newPassphraseFile: newPass.flags.passphraseFile! })).json as { sessionsRevoked: number };
  assert.equal(changed.sessionsRevoked, 1);
  await assert.rejects(loginCommand(raj, {}), rejectsWith('LOGIN_FAILED'), 'the old passphrase no longer logs in');
  assert.equal(((await whoamiCommand(newPass)).json as { session: string }).session, 'valid', 'passwd logged in again with the new one');
  assert.equal(((await logoutCommand(newPass)).json as { nodeTold: string }).nodeTold, 'yes');
  assert.equal(((await whoamiCommand(newPass)).json as { session: string }).session, 'none');
});

test('login with the recovery key sets a new passphrase at once; the old one stops working', async () => {
  const { cliOf } = world;
  const sara = cliOf('sara', PASS.sara);
  const { recoveryKey } = (await registerCommand(sara, { username: 'sara' })).json as { recoveryKey: string };
  // A second device: a fresh keystore, the passphrase lost.
  const fresh = cliOf('sara-laptop', undefined);
  const files = cliOf('files', recoveryKey);
  const newFile = cliOf('files2', 'sara after the recovery key').flags.passphraseFile!;
  const out = (await loginCommand(fresh, { username: 'sara', recoveryKeyFile: files.flags.passphraseFile!, newPassphraseFile: newFile })).json as { recovered: boolean };
  assert.equal(out.recovered, true);
  assert.equal(((await whoamiCommand(fresh)).json as { session: string }).session, 'valid');
  await assert.rejects(loginCommand(sara, {}), rejectsWith('LOGIN_FAILED'));
});

test('register pins the chain: --chain naming another chain than the node serves is refused before anything is made', async () => {
  const { cliOf } = world;
  await assert.rejects(registerCommand(cliOf('omar', PASS.raj), { username: 'omar', chain: 'ab'.repeat(32) }), rejectsWith('CHAIN_CHANGED'));
});

test('a --node naming another node than the account\'s is NODE_MISMATCH, not the account\'s node answering in its place', async () => {
  const { s } = world;
  const elsewhere = new Cli({ node: 'http://127.0.0.1:1' }, { DHL_HOME: s.home('ines') }, () => {});
  await assert.rejects(recordsCommand(elsewhere), rejectsWith('NODE_MISMATCH'));
  await assert.rejects(verifyChainCommand(elsewhere, {}), rejectsWith('NODE_MISMATCH'), 'verify of a node reads that node, with a session of its own');
});

test('admin init seals the first admin in the keystore offline; dhl serve on that directory and dhl setup with its link register that admin', async (t) => {
  const s = scratch(t);
  // Not in the scratch directory: that goes when the test ends, possibly before the node on it has closed.
  const dataDir = join(tempDir('cli-init'), 'data');
  const passphraseFile = s.secret('admin', PASS.ines);
  const admin = new Cli({ passphraseFile }, { DHL_HOME: s.home('admin') }, () => {});
  const init = (await initCommand(admin, { dataDir, org: 'city-hospital', nodeId: 'node1', admin: 'ines' })).json as { chain: string };
  await assert.rejects(initCommand(admin, { dataDir: join(tempDir('cli-init'), 'other'), org: 'x1', nodeId: 'node1', admin: 'ines' }), rejectsWith('KEYSTORE_OCCUPIED'));
  const n = await startTestNode(t, { dataDir, admins: 1, app: { testOnlyKdfCosts: DEFAULT_KDF_COSTS } });
  assert.equal((await n.api().call('status')).setup, 'awaiting-registrations');
  const done = (await setupCommand(new Cli({ node: n.url, passphraseFile }, { DHL_HOME: s.home('admin') }, () => {}), `${n.url}/setup#token=${n.token}`, { username: 'ines', wait: true })).json as { chain: string };
  assert.equal(done.chain, init.chain);
  assert.equal((await n.api().call('status')).setup, 'complete');
});
