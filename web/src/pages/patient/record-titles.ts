/** The patient's own records by id, for the pages that name records (grants, audit): every page of their directory. */
import { useQuery } from '@tanstack/react-query';
import { directory } from '../../../../src/client/index.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';

export function useOwnRecords(unlocked: Unlocked) {
  return useQuery({ queryKey: ['directory', unlocked.username, 'all'], queryFn: () => directory(readsOf(unlocked), unlocked.username) });
}

/** Titles by record id; empty until loaded (the pages show the id's start meanwhile). */
export function useRecordTitles(unlocked: Unlocked): Map<string, string> {
  const records = useOwnRecords(unlocked);
  return new Map((records.data ?? []).map((r) => [r.recordId, r.title]));
}
