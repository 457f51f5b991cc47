/**
 * A deliberately naive oracle for "may X read version V of R at time t",
 * decided straight from the list of accepted transactions (no state, no terms,
 * no indexes), to cross-check the contract's `mayRead` (STYLE §10). It
 * restates DESIGN §6 and the contract README: the owner reads every version
 * that exists; anyone else reads V only
 * - under the latest grant to X naming R, not revoked since, not expired at t,
 *   or under the latest contribute grant from R's owner to X (same conditions)
 *   if X wrote V; in both cases no revocation of X's doctor role since the
 *   grant, and X now a doctor whose role names X's current keys;
 * - and only if some accepted transaction wrapped V of R for an enc key X ever registered.
 */
import type { ContractTx } from '../../src/contract/index.ts';

// Bodies of accepted transactions are well-formed, so the oracle reads them loosely.
type Body = Record<string, any>;
type Entry = { type: string; actor: string; b: Body };

/** Does grant entry `at` (to x) stand at t: unexpired, not revoked by `revokes`, and x's doctor role not revoked since? */
function stands(txs: Entry[], at: number, x: string, t: number, revokes: (e: Entry) => boolean): boolean {
  if (at < 0 || txs[at]!.b.expiresAt <= t) return false;
  const after = txs.slice(at + 1);
  return !after.some(revokes) && !after.some((e) => e.type === 'RevokeRole' && e.b.username === x && e.b.role === 'doctor');
}

export function oracleMayRead(accepted: readonly ContractTx[], x: string, r: string, v: number, t: number): boolean {
  const txs: Entry[] = accepted.map((tx) => ({ type: tx.header.type, actor: tx.header.actor, b: tx.body as Body }));
  const added = txs.filter((e) => (e.type === 'AddRecord' || e.type === 'AddRecordVersion') && e.b.manifest.recordId === r);
  if (added.length === 0) return false;
  const owner = added[0]!.b.manifest.patient;
  const version = added.find((e) => e.b.manifest.version === v);
  if (!version) return false;
  if (x === owner) return true;

  const byOwnerTo = (e: Entry) => e.type === 'GrantAccess' && e.actor === owner && e.b.grantee === x;
  const readAt = txs.findLastIndex((e) => byOwnerTo(e) && e.b.keys.some((k: Body) => k.recordId === r));
  const readStands = stands(txs, readAt, x, t, (e) => e.type === 'RevokeAccess' && e.actor === owner && e.b.grantee === x && (!e.b.recordIds || e.b.recordIds.includes(r)));
  const contributeAt = txs.findLastIndex((e) => byOwnerTo(e) && e.b.scopes.includes('contribute'));
  const contributeStands = version.actor === x &&
    stands(txs, contributeAt, x, t, (e) => e.type === 'RevokeAccess' && e.actor === owner && e.b.grantee === x && !e.b.recordIds);
  if (!readStands && !contributeStands) return false;

  const lastKeys = txs.findLast((e) => (e.type === 'RegisterUser' || e.type === 'RotateKeys') && e.actor === x)?.b;
  const lastAssign = txs.findLast((e) => e.type === 'AssignRole' && e.b.username === x && e.b.role === 'doctor')?.b;
  if (!lastKeys || !lastAssign || lastAssign.sigKeyId !== lastKeys.sigKeyId || lastAssign.encKeyId !== lastKeys.encKeyId) return false;

  const xKeys = new Set(txs.filter((e) => (e.type === 'RegisterUser' || e.type === 'RotateKeys') && e.actor === x).map((e) => e.b.encKeyId));
  const wraps = txs.flatMap((e) =>
    e.type === 'GrantAccess' ? e.b.keys : e.type === 'AddRecord' || e.type === 'AddRecordVersion' ? e.b.wrappedKeys : []) as Body[];
  return wraps.some((w) => w.recordId === r && w.version === v && xKeys.has(w.keyId));
}
