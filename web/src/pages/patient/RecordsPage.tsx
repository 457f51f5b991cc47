/** A patient's records (every one, listed or not) and, per record, its versions with who wrote each and when. */
import { Anchor, Badge, Button, Paper, Stack, Table, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { bytes, date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';

export default function RecordsPage({ unlocked }: { unlocked: Unlocked }) {
  const [open, setOpen] = useState<string | undefined>();
  return (
    <Stack>
      <Title order={1} size="h2">
        My records
      </Title>
      <PagedTable
        label="your records"
        queryKey={['directory', unlocked.username]}
        fetchPage={(after) => readsOf(unlocked).directory(unlocked.username, after ? { after } : {})}
        rowKey={(r) => r.recordId}
        empty="You have no records yet. Upload one to keep it here, encrypted."
        columns={[
          {
            header: 'Title',
            cell: (r) => (
              <Anchor component={Link} to={`/records/${r.recordId}/verify`}>
                {r.title}
              </Anchor>
            ),
          },
          { header: 'Type', cell: (r) => r.mediaType },
          { header: 'Size', cell: (r) => bytes(r.size) },
          { header: 'Date', cell: (r) => date(r.createdAt) },
          { header: 'Version', cell: (r) => r.version },
          { header: 'Directory', cell: (r) => (r.listed ? <Badge variant="light">listed for doctors</Badge> : <Badge color="gray" variant="light">not listed</Badge>) },
          {
            header: 'Versions',
            cell: (r) => (
              <Button size="xs" variant="subtle" onClick={() => setOpen(open === r.recordId ? undefined : r.recordId)} aria-expanded={open === r.recordId} aria-label={`Versions of ${r.title}`}>
                {open === r.recordId ? 'Hide' : 'Show'}
              </Button>
            ),
          },
        ]}
      />
      {open ? <Versions unlocked={unlocked} recordId={open} /> : null}
    </Stack>
  );
}

function Versions({ unlocked, recordId }: { unlocked: Unlocked; recordId: string }) {
  const record = useQuery({ queryKey: ['record', recordId], queryFn: () => readsOf(unlocked).record(recordId) });
  if (record.isPending) return <Loading label="Loading the versions…" />;
  if (record.error) return <ErrorState error={record.error} title="Could not load the versions" retry={() => void record.refetch()} />;
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Versions of “{record.data.versions.at(-1)?.manifest.title}”
      </Title>
      <Table aria-label="versions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Version</Table.Th>
            <Table.Th scope="col">Title</Table.Th>
            <Table.Th scope="col">Author</Table.Th>
            <Table.Th scope="col">Size</Table.Th>
            <Table.Th scope="col">Added</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {record.data.versions.map((v) => (
            <Table.Tr key={v.version}>
              <Table.Td>{v.version}</Table.Td>
              <Table.Td>{v.manifest.title}</Table.Td>
              <Table.Td>{v.manifest.author}</Table.Td>
              <Table.Td>{bytes(v.manifest.size)}</Table.Td>
              <Table.Td>{date(v.addedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
