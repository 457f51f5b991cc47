/**
 * An admin's role flows (DESIGN §1 step 1, contract README "Roles, terms and
 * grants"): who holds a role, as the ledger proves it, and RevokeRole. The
 * CLI (`dhl admin revoke-role`) and the web app's users page both revoke
 * through `revokeRole`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fingerprint } from '../../crypto/index.ts';
import type { TxResult } from '../../protocol/index.ts';
import { clientError } from '../errors.ts';
import { verifyUserView, type Reads } from '../reads.ts';
import { submitOk, type ClientContext } from './context.ts';
import { acceptHead } from './ledger.ts';

export type RoleName = 'doctor' | 'admin';

/** A user's keys and roles as the ledger proves them (verifyUserView), under a head the keeper accepted. */
export async function provenUser(ctx: ClientContext, reads: Reads, username: string) {
  const view = await verifyUserView(sha256, await reads.user(username));
  await acceptHead(ctx, view.head);
  return view;
}

/** An active role and the keys its AssignRole vouched for: what an admin compares before revoking. */
export interface RoleHolder {
  username: string;
  role: RoleName;
  org: string;
  sigKeyId: string;
  encKeyId: string;
  /** Of `sigKeyId`, computed here, never the node's text. */
  fingerprint: string;
  /** Whether the role still names the user's current keys (only then may they act in it). */
  vouched: boolean;
  /** The block of the AssignRole that vouched for the keys (a genesis admin's role has none). */
  assignedAt?: number;
}

/** The user's active `role` in `org`, proven; undefined when they hold none. */
export async function roleHolder(ctx: ClientContext, reads: Reads, username: string, role: RoleName, org: string): Promise<RoleHolder | undefined> {
  const view = await provenUser(ctx, reads, username);
  const held = view.roles.find((r) => r.role === role && r.org === org && r.active);
  if (!held) return undefined;
  return {
    username, role, org, sigKeyId: held.sigKeyId, encKeyId: held.encKeyId, fingerprint: fingerprint(held.sigKeyId), vouched: held.vouched,
    ...(held.assignedBy ? { assignedAt: held.assignedBy.entry.height } : {}),
  };
}

/**
 * Signs and submits a RevokeRole: it ends the user's term in the role, so
 * every grant and pending request issued to them in it is void for good
 * (GRANT_VOID), even if the role is assigned again. With `confirmed` (the
 * sig key id whose fingerprint the admin was shown), the role is proven
 * again first and must still name that key: a role assigned anew with other
 * keys, or with the same keys in a new term (another AssignRole block), in
 * the meantime is ROLE_CHANGED, and nothing is signed.
 */
export async function revokeRole(
  ctx: ClientContext,
  reads: Reads,
  target: { username: string; role: RoleName; org: string },
  confirmed?: { sigKeyId: string; assignedAt?: number },
): Promise<TxResult> {
  if (confirmed) {
    const holder = await roleHolder(ctx, reads, target.username, target.role, target.org);
    // The same keys in a new term (revoked and assigned again meanwhile) is another role than the one confirmed.
    const reason = !holder ? 'not held' : holder.sigKeyId !== confirmed.sigKeyId ? 'other keys' : holder.assignedAt !== confirmed.assignedAt ? 'assigned again' : undefined;
    if (reason) throw clientError('ROLE_CHANGED', { username: target.username, role: target.role, org: target.org, reason });
  }
  return submitOk(ctx, 'RevokeRole', { username: target.username, role: target.role, org: target.org });
}
