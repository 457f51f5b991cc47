/** Why the previous page locked (read once at start by main.tsx, shown on the login page). */
import type { LockReason } from './keyring.ts';

let reason: LockReason | undefined;

export function setLockReason(r: LockReason | undefined): void {
  reason = r;
}

export function lockReason(): LockReason | undefined {
  return reason;
}
