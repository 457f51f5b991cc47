/**
 * The node's head, checked in this page (src/client checkHead): each
 * attestation under the genesis node keys, the consistency proof from the
 * head this browser kept (IndexedDB), then kept if newer. The status page
 * and the explorer share one query, so both show the same head.
 */
import { useQuery } from '@tanstack/react-query';
import { checkHead } from '../../../../src/client/index.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';

/**
 * How long a checked head stands for the current one while a person moves
 * between the ledger pages: without it each page fetched and verified the
 * same head again (its signatures, a consistency proof). A page that meets a
 * block past it checks again at once (BlockPage), so nothing is proven under
 * a head older than what it shows.
 */
export const HEAD_CHECK_STALE_MS = 30_000;

export function useHeadCheck(unlocked: Unlocked) {
  return useQuery({
    queryKey: ['head-check'],
    // The genesis the session's client checked when it opened: a chain's genesis never changes, so it is not asked for again.
    queryFn: () => checkHead(ctxOf(unlocked), readsOf(unlocked), unlocked.client.genesis),
    staleTime: HEAD_CHECK_STALE_MS,
    retry: false,
  });
}
