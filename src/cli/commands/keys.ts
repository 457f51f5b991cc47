/**
 * `dhl rotate-keys`: new key pairs made here, appended to the vault (the old
 * ones stay for old wraps), in the order of src/client/rotation.ts: the
 * re-sealed vault and the signed RotateKeys are stored in the keystore
 * before anything is submitted, so a crash at any point leaves a keystore
 * that finishes the rotation when the command runs again, never one that
 * cannot sign in.
 */
import type { Command } from 'commander';
import { fingerprint, login, prepareRotation, rotationTx, storeRotatedVault, submitSigned } from '../../client/index.ts';
import type { Answer, Cli } from '../context.ts';
import { cliError } from '../errors.ts';
import { readContext } from '../flows.ts';
import type { Identity } from '../keystore.ts';
import type { Action } from './account.ts';

type Registered = Identity & { node: string; chain: string };

async function rotateKeysCommand(cli: Cli): Promise<Answer> {
  const rc = await readContext(cli);
  let identity: Registered = rc.identity;
  const unlocked = await cli.unlock(identity, { rotating: true });
  if (!identity.rotation) {
    cli.say('generating your new RSA-3072 key pairs…');
    const prepared = await prepareRotation(identity.chain, identity.username, unlocked, cli.now());
    identity = { ...identity, vault: prepared.vault, rotation: { tx: prepared.tx, sigKeyId: prepared.keys.sigKeyId, encKeyId: prepared.keys.encKeyId, previousVault: identity.vault }, updatedAt: cli.now() };
    // (1) Stored here before the node hears of it.
    cli.keystore.saveIdentity(identity);
  } else {
    cli.say('finishing the key rotation this keystore started');
  }
  const rotation = identity.rotation!;
  // (2) The RotateKeys, signed with the old key; signed again if it expired unsubmitted.
  // The answer must prove this very transaction under a head the keeper accepts (src/client submitSigned).
  const submitOnce = (tx: unknown) => submitSigned(rc, tx);
  let result = await submitOnce(rotation.tx);
  if (result.outcome === 'TX_EXPIRED') {
    const old = await cli.open({ ...identity, vault: rotation.previousVault }, { passphrase: unlocked.passphrase });
    // The new public keys are the vault's newest generation.
    const g = unlocked.vault.current;
    const keys = { sigSpki: g.sig.spki, sigKeyId: g.sig.keyId, encSpki: g.enc.spki, encKeyId: g.enc.keyId };
    const tx = await rotationTx(identity.chain, identity.username, old, keys, cli.now());
    identity = { ...identity, rotation: { ...rotation, tx } };
    cli.keystore.saveIdentity(identity);
    result = await submitOnce(tx);
  }
  if (result.outcome !== 'OK') {
    // Nothing of it is on the ledger: back to the old vault.
    const { rotation: _dropped, ...rest } = identity;
    cli.keystore.saveIdentity({ ...rest, vault: rotation.previousVault, updatedAt: cli.now() });
    throw cliError('ROTATION_REJECTED', { outcome: result.outcome, txHash: result.txHash });
  }
  // (3) The node keeps the new vault (this ends every session of the user), (4) log in again with the new keys.
  const api = rc.api;
  await storeRotatedVault(api, unlocked.proof, identity.vault);
  cli.keystore.clearSession();
  const fresh = cli.api(identity.node);
  const loggedIn = await login(fresh, { username: identity.username, secret: { passphrase: unlocked.passphrase }, session: 'bearer', chain: identity.chain, now: cli.now() });
  const { rotation: _done, ...settled } = identity;
  cli.keystore.saveIdentity({ ...settled, sigKeyId: loggedIn.keys.sig.keyId, encKeyId: loggedIn.keys.enc.keyId, vault: loggedIn.sealedVault, updatedAt: cli.now() });
  cli.keystore.saveSession({ v: 1, username: identity.username, node: identity.node, token: loggedIn.session.token!, expiresAt: loggedIn.session.expiresAt });
  return {
    json: { username: identity.username, sigKeyId: rotation.sigKeyId, encKeyId: rotation.encKeyId, block: result.height, txHash: result.txHash },
    text: [
      `rotated ${identity.username}'s keys (RotateKeys in block ${result.height}): sig ${fingerprint(rotation.sigKeyId)}, enc ${fingerprint(rotation.encKeyId)}`,
      '  the old keys stay in your vault for records wrapped for them; other devices log in again',
      '  a doctor or admin acts in the role again once an admin enrols the new keys (dhl admin enrol)',
    ],
  };
}

export function addKeyCommands(program: Command, action: Action): void {
  program
    .command('rotate-keys')
    .description('new key pairs: the re-sealed vault is stored here before RotateKeys is submitted (a crash cannot lock you out); old keys stay for old records')
    .action(action((cli) => rotateKeysCommand(cli)));
}

