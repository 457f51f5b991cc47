/**
 * The audit timeline (DESIGN §1 step 6): who opened my records, when, under
 * which grant — refused attempts included — from each record's trail on the
 * ledger (src/client/flows: auditTrail), newest first; one record or all.
 */
import { Badge, Code, Select, Stack, Text, Title } from '@mantine/core';
import { ColumnsTable } from '../../components/ColumnsTable.tsx';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { OutcomeWords } from '../../components/OutcomeWords.tsx';
import { Empty, ErrorState, Loading } from '../../components/States.tsx';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { auditTrail } from '../../../../src/client/index.ts';
import { readsOf } from '../../session/ledger.ts';
import { useOwnRecords } from './record-titles.ts';

type Item = Awaited<ReturnType<typeof auditTrail>>[number] & { recordId: string };

/** What an entry's transaction did, as a person says it. */
const ACTIONS: Record<string, string> = {
  RecordRead: 'opened', AddRecord: 'added', AddRecordVersion: 'added a version of', SetListing: 'listed or unlisted', GrantAccess: 'granted access to',
  RevokeAccess: 'revoked access to', RequestAccess: 'asked for',
};

const ALL = 'all';

export default function AuditPage({ unlocked }: { unlocked: Unlocked }) {
  const records = useOwnRecords(unlocked);
  const [chosen, setChosen] = useState<string>(ALL);
  const ids = chosen === ALL ? (records.data ?? []).map((r) => r.recordId) : [chosen];
  const trail = useQuery({
    queryKey: ['audit', ids],
    enabled: records.isSuccess,
    queryFn: async () => {
      const items: Item[] = [];
      for (const recordId of ids) for (const e of await auditTrail(readsOf(unlocked), { record: recordId })) items.push({ ...e, recordId });
      return items.sort((a, b) => b.seq - a.seq);
    },
  });
  const titles = new Map((records.data ?? []).map((r) => [r.recordId, r.title]));
  return (
    <Stack>
      <Title order={1} size="h2">
        Audit: who opened my records
      </Title>
      {records.isPending ? <Loading label="Loading your records…" /> : null}
      {records.error ? <ErrorState error={records.error} title="Could not load your records" retry={() => void records.refetch()} /> : null}
      {records.data ? (
        <Select
          label="Record"
          value={chosen}
          onChange={(v) => setChosen(v ?? ALL)}
          allowDeselect={false}
          data={[{ value: ALL, label: 'All my records' }, ...records.data.map((r) => ({ value: r.recordId, label: r.title }))]}
          maw={420}
        />
      ) : null}
      {records.data && records.data.length === 0 ? <Empty>You have no records yet, so nobody has opened one.</Empty> : null}
      {trail.isPending && records.isSuccess && ids.length > 0 ? <Loading label="Loading the audit trail…" /> : null}
      {trail.error ? <ErrorState error={trail.error} title="Could not load the audit trail" retry={() => void trail.refetch()} /> : null}
      {trail.data && trail.data.length === 0 && ids.length > 0 ? <Empty>Nothing has happened to this record yet.</Empty> : null}
      {trail.data && trail.data.length > 0 ? (
        <ColumnsTable
          label="audit trail"
          minWidth={640}
          items={trail.data}
          rowKey={(e) => `${e.recordId}-${e.seq}`}
          rowProps={(e) => ({ 'data-audit-type': e.tx.header.type, 'data-audit-actor': e.tx.header.actor, 'data-audit-outcome': e.outcome })}
          columns={[
            { header: 'When', cell: (e) => date(e.time) },
            { header: 'Who', cell: (e) => (e.tx.header.actor === unlocked.username ? 'you' : e.tx.header.actor) },
            { header: 'Did', cell: (e) => ACTIONS[e.tx.header.type] ?? e.tx.header.type },
            { header: 'Record', cell: (e) => titles.get(e.recordId) ?? e.recordId },
            {
              header: 'Under grant',
              cell: (e) => (e.grantId ? <Code title={e.grantId}>{e.grantId.slice(0, 12)}…</Code> : <Text c="dimmed" size="sm">—</Text>),
            },
            {
              header: 'Outcome',
              cell: (e) =>
                e.outcome === 'OK' ? (
                  <Badge color="teal" variant="light">accepted</Badge>
                ) : (
                  <>
                    <Badge color="red" variant="light">refused</Badge>{' '}
                    <Text span size="sm">
                      <OutcomeWords code={e.outcome} />
                    </Text>
                  </>
                ),
            },
          ]}
        />
      ) : null}
    </Stack>
  );
}
