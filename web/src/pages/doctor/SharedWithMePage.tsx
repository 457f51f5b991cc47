/** Records shared with a doctor: the grants they hold, each record by its title, linked to its verify page. */
import { Anchor, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';

export default function SharedWithMePage({ unlocked }: { unlocked: Unlocked }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Shared with me
      </Title>
      <PagedTable
        label="grants you hold"
        queryKey={['grants', 'received']}
        fetchPage={(after) => readsOf(unlocked).grants({ direction: 'received', ...(after ? { after } : {}) })}
        rowKey={(g) => g.grantId}
        empty="No patient has shared a record with you yet."
        columns={[
          { header: 'Patient', cell: (g) => g.grantor },
          {
            header: 'Records',
            cell: (g) => (
              <Stack gap={2}>
                {g.records.map((id) => (
                  <RecordLink key={id} unlocked={unlocked} recordId={id} />
                ))}
              </Stack>
            ),
          },
          { header: 'Scopes', cell: (g) => g.scopes.join(', ') },
          { header: 'Until', cell: (g) => date(g.expiresAt) },
          { header: 'Status', cell: (g) => <StatusBadge status={g.status} /> },
        ]}
      />
    </Stack>
  );
}

/** The record's title as the node lists it (the verify page proves it), or its id while that loads or fails. */
function RecordLink({ unlocked, recordId }: { unlocked: Unlocked; recordId: string }) {
  const record = useQuery({ queryKey: ['record', recordId], queryFn: () => readsOf(unlocked).record(recordId) });
  const title = record.data?.versions.at(-1)?.manifest.title;
  return (
    <Anchor component={Link} to={`/records/${recordId}/verify`}>
      {title ? `“${title}”` : `record ${recordId.slice(0, 8)}…`} — verify and open
    </Anchor>
  );
}
