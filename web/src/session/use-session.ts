/** The unlocked keys as React state, and the idle lock while they are held. */
import { useEffect, useSyncExternalStore } from 'react';
import { IDLE_TIMEOUT_MS, watchIdle } from './idle.ts';
import { current, lock, subscribe, type Unlocked } from './keyring.ts';

export function useUnlocked(): Unlocked | null {
  return useSyncExternalStore(subscribe, current);
}

/** Locks after the idle timeout or at the session's expiry, whichever comes first. */
export function useIdleLock(unlocked: Unlocked | null): void {
  useEffect(() => {
    if (!unlocked) return undefined;
    return watchIdle({
      timeoutMs: IDLE_TIMEOUT_MS,
      expiresAt: unlocked.expiresAt,
      onIdle: () => void lock('idle'),
      onExpired: () => void lock('expired'),
    });
  }, [unlocked]);
}
