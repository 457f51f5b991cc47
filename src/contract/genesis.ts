/**
 * The state implied by the genesis document (DESIGN §5, §13): each
 * organisation with its node keys, and each first admin's admin role with the
 * key ids the genesis names, so their RegisterUser in block 1 makes them
 * admins of their organisation. These writes are not in any block: every node
 * derives them from the genesis, whose hash is the chain id.
 */
import { KEY } from './keys.ts';
import { PATTERNS } from './parse.ts';
import { compareUtf8 } from '../crypto/bytes.ts';
import { usernameSkeleton } from '../crypto/manifest.ts';
import type { KeyState, NodeKeyState, OrgState, RoleState, StateWrite } from './types.ts';

/** A first admin, with key ids computed by the caller (SHA-256 of each SPKI, DESIGN §4). */
export type GenesisAdmin = { username: string; sigSpki: string; sigKeyId: string; encSpki: string; encKeyId: string };
export type GenesisNode = { nodeId: string; sigKeyId: string };
export type GenesisOrg = { org: string; admins: readonly GenesisAdmin[]; nodes: readonly GenesisNode[] };
/** The genesis document's fields the contract needs; the rest (v, kind, salt, params) may be present and are ignored. */
export type GenesisInput = { time: number; orgs: readonly GenesisOrg[] };

const NODE_ID = /^[a-z0-9._-]{1,64}$/;

function need(ok: boolean, what: string): void {
  if (!ok) throw new TypeError(`genesis: invalid ${what}`);
}

/** Throws a TypeError naming the first bad field: a bad genesis is the operator's error, not a transaction's. */
function checkGenesis(genesis: GenesisInput): void {
  need(Number.isSafeInteger(genesis?.time) && genesis.time >= 0, 'time');
  need(Array.isArray(genesis.orgs) && genesis.orgs.length > 0, 'orgs');
  const orgs = new Set<string>();
  const admins = new Set<string>();
  const keyIds = new Set<string>();
  const fresh = (set: Set<string>, value: string, what: string) => {
    need(!set.has(value), `${what} (duplicate)`);
    set.add(value);
  };
  genesis.orgs.forEach((o, i) => {
    need(typeof o?.org === 'string' && PATTERNS.org.test(o.org), `orgs[${i}].org`);
    fresh(orgs, o.org, `orgs[${i}].org`);
    need(Array.isArray(o.admins) && o.admins.length > 0, `orgs[${i}].admins`);
    need(Array.isArray(o.nodes), `orgs[${i}].nodes`);
    o.admins.forEach((a, j) => {
      const at = `orgs[${i}].admins[${j}]`;
      need(typeof a?.username === 'string' && PATTERNS.username.test(a.username), `${at}.username`);
      fresh(admins, usernameSkeleton(a.username), `${at}.username (or a lookalike)`);
      for (const f of ['sigKeyId', 'encKeyId'] as const) {
        need(typeof a[f] === 'string' && PATTERNS.hex64.test(a[f]), `${at}.${f}`);
        fresh(keyIds, a[f], `${at}.${f}`);
      }
      for (const f of ['sigSpki', 'encSpki'] as const) need(typeof a[f] === 'string' && PATTERNS.base64url.test(a[f]), `${at}.${f}`);
    });
    o.nodes.forEach((n, j) => {
      need(typeof n?.nodeId === 'string' && NODE_ID.test(n.nodeId), `orgs[${i}].nodes[${j}].nodeId`);
      need(typeof n.sigKeyId === 'string' && PATTERNS.hex64.test(n.sigKeyId), `orgs[${i}].nodes[${j}].sigKeyId`);
      // A node's key is nobody's user key, an admin's included.
      fresh(keyIds, n.sigKeyId, `orgs[${i}].nodes[${j}].sigKeyId`);
    });
  });
}

/**
 * The initial state writes, sorted by key. Node key ids are reserved for
 * their nodes; admin key ids and username skeletons under the admin's name (a genesis admin's enc key is
 * public in the genesis, so nobody else may register it, or a lookalike name, first).
 */
export function genesisWrites(genesis: GenesisInput): StateWrite[] {
  checkGenesis(genesis);
  const writes: StateWrite[] = [];
  for (const o of genesis.orgs) {
    const org: OrgState = { org: o.org, nodes: o.nodes.map((n) => ({ nodeId: n.nodeId, sigKeyId: n.sigKeyId })) };
    writes.push([KEY.org(o.org), org]);
    for (const n of o.nodes) {
      const nodeKey: NodeKeyState = { keyId: n.sigKeyId, org: o.org, nodeId: n.nodeId };
      writes.push([KEY.nodeKey(n.sigKeyId), nodeKey]);
    }
    for (const a of o.admins) {
      const role: RoleState = {
        username: a.username, role: 'admin', org: o.org, sigKeyId: a.sigKeyId, encKeyId: a.encKeyId,
        term: 1, active: true, assignedBy: '', since: genesis.time,
      };
      writes.push([KEY.role(a.username, 'admin'), role]);
      writes.push([KEY.skeleton(usernameSkeleton(a.username)), a.username]);
      const key = (keyId: string, use: 'sig' | 'enc', spki: string): KeyState => ({ keyId, username: a.username, use, spki, since: genesis.time, txHash: '' });
      writes.push([KEY.key(a.sigKeyId), key(a.sigKeyId, 'sig', a.sigSpki)]);
      writes.push([KEY.key(a.encKeyId), key(a.encKeyId, 'enc', a.encSpki)]);
    }
  }
  return writes.sort(([a], [b]) => compareUtf8(a, b));
}
