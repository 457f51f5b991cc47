/** What every rule gets: the state as this transaction sees it, the transaction, the block. */
import type { RejectCode } from '../codes.ts';
import type { OverlayView } from '../state.ts';
import type { Accepted, BlockContext, ContractTx, Outcome, Rejected } from '../types.ts';

export interface Scope {
  /** Reads see this transaction's own earlier writes; if the rule rejects, its writes are dropped. */
  readonly state: OverlayView;
  readonly tx: ContractTx;
  readonly block: BlockContext;
  /** The authenticated actor: `header.keyId` is their current sig key (checked before any rule runs). */
  readonly actor: string;
  /** Block time, the only clock. */
  readonly now: number;
}

export type Rule<B> = (scope: Scope, body: B) => Outcome;

export const ACCEPTED: Accepted = Object.freeze({ ok: true });

export function reject(code: RejectCode): Rejected {
  return { ok: false, code };
}
