/**
 * Genesis (DESIGN §5, §13): block 0 names every organisation, its first admins
 * and its node keys, and the chain's parameters. Chain id = SHA-256 of
 * "dhl/genesis/v1\n" ‖ JCS(genesis); everything signed later includes it.
 */
import { taggedBytes, DOMAIN_TAGS } from '../crypto/canonical.ts';
import { toHex } from '../crypto/bytes.ts';
import type { SyncHash } from '../crypto/hash.ts';
import { ledgerError } from './errors.ts';
import { usernameSkeleton } from '../crypto/manifest.ts';
import { B64URL, exactKeys, int, isObject, ORG_OR_NODE_ID, str, USERNAME, type Fail } from './validate.ts';

export interface GenesisParams {
  /** Largest envelope chunk size a record may declare. */
  chunkSizeMax: number;
  /** How far past block time a transaction's notAfter may lie (the replay window W). */
  notAfterWindowMs: number;
  /** Largest transaction (header + body + sig, JSON bytes) a node admits. */
  maxTxBytes: number;
  /** Most transactions in one block. */
  maxBlockTxs: number;
  /** The longest access a grant may give or a request may ask for (ms from the block time). */
  maxGrantMs: number;
}

export interface GenesisAdmin {
  username: string;
  sigSpki: string;
  encSpki: string;
}

export interface GenesisNode {
  nodeId: string;
  sigSpki: string;
}

export interface GenesisOrg {
  org: string;
  admins: GenesisAdmin[];
  nodes: GenesisNode[];
}

export interface Genesis {
  v: 1;
  kind: 'genesis';
  time: number;
  /** 16 random bytes, base64url: two deployments with the same orgs get different chain ids. */
  salt: string;
  params: GenesisParams;
  orgs: GenesisOrg[];
}

export const DEFAULT_GENESIS_PARAMS: Readonly<GenesisParams> = Object.freeze({
  chunkSizeMax: 2 ** 24,
  notAfterWindowMs: 24 * 60 * 60 * 1000,
  maxTxBytes: 256 * 1024,
  maxBlockTxs: 1000,
  maxGrantMs: 366 * 24 * 60 * 60 * 1000,
});

const fail: Fail = (field) => ledgerError('GENESIS_INVALID', { field });

export function parseGenesis(value: unknown): Genesis {
  if (!isObject(value)) throw fail('$');
  exactKeys(value, ['v', 'kind', 'time', 'salt', 'params', 'orgs'], fail);
  if (value.v !== 1) throw fail('v');
  if (value.kind !== 'genesis') throw fail('kind');
  int(value.time, 'time', fail);
  str(value.salt, B64URL, 'salt', fail);
  const params = value.params;
  if (!isObject(params)) throw fail('params');
  exactKeys(params, ['chunkSizeMax', 'notAfterWindowMs', 'maxTxBytes', 'maxBlockTxs', 'maxGrantMs'], fail, 'params.');
  int(params.chunkSizeMax, 'params.chunkSizeMax', fail, 64);
  int(params.notAfterWindowMs, 'params.notAfterWindowMs', fail, 1);
  int(params.maxTxBytes, 'params.maxTxBytes', fail, 1024);
  int(params.maxBlockTxs, 'params.maxBlockTxs', fail, 1);
  int(params.maxGrantMs, 'params.maxGrantMs', fail, 1);
  if (!Array.isArray(value.orgs) || value.orgs.length === 0) throw fail('orgs');
  const orgNames = new Set<string>();
  const usernames = new Set<string>();
  const nodeIds = new Set<string>();
  // One key, one holder and one use: no SPKI twice among admins' sig and enc keys and nodes' keys.
  const spkis = new Set<string>();
  const freshSpki = (spki: string, field: string) => {
    if (spkis.has(spki)) throw fail(field);
    spkis.add(spki);
  };
  value.orgs.forEach((org: unknown, i: number) => {
    const at = `orgs[${i}]`;
    if (!isObject(org)) throw fail(at);
    exactKeys(org, ['org', 'admins', 'nodes'], fail, `${at}.`);
    const name = str(org.org, ORG_OR_NODE_ID, `${at}.org`, fail);
    if (orgNames.has(name)) throw fail(`${at}.org`);
    orgNames.add(name);
    if (!Array.isArray(org.admins) || org.admins.length === 0) throw fail(`${at}.admins`);
    org.admins.forEach((admin: unknown, j: number) => {
      const a = `${at}.admins[${j}]`;
      if (!isObject(admin)) throw fail(a);
      exactKeys(admin, ['username', 'sigSpki', 'encSpki'], fail, `${a}.`);
      const u = str(admin.username, USERNAME, `${a}.username`, fail);
      // Unique up to separators: two admins may not be lookalikes of each other (DESIGN §2).
      if (usernames.has(usernameSkeleton(u))) throw fail(`${a}.username`);
      usernames.add(usernameSkeleton(u));
      freshSpki(str(admin.sigSpki, B64URL, `${a}.sigSpki`, fail), `${a}.sigSpki`);
      freshSpki(str(admin.encSpki, B64URL, `${a}.encSpki`, fail), `${a}.encSpki`);
    });
    if (!Array.isArray(org.nodes) || org.nodes.length === 0) throw fail(`${at}.nodes`);
    org.nodes.forEach((node: unknown, j: number) => {
      const n = `${at}.nodes[${j}]`;
      if (!isObject(node)) throw fail(n);
      exactKeys(node, ['nodeId', 'sigSpki'], fail, `${n}.`);
      const id = str(node.nodeId, ORG_OR_NODE_ID, `${n}.nodeId`, fail);
      if (nodeIds.has(id)) throw fail(`${n}.nodeId`);
      nodeIds.add(id);
      freshSpki(str(node.sigSpki, B64URL, `${n}.sigSpki`, fail), `${n}.sigSpki`);
    });
  });
  return structuredClone(value) as unknown as Genesis;
}

/** The organisation that runs a genesis node (undefined for a node the genesis does not name). */
export function orgOfNode(genesis: Genesis, nodeId: string): string | undefined {
  return genesis.orgs.find((o) => o.nodes.some((n) => n.nodeId === nodeId))?.org;
}

export function genesisBytes(genesis: Genesis): Uint8Array {
  return taggedBytes(DOMAIN_TAGS.genesis, parseGenesis(genesis));
}

/** Chain id: lowercase hex SHA-256 of the tagged canonical genesis. */
export function chainIdOf(hash: SyncHash, genesis: Genesis): string {
  return toHex(hash(genesisBytes(genesis)));
}
