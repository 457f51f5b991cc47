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

export function useHeadCheck(unlocked: Unlocked) {
  return useQuery({ queryKey: ['head-check'], queryFn: () => checkHead(ctxOf(unlocked), readsOf(unlocked)), retry: false });
}
