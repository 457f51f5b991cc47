/**
 * Who the logged-in user is in the ledger: their keys and roles, from the
 * user lookup, checked against the head it came with (verifyUserView) before
 * anything is shown or decided from it.
 */
import { useQuery } from '@tanstack/react-query';
import { verifyUserView } from '../../../src/client/index.ts';
import type { Unlocked } from './keyring.ts';
import { readsOf, syncSha256 } from './ledger.ts';

export function useUser(unlocked: Unlocked, username: string | undefined) {
  return useQuery({
    queryKey: ['user', username],
    enabled: username !== undefined && username !== '',
    queryFn: async () => verifyUserView(syncSha256, await readsOf(unlocked).user(username!)),
    retry: false,
  });
}

export interface Roles {
  /** The organisation this user is an active, vouched admin of. */
  adminOrg?: string;
  doctorOrg?: string;
}

export function rolesOf(view: { roles: { role: string; org: string; active: boolean; vouched: boolean }[] } | undefined): Roles {
  const active = (role: string) => view?.roles.find((r) => r.role === role && r.active && r.vouched)?.org;
  const adminOrg = active('admin');
  const doctorOrg = active('doctor');
  return { ...(adminOrg ? { adminOrg } : {}), ...(doctorOrg ? { doctorOrg } : {}) };
}

export function useMe(unlocked: Unlocked) {
  const me = useUser(unlocked, unlocked.username);
  return { ...me, roles: rolesOf(me.data) };
}
