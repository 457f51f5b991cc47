/**
 * The verify page's checks (DESIGN §1 step 5) as the client's verifyRecord
 * makes them, in its order: the head the answer came with is signed by a
 * node of the genesis and consistent with the last head this browser kept;
 * the transaction that added the version is in the log under that head,
 * accepted; the author's signing key is theirs in the ledger; the manifest's
 * signature verifies under it; the block named holds the entry, and that
 * entry is the author's signed transaction adding this manifest. verifyRecord
 * stops at the first failure: that check fails with its reason, the ones
 * after it were not reached.
 */
import { isDhlError } from '../../../src/client/index.ts';
import { messageOf } from '../errors.ts';

export type CheckState = 'passes' | 'fails' | 'not checked';

export interface Check {
  id: 'head' | 'inclusion' | 'author-key' | 'manifest-signature' | 'block';
  name: string;
  state: CheckState;
  detail: string;
}

export const CHECK_NAMES: Record<Check['id'], string> = {
  head: 'Consistency with the last head seen',
  inclusion: 'Inclusion proof against the current head',
  'author-key': "The author's key is theirs",
  'manifest-signature': 'Manifest signature',
  block: 'Block hash',
};
const ORDER = Object.keys(CHECK_NAMES) as Check['id'][];

/** Which check an error of verifyRecord belongs to. */
export function failedCheck(err: unknown): Check['id'] {
  if (isDhlError(err) && (err.code.startsWith('HEAD_') || err.code === 'ATTESTATION_SIGNATURE_INVALID')) return 'head';
  if (isDhlError(err, 'KEY_NOT_PROVEN') || isDhlError(err, 'USER_VIEW_INVALID')) return 'author-key';
  const reason = isDhlError(err) ? String(err.details.reason ?? '') : '';
  if (reason === 'manifest signature' || reason === 'another chain') return 'manifest-signature';
  if (reason === 'the block does not hold the entry' || reason === 'the block holds another transaction there' || reason === 'the transaction does not add this version') return 'block';
  return 'inclusion';
}

/** The plain message, with the client's reason (which step of the proof) where it names one. */
function failureText(err: unknown): string {
  const reason = isDhlError(err) ? err.details.reason : undefined;
  return typeof reason === 'string' && reason !== '' ? `${messageOf(err)} (${reason})` : messageOf(err);
}

export function checksOf(passed: Partial<Record<Check['id'], string>>, failure?: { err: unknown }): Check[] {
  const failed = failure ? failedCheck(failure.err) : undefined;
  const at = failed ? ORDER.indexOf(failed) : ORDER.length;
  return ORDER.map((id, i) => ({
    id,
    name: CHECK_NAMES[id],
    state: i < at ? 'passes' : i === at ? 'fails' : 'not checked',
    detail: i < at ? (passed[id] ?? '') : i === at ? failureText(failure!.err) : 'not reached: an earlier check failed',
  }));
}
