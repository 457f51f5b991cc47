/**
 * A node's first run through its API (DESIGN §13, issue 17): the genesis of a
 * one-organisation chain built from this node's key and the public keys the
 * first admins' clients generated, and the check of each admin's signed
 * RegisterUser before the node holds it for block 1. `dhl admin init` is the
 * offline path to the same genesis shape.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePem, fromBase64url, importPem, importSpki, keyId as keyIdOf, randomBytes, toBase64url } from '../crypto/index.ts';
import { applyBatch, type StateView } from '../contract/index.ts';
import { DEFAULT_GENESIS_PARAMS, parseGenesis, parseTx, verifyTxSignature, type Genesis, type ParsedTx } from '../ledger/index.ts';
import { KeyCache, precheckTx } from '../contract/index.ts';
import { createNodeKey, NODE_KEY_FILE, NODE_PUBLIC_KEY_FILE } from './data-dir.ts';
import { sha256 } from './hash.ts';

/** This node's public sig key: made (with its private half, mode 0600) when the data directory has none. */
export async function ensureNodeKey(dataDir: string): Promise<{ sigSpki: string; keyId: string }> {
  if (!existsSync(join(dataDir, NODE_KEY_FILE))) return createNodeKey(dataDir);
  const pem = readFileSync(join(dataDir, NODE_PUBLIC_KEY_FILE), 'utf8');
  return { sigSpki: toBase64url(decodePem('public', pem)), keyId: await keyIdOf(await importPem('sig', pem)) };
}

export interface FirstAdmin {
  username: string;
  sigSpki: string;
  encSpki: string;
}

/** Throws KEY_INVALID unless both SPKIs are RSA-3072 keys of their use (sig: RSA-PSS, enc: RSA-OAEP). */
export async function checkAdminKeys(admin: FirstAdmin): Promise<void> {
  await importSpki('sig', fromBase64url(admin.sigSpki, 'sigSpki'));
  await importSpki('enc', fromBase64url(admin.encSpki, 'encSpki'));
}

/** One organisation, this node, the admins in the order they joined; default chain parameters and a fresh salt. */
export function firstRunGenesis(input: { org: string; nodeId: string; nodeSigSpki: string; admins: readonly FirstAdmin[]; time: number }): Genesis {
  return parseGenesis({
    v: 1,
    kind: 'genesis',
    time: input.time,
    salt: toBase64url(randomBytes(16)),
    params: { ...DEFAULT_GENESIS_PARAMS },
    orgs: [{
      org: input.org,
      admins: input.admins.map((a) => ({ username: a.username, sigSpki: a.sigSpki, encSpki: a.encSpki })),
      nodes: [{ nodeId: input.nodeId, sigSpki: input.nodeSigSpki }],
    }],
  });
}

export type AdminRegistrationCheck =
  | { ok: true; tx: ParsedTx; username: string }
  | { ok: false; reason: 'not-a-genesis-admin-registration' };

/**
 * Checks a genesis admin's RegisterUser as admission will: shape, chain, and
 * the signature by the key it registers (admission errors throw with their
 * codes). A transaction of another type or actor is a value.
 */
export async function checkAdminRegistration(view: StateView, chain: string, genesis: Genesis, input: unknown): Promise<AdminRegistrationCheck> {
  const tx = parseTx(sha256, input, { chain });
  const admins = genesis.orgs.flatMap((o) => o.admins.map((a) => a.username));
  if (tx.header.type !== 'RegisterUser' || !admins.includes(tx.header.actor)) return { ok: false, reason: 'not-a-genesis-admin-registration' };
  await verifyTxSignature(tx, await precheckTx(tx, view, new KeyCache()));
  return { ok: true, tx, username: tx.header.actor };
}

/**
 * The outcomes the contract would give these transactions as the next block
 * at `time`, on the current state, without writing anything: the node holds
 * for block 1 only what block 1 will accept.
 */
export function dryRunBlock(view: StateView, chain: string, genesis: Genesis, txs: readonly ParsedTx[], block: { height: number; time: number }): string[] {
  return applyBatch(view, txs, { chain, height: block.height, time: block.time, params: genesis.params }).outcomes;
}

/** The hash of a submitted transaction, after the shape checks admission makes (TX_MALFORMED, TX_CHAIN_MISMATCH, …): registration keys its pending account by it. */
export function parseTxHash(chain: string, input: unknown): string {
  return parseTx(sha256, input, { chain }).hash;
}
