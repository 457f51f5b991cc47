/**
 * A deliberately naive oracle for "may X read R at time t", decided straight
 * from the list of accepted transactions (no state, no terms, no indexes), to
 * cross-check the contract's `mayRead` (STYLE §10). It restates DESIGN §6:
 * the owner and the authors may read; anyone else needs the latest grant on R
 * to X, not revoked since, not expired at t, no revocation of X's doctor role
 * since it was issued, and X now a doctor whose role names X's current keys.
 */
import type { ContractTx } from '../../src/contract/index.ts';

// Bodies of accepted transactions are well-formed, so the oracle reads them loosely.
type Body = Record<string, any>;

export function oracleMayRead(accepted: readonly ContractTx[], x: string, r: string, t: number): boolean {
  const txs = accepted.map((tx) => ({ type: tx.header.type, actor: tx.header.actor, b: tx.body as Body }));
  const added = txs.filter((e) => (e.type === 'AddRecord' || e.type === 'AddRecordVersion') && e.b.manifest.recordId === r);
  if (added.length === 0) return false;
  const owner = added[0]!.b.manifest.patient;
  if (x === owner || added.some((e) => e.actor === x)) return true;

  const grantAt = txs.findLastIndex((e) => e.type === 'GrantAccess' && e.actor === owner && e.b.grantee === x && e.b.keys.some((k: Body) => k.recordId === r));
  if (grantAt < 0 || txs[grantAt]!.b.expiresAt <= t) return false;
  const after = txs.slice(grantAt + 1);
  const revoked = after.some((e) => e.type === 'RevokeAccess' && e.actor === owner && e.b.grantee === x && (!e.b.recordIds || e.b.recordIds.includes(r)));
  const roleRevoked = after.some((e) => e.type === 'RevokeRole' && e.b.username === x && e.b.role === 'doctor');
  if (revoked || roleRevoked) return false;

  const lastKeys = txs.findLast((e) => (e.type === 'RegisterUser' || e.type === 'RotateKeys') && e.actor === x)?.b;
  const lastAssign = txs.findLast((e) => e.type === 'AssignRole' && e.b.username === x && e.b.role === 'doctor')?.b;
  return !!lastKeys && !!lastAssign && lastAssign.sigKeyId === lastKeys.sigKeyId && lastAssign.encKeyId === lastKeys.encKeyId;
}
