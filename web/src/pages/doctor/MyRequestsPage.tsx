/** A doctor's requests and their status (pending, granted, denied, withdrawn, lapsed). */
import { Stack, Title } from '@mantine/core';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { date, duration } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';

export default function MyRequestsPage({ unlocked }: { unlocked: Unlocked }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        My requests
      </Title>
      <PagedTable
        label="requests you made"
        queryKey={['requests', 'outgoing']}
        fetchPage={(after) => readsOf(unlocked).requests({ direction: 'outgoing', ...(after ? { after } : {}) })}
        rowKey={(r) => r.requestId}
        empty="You have not requested access to any record yet. Find a patient's records in the directory."
        columns={[
          { header: 'Patient', cell: (r) => r.patient },
          { header: 'Records', cell: (r) => (r.records === 'all' ? 'all' : r.records.length) },
          { header: 'Purpose', cell: (r) => r.purpose },
          { header: 'Duration', cell: (r) => duration(r.durationMs) },
          { header: 'Asked', cell: (r) => date(r.createdAt) },
          { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
        ]}
      />
    </Stack>
  );
}
