/**
 * The DESIGN §1 cast on a real node over loopback HTTP, for client tests:
 * the first-run admins (ines, grace), patient raj and doctor meera (the
 * admin's AssignRole in the node's organisation), each registered and logged
 * in through src/client with TEST-ONLY fixture keys, each with a client
 * context of their own (API client, file transfer, identity, kept heads).
 */
import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import { register } from '../../src/client/account.ts';
import { ApiClient } from '../../src/client/api-client.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { FileTransfer, type TransferOptions } from '../../src/client/files.ts';
import { submitOk, type ClientContext } from '../../src/client/flows/context.ts';
import { consistencyFrom, openClient, type OpenedClient } from '../../src/client/flows/ledger.ts';
import { HeadKeeper, MemoryHeadStore, type HeadStore } from '../../src/client/head-store.ts';
import { Reads } from '../../src/client/reads.ts';
import { parseGenesis, type Genesis } from '../../src/ledger/index.ts';
import type { FixtureUser } from '../fixtures/keys.ts';
import { completeSetup, fixturePairs, loginAs, startTestNode, type TestNode, type TestNodeOptions } from '../api/helpers.ts';

export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface WorldUser {
  username: string;
  passphrase: string;
  ctx: ClientContext;
  /** The typed read routes, on the same API client. */
  reads: Reads;
}

export interface World {
  n: TestNode;
  chainId: string;
  genesis: Genesis;
  ines: WorldUser;
  raj: WorldUser;
  meera: WorldUser;
  /** A client of `user` on another base URL (a proxy in front of the node, the node after a restart), with its own kept heads. */
  contextAt(user: WorldUser, baseUrl: string, o?: { heads?: HeadStore; transfer?: TransferOptions }): Promise<ClientContext>;
  clientAt(user: WorldUser, baseUrl: string, o?: { heads?: HeadStore; transfer?: TransferOptions }): Promise<OpenedClient>;
  /**
   * The same logged-in client (its bearer session, identity) talking to another
   * base URL — a proxy in front of the node, a restarted or forked node — with
   * its heads kept in `heads` and its proofs from that URL.
   */
  sessionAt(user: WorldUser, baseUrl: string, heads?: HeadStore): OpenedClient;
}

export interface WorldOptions extends TestNodeOptions {
  transfer?: TransferOptions;
}

export async function startWorld(t: TestContext, o: WorldOptions = {}): Promise<World> {
  const n = await startTestNode(t, o);
  const { chainId } = await completeSetup(n);
  const genesis = parseGenesis(n.node.dhl.setup.ledger().genesis);
  const client = async (username: string, passphrase: string, baseUrl = n.url, extra: { heads?: HeadStore; transfer?: TransferOptions } = {}) => {
    const api = new ApiClient({ baseUrl });
    const { loggedIn } = await loginAs({ ...n, api: () => api }, chainId, username, passphrase);
    return openClient({ api, loggedIn, chain: chainId, heads: extra.heads ?? new MemoryHeadStore(), transfer: { ...o.transfer, ...extra.transfer } });
  };
  const user = async (username: string, fixture: FixtureUser | undefined, passphrase: string): Promise<WorldUser> => {
    if (fixture) await register(n.api(), { username, passphrase, keys: await fixturePairs(fixture), now: n.clock.now(), allowWeakKdf: true });
    const { ctx, reads } = await client(username, passphrase);
    return { username, passphrase, ctx, reads };
  };
  const ines = await user('ines', undefined, 'ines correct horse battery');
  const raj = await user('raj', 'raj', 'raj fevers passphrase');
  const meera = await user('meera', 'sara', 'meera stethoscope passphrase');
  await submitOk(ines.ctx, 'AssignRole', { username: 'meera', role: 'doctor', org: 'clinic', sigKeyId: meera.ctx.me.sig.keyId, encKeyId: meera.ctx.me.enc.keyId });
  n.markers.push('meera', 'ines');
  return {
    n, chainId, genesis, ines, raj, meera,
    contextAt: async (u, baseUrl, extra) => (await client(u.username, u.passphrase, baseUrl, extra)).ctx,
    clientAt: (u, baseUrl, extra) => client(u.username, u.passphrase, baseUrl, extra),
    sessionAt(u, baseUrl, heads = new MemoryHeadStore()) {
      const api = new ApiClient({ baseUrl, token: u.ctx.api.token! });
      const reads = new Reads(api);
      const ctx: ClientContext = {
        ...u.ctx, api, files: new FileTransfer(api, o.transfer),
        heads: new HeadKeeper({ hash: sha256, chainId, genesis, store: heads, consistency: consistencyFrom(reads) }),
      };
      return { ctx, reads, genesis };
    },
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
