/**
 * The chain id this browser trusts for the node that serves it: taken from
 * the node's status on first use and remembered; a different one later is
 * refused (a node whose chain changed is not the ledger this browser's user
 * registered on). DESIGN §2: the web app is served by a node, so this is only
 * as strong as that node's honesty on first use; the CLI can pin a chain id.
 */
import { DhlError } from '../../../src/client/index.ts';

const CHAIN_KEY = 'dhl.trustedChain';

export function trustedChain(announced: string): string {
  const known = localStorage.getItem(CHAIN_KEY);
  if (known === null) {
    localStorage.setItem(CHAIN_KEY, announced);
    return announced;
  }
  if (known !== announced) {
    throw new DhlError('CHAIN_CHANGED', `this node now names chain ${announced.slice(0, 16)}…, not the chain ${known.slice(0, 16)}… this browser knows it by: not logging in`);
  }
  return known;
}
