/**
 * The idle timeout (clinic workstations are shared; STYLE 13): activity is
 * recorded cheaply (a timestamp on input events), and a timer checks it
 * against the timeout, and the session's expiry, every few seconds.
 */
export const IDLE_TIMEOUT_MS = 15 * 60 * 1000;
const CHECK_EVERY_MS = 5_000;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export function watchIdle(o: { timeoutMs: number; expiresAt: number; onIdle: () => void; onExpired: () => void }): () => void {
  let last = Date.now();
  const mark = () => {
    last = Date.now();
  };
  for (const type of ACTIVITY) window.addEventListener(type, mark, { capture: true, passive: true });
  const timer = window.setInterval(() => {
    const now = Date.now();
    if (now >= o.expiresAt) o.onExpired();
    else if (now - last >= o.timeoutMs) o.onIdle();
  }, CHECK_EVERY_MS);
  return () => {
    window.clearInterval(timer);
    for (const type of ACTIVITY) window.removeEventListener(type, mark, { capture: true });
  };
}
