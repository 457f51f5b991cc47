/**
 * A patient's records (every one, listed or not) and, per record, its
 * versions with who wrote each and when; list or unlist a record for doctors
 * (a SetListing), and add a new version of it.
 */
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Title } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { bytes, date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { setListing } from '../../../../src/client/index.ts';
import { messageOf } from '../../errors.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';

export default function RecordsPage({ unlocked }: { unlocked: Unlocked }) {
  const [open, setOpen] = useState<string | undefined>();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const listing = useMutation({
    mutationFn: (r: { recordId: string; title: string; listed: boolean }) => setListing(ctxOf(unlocked), r.recordId, r.listed),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['directory', unlocked.username] }),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        My records
      </Title>
      {listing.data ? (
        <Alert color="teal" role="status" withCloseButton closeButtonLabel="Close" onClose={() => listing.reset()} title={listing.variables.listed ? 'Listed' : 'Unlisted'}>
          “{listing.variables.title}” is {listing.variables.listed ? 'now listed for doctors who look you up' : 'no longer in the directory: doctors who already hold a grant keep it'} (block{' '}
          {listing.data.height}).
        </Alert>
      ) : null}
      {listing.error ? (
        <Alert color="red" role="alert" title="Listing not changed">
          {messageOf(listing.error)}
        </Alert>
      ) : null}
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
          {
            header: 'Directory',
            cell: (r) => (
              <Group gap="xs" wrap="nowrap">
                {r.listed ? <Badge variant="light">listed for doctors</Badge> : <Badge color="gray" variant="light">not listed</Badge>}
                <Button
                  size="xs"
                  variant="subtle"
                  onClick={() => listing.mutate({ recordId: r.recordId, title: r.title, listed: !r.listed })}
                  loading={listing.isPending && listing.variables?.recordId === r.recordId}
                  aria-label={`${r.listed ? 'Unlist' : 'List'} ${r.title}`}
                >
                  {r.listed ? 'Unlist' : 'List'}
                </Button>
              </Group>
            ),
          },
          {
            header: 'Change',
            cell: (r) => (
              // A button (an action on the record), so that the record's own link is the only link named by its title.
              <Button size="xs" variant="subtle" onClick={() => void navigate(`/records/${r.recordId}/new-version`)} aria-label={`New version of ${r.title}`}>
                New version
              </Button>
            ),
          },
          {
            header: 'Versions',
            cell: (r) => (
              <Button size="xs" variant="subtle" onClick={() => setOpen(open === r.recordId ? undefined : r.recordId)} aria-expanded={open === r.recordId} aria-label={`${open === r.recordId ? 'Hide' : 'Show'} versions of ${r.title}`}>
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
