/** Records shared with a doctor: the grants they hold, each record linked to its verify page. */
import { Anchor, Stack, Title } from '@mantine/core';
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
                  <Anchor key={id} component={Link} to={`/records/${id}/verify`} aria-label={`Verify and open record ${id}`}>
                    Verify and open {id.slice(0, 8)}…
                  </Anchor>
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
