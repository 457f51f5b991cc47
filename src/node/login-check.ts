/**
 * The node's half of the login challenge (DESIGN §9): the signature must
 * verify under the user's current registered sig key, as the ledger's state
 * says (never a key the client names).
 */
import { fromBase64url, importSpki } from '../crypto/index.ts';
import { KEY, type StateView } from '../contract/index.ts';
import { isLoginSignatureValid, type LoginChallenge } from '../ledger/index.ts';

/** The current sig key of a registered user, as SPKI (base64url); undefined for an unknown user. */
export function currentSigSpki(view: StateView, username: string): string | undefined {
  const user = view.get(KEY.user(username)) as { sigKeyId?: unknown } | undefined;
  if (typeof user?.sigKeyId !== 'string') return undefined;
  const key = view.get(KEY.key(user.sigKeyId)) as { spki?: unknown; use?: unknown; username?: unknown } | undefined;
  return key?.use === 'sig' && key.username === username && typeof key.spki === 'string' ? key.spki : undefined;
}

export async function verifyLoginSignature(view: StateView, challenge: LoginChallenge, sig: string): Promise<boolean> {
  const spki = currentSigSpki(view, challenge.username);
  if (!spki) return false;
  return isLoginSignatureValid(challenge, sig, await importSpki('sig', fromBase64url(spki)));
}

/** Whether the user is registered on the ledger. */
export function isRegistered(view: StateView, username: string): boolean {
  return view.get(KEY.user(username)) !== undefined;
}
