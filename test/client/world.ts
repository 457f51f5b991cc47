/**
 * The DESIGN §1 cast on a real node over loopback HTTP, for client tests:
 * the first-run admins (ines, grace), patient raj and doctor meera (the
 * admin's AssignRole in the node's organisation), each registered and logged
 * in through src/client with TEST-ONLY fixture keys, each with a client
 * context of their own (API client, file transfer, identity, kept heads).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { toHex } from '../../src/crypto/index.ts';
import { entryLeafHash, MerkleTree } from '../../src/ledger/index.ts';
import { DB_FILE, nodeError, sha256 as nodeSha256 } from '../../src/node/index.ts';
import { LedgerReader } from '../../src/node/store/index.ts';
import type { TestContext } from 'node:test';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { register } from '../../src/client/account.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { FileTransfer, type TransferOptions } from '../../src/client/files.ts';
import { identityOf, submitOk, type ClientContext } from '../../src/client/flows/context.ts';
import { HeadKeeper, MemoryHeadStore, type ConsistencySource, type HeadStore } from '../../src/client/head-store.ts';
import type { FixtureUser } from '../fixtures/keys.ts';
import { completeSetup, fixturePairs, loginAs, startTestNode, type TestNode, type TestNodeOptions } from '../api/helpers.ts';

export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface WorldUser {
  username: string;
  passphrase: string;
  ctx: ClientContext;
}

export interface World {
  n: TestNode;
  chainId: string;
  genesis: unknown;
  ines: WorldUser;
  raj: WorldUser;
  meera: WorldUser;
  /** A client context for `username` on another base URL (a proxy in front of the node), with its own kept heads. */
  contextAt(user: WorldUser, baseUrl: string, o?: { heads?: HeadStore; transfer?: TransferOptions }): Promise<ClientContext>;
}

export interface WorldOptions extends TestNodeOptions {
  transfer?: TransferOptions;
  /** Where each user's client gets consistency proofs (the read routes'); default: none needed until a second head. */
  consistency?: (api: ApiClient) => ConsistencySource;
}

/**
 * Consistency proofs computed from the node's data directory (its stored
 * entries, by ledger/merkle), read-only: what a client checks a new head
 * against until the node serves them over HTTP (the read routes' proof route).
 */
export function dataDirConsistency(dataDir: string): ConsistencySource {
  return async (size1, size2) => {
    const reader = LedgerReader.open(join(dataDir, DB_FILE));
    try {
      const rows = reader.entryRows(0, size2);
      // As the node's proof route answers for a size past its head.
      if (rows.length < size2) throw nodeError('QUERY_INVALID', { field: 'size', reason: 'past the head' });
      const tree = new MerkleTree(nodeSha256);
      for (const row of rows) tree.append(entryLeafHash(nodeSha256, { tx: row.txHash, outcome: row.outcome }));
      return { proof: tree.consistencyProof(size1, size2).map((h) => toHex(h)) };
    } finally {
      reader.close();
    }
  };
}

export async function startWorld(t: TestContext, o: WorldOptions = {}): Promise<World> {
  const n = await startTestNode(t, o);
  const { chainId } = await completeSetup(n);
  const genesis = n.node.dhl.setup.ledger().genesis;
  const context = async (username: string, passphrase: string, baseUrl = n.url, extra: { heads?: HeadStore; transfer?: TransferOptions } = {}) => {
    const api = new ApiClient({ baseUrl });
    const { loggedIn } = await loginAs({ ...n, api: () => api }, chainId, username, passphrase);
    const ctx: ClientContext = {
      api, chain: chainId, me: await identityOf(loggedIn), now: () => Date.now(),
      files: new FileTransfer(api, { ...o.transfer, ...extra.transfer }),
      heads: new HeadKeeper({ hash: nobleSha256, chainId, genesis, store: extra.heads ?? new MemoryHeadStore(), consistency: o.consistency?.(api) ?? dataDirConsistency(n.dataDir) }),
    };
    return ctx;
  };
  const user = async (username: string, fixture: FixtureUser | undefined, passphrase: string): Promise<WorldUser> => {
    if (fixture) await register(n.api(), { username, passphrase, keys: await fixturePairs(fixture), now: n.clock.now(), allowWeakKdf: true });
    return { username, passphrase, ctx: await context(username, passphrase) };
  };
  const ines = await user('ines', undefined, 'ines correct horse battery');
  const raj = await user('raj', 'raj', 'raj fevers passphrase');
  const meera = await user('meera', 'sara', 'meera stethoscope passphrase');
  await submitOk(ines.ctx, 'AssignRole', { username: 'meera', role: 'doctor', org: 'clinic', sigKeyId: meera.ctx.me.sig.keyId, encKeyId: meera.ctx.me.enc.keyId });
  n.markers.push('meera', 'ines');
  return {
    n, chainId, genesis, ines, raj, meera,
    contextAt: (u, baseUrl, extra) => context(u.username, u.passphrase, baseUrl, extra),
  };
}

/** A content source of `size` deterministic bytes, in pieces of at most `piece` bytes (re-openable: a resume reads it again). */
export function patterned(size: number, seed = 7, piece = 1 << 20): () => AsyncGenerator<Uint8Array> {
  return async function* () {
    for (let offset = 0; offset < size; offset += piece) {
      const n = Math.min(piece, size - offset);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = ((offset + i) * 31 + seed) & 0xff;
      yield bytes;
    }
  };
}
