/**
 * The ledger explorer (DESIGN §5): the blocks, newest first, under the head
 * this page checked (signatures, consistency with the head this browser
 * kept). Every logged-in user may read block headers (docs/security.md), so
 * every user has this page; a block's entries are on its own page.
 */
import { Anchor, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { CheckBadge } from '../../components/CheckBadge.tsx';
import { PagedTable } from '../../components/PagedTable.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';
import { HeadTrust } from './StatusPage.tsx';
import { useHeadCheck } from './use-head-check.ts';

type BlockSummary = Awaited<ReturnType<ReturnType<typeof readsOf>['blocks']>>['items'][number];

export const short = (hex: string) => `${hex.slice(0, 16)}…`;

export default function ExplorerPage({ unlocked }: { unlocked: Unlocked }) {
  const check = useHeadCheck(unlocked);
  return (
    <Stack>
      <Title order={1} size="h2">
        Ledger explorer
      </Title>
      {check.isPending ? <Loading label="Fetching the signed head and checking it…" /> : null}
      {check.error ? <ErrorState error={check.error} title="Could not check the ledger head" retry={() => void check.refetch()} /> : null}
      {check.data ? (
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Group gap="xs">
              <Text size="sm" data-testid="head" data-tree-size={check.data.head.header.treeSize} data-height={check.data.head.header.height}>
                Current head: block {check.data.head.header.height}, tree size {check.data.head.header.treeSize}. Signed by{' '}
                {check.data.attestations.map((a) => a.nodeId).join(', ')}:
              </Text>
              {check.data.attestations.map((a) => (
                <CheckBadge key={a.keyId} check={a} what={`signature of node ${a.nodeId}`} />
              ))}
            </Group>
            <HeadTrust check={check.data} />
          </Stack>
        </Paper>
      ) : null}
      <PagedTable<BlockSummary>
        label="blocks"
        queryKey={['blocks']}
        fetchPage={(after) => readsOf(unlocked).blocks(after === undefined ? {} : { after })}
        rowKey={(b) => b.blockHash}
        empty="No blocks yet."
        columns={[
          {
            header: 'Block',
            cell: (b) => (
              <Anchor component={Link} to={`/ledger/blocks/${b.header.height}`}>
                Block {b.header.height}
              </Anchor>
            ),
          },
          { header: 'Time', cell: (b) => date(b.header.time) },
          { header: 'Entries', cell: (b) => b.header.entryCount },
          { header: 'Tree size', cell: (b) => b.header.treeSize },
          { header: 'Block hash', cell: (b) => <Code title={b.blockHash}>{short(b.blockHash)}</Code> },
        ]}
      />
    </Stack>
  );
}
