/**
 * The one-time setup token from the setup link's fragment (`/setup#token=…`;
 * a fragment is never sent to a server). Taken once at page start, before the
 * router renders, and removed from the address bar and history at once.
 */
let token: string | undefined;

export function takeSetupToken(): void {
  if (location.pathname !== '/setup' || !location.hash) return;
  token = /^#token=([A-Za-z0-9_-]{43})$/.exec(location.hash)?.[1];
  history.replaceState(null, '', location.pathname);
}

export function setupToken(): string | undefined {
  return token;
}
