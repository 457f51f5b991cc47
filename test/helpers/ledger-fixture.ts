/**
 * A ledger for tests: a genesis naming the fixture admin and node keys, a
 * data directory in a temp folder, and actors that sign real transactions.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePem, toBase64url, toHex, randomBytes, type JsonValue } from '../../src/crypto/index.ts';
import { createTx, DEFAULT_GENESIS_PARAMS, txToJson, type Genesis, type SignedTx } from '../../src/ledger/index.ts';
import { DB_FILE, initDataDir, sha256 } from '../../src/node/index.ts';
import { DatabaseSync } from 'node:sqlite';
import { fixtureKey, fixtureKeyPath, type FixtureUser } from '../fixtures/keys.ts';
import { tempDir } from './temp.ts';

export const T0 = 1795000000000;

export async function spkiOf(user: FixtureUser, use: 'enc' | 'sig'): Promise<string> {
  return toBase64url(decodePem('public', (await fixtureKey(user, use)).publicPem));
}

export async function testGenesis(time = T0): Promise<Genesis> {
  return {
    v: 1,
    kind: 'genesis',
    time,
    salt: toBase64url(randomBytes(16)),
    params: { ...DEFAULT_GENESIS_PARAMS },
    orgs: [
      {
        org: 'city-hospital',
        admins: [{ username: 'admin', sigSpki: await spkiOf('admin', 'sig'), encSpki: await spkiOf('admin', 'enc') }],
        nodes: [{ nodeId: 'node1', sigSpki: await spkiOf('node1', 'sig') }],
      },
    ],
  };
}

/** A fresh data directory initialised with the test genesis and a node's fixture key (node1's by default). */
export async function testDataDir(genesis?: Genesis, node: 'node1' | 'node2' = 'node1'): Promise<{ dataDir: string; genesis: Genesis; chainId: string }> {
  const dataDir = tempDir('node');
  const g = genesis ?? (await testGenesis());
  const { chainId } = await initDataDir(dataDir, g);
  copyFileSync(fixtureKeyPath(node, 'sig', 'private'), join(dataDir, 'node-key.pem'));
  copyFileSync(fixtureKeyPath(node, 'sig', 'public'), join(dataDir, 'node-key.public.pem'));
  return { dataDir, genesis: g, chainId };
}

/** The test genesis with node2 beside node1 in its organisation: two nodes that order through one log. */
export async function twoNodeGenesis(time = T0): Promise<Genesis> {
  const g = await testGenesis(time);
  g.orgs[0]!.nodes.push({ nodeId: 'node2', sigSpki: await spkiOf('node2', 'sig') });
  return g;
}

/** The test genesis and a second organisation, river-clinic, with admin2 and node2: for "an admin of another organisation". */
export async function twoOrgGenesis(time = T0): Promise<Genesis> {
  const g = await testGenesis(time);
  g.orgs.push({
    org: 'river-clinic',
    admins: [{ username: 'admin2', sigSpki: await spkiOf('admin2', 'sig'), encSpki: await spkiOf('admin2', 'enc') }],
    nodes: [{ nodeId: 'node2', sigSpki: await spkiOf('node2', 'sig') }],
  });
  return g;
}

/** Signs transactions as a fixture user. */
export class Actor {
  constructor(readonly user: FixtureUser, readonly chain: string) {}

  async keys() {
    return { sig: await fixtureKey(this.user, 'sig'), enc: await fixtureKey(this.user, 'enc') };
  }

  async tx(type: string, body: JsonValue, opts: { notAfter?: number; nonce?: string; time?: number } = {}): Promise<SignedTx> {
    const { sig } = await this.keys();
    const tx = await createTx(
      sha256,
      { chain: this.chain, type, actor: this.user, keyId: sig.keyId, body, notAfter: opts.notAfter ?? T0 + 3_600_000, time: opts.time ?? T0, nonce: opts.nonce ?? toHex(randomBytes(16)) },
      sig.privateKey,
    );
    return txToJson(tx) as SignedTx;
  }

  async register(): Promise<SignedTx> {
    const { sig, enc } = await this.keys();
    return this.tx('RegisterUser', {
      username: this.user, encSpki: await spkiOf(this.user, 'enc'), encKeyId: enc.keyId, sigSpki: await spkiOf(this.user, 'sig'), sigKeyId: sig.keyId,
    });
  }
}

/**
 * Removes a data directory's last block and every row of it, consistently (a
 * rollback as an operator could do it); `admin rebuild-state` then rebuilds
 * the derived tables to match.
 */
export function removeLastBlock(dataDir: string): void {
  const db = new DatabaseSync(join(dataDir, DB_FILE));
  try {
    const { height, first_seq: firstSeq } = db.prepare('SELECT height, first_seq FROM blocks ORDER BY height DESC LIMIT 1').get() as { height: number; first_seq: number };
    db.exec('BEGIN');
    db.prepare('DELETE FROM bodies WHERE seq >= ?').run(firstSeq);
    db.prepare('DELETE FROM entries WHERE seq >= ?').run(firstSeq);
    for (const table of ['block_writes', 'attestations', 'blocks']) db.prepare(`DELETE FROM ${table} WHERE height = ?`).run(height);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
