/**
 * One block of the ledger: its hash and entries root recomputed in the page,
 * its entries with their outcomes (kind, transaction hash, signer, outcome
 * in plain words), and per entry its inclusion proof checked against the
 * current head (src/client checkInclusion). Bodies are never shown: the node
 * withholds those this user may not see, and this page shows none, so no
 * record's content or metadata appears here.
 */
import { Alert, Anchor, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { checkBlock, checkInclusion, type HeadCheck } from '../../../../src/client/index.ts';
import { CheckBadge } from '../../components/CheckBadge.tsx';
import { ColumnsTable } from '../../components/ColumnsTable.tsx';
import { Fingerprint } from '../../components/Fingerprint.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { messageOf, outcomeText } from '../../errors.ts';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';
import { short } from './ExplorerPage.tsx';
import { HeadTrust } from './StatusPage.tsx';
import { useHeadCheck } from './use-head-check.ts';

type Entry = Awaited<ReturnType<ReturnType<typeof readsOf>['block']>>['entries'][number] & { txHash: string };

function InclusionCell({ unlocked, entry, head }: { unlocked: Unlocked; entry: Entry; head: HeadCheck | undefined }) {
  const prove = useMutation({ mutationFn: () => checkInclusion(readsOf(unlocked), entry, head!.head) });
  if (prove.data) {
    return (
      <Group gap={4} data-testid={`inclusion-${entry.seq}`} data-check={prove.data.ok ? 'pass' : 'fail'} data-tree-size={prove.data.treeSize}>
        <CheckBadge check={prove.data} what={`inclusion proof of entry ${entry.seq}`} />
        <Text size="xs">
          in tree size {prove.data.treeSize}
          {prove.data.proofLength !== undefined ? `, ${prove.data.proofLength} hash(es)` : ''}
        </Text>
      </Group>
    );
  }
  if (prove.error) return <Text size="sm" c="red">{messageOf(prove.error)}</Text>;
  return (
    <Button size="xs" variant="light" onClick={() => prove.mutate()} loading={prove.isPending} disabled={!head?.accepted.ok} aria-label={`Check proof of entry ${entry.seq}`}>
      Check proof
    </Button>
  );
}

export default function BlockPage({ unlocked }: { unlocked: Unlocked }) {
  const height = Number(useParams().height);
  const valid = Number.isSafeInteger(height) && height >= 0;
  const head = useHeadCheck(unlocked);
  const block = useQuery({
    queryKey: ['block', height],
    enabled: valid,
    queryFn: async () => {
      const b = await readsOf(unlocked).block(height);
      // The genesis the session's client checked when it opened (it never changes): not fetched again per block.
      return { block: b, check: await checkBlock(b, { chain: unlocked.chain, genesis: unlocked.client.genesis }) };
    },
  });
  // A block past the head checked a while ago (use-head-check's staleTime): the head moved, so check the new one; no entry is proven under the old.
  const pastHead = block.data !== undefined && head.data !== undefined && block.data.block.header.treeSize > head.data.head.header.treeSize;
  const proveUnder = pastHead ? undefined : head.data;
  const { refetch: recheckHead } = head;
  useEffect(() => {
    if (pastHead) void recheckHead();
  }, [pastHead, recheckHead]);
  if (!valid) return <Alert color="yellow" title="No such block">A block is named by its height, a whole number.</Alert>;
  const entries: Entry[] = block.data ? block.data.block.entries.map((e, i) => ({ ...e, txHash: block.data.check.txHashes[i]! })) : [];
  return (
    <Stack>
      <Title order={1} size="h2">
        Block {height}
      </Title>
      <Anchor component={Link} to="/ledger">
        Back to the blocks
      </Anchor>
      {head.data ? <HeadTrust check={head.data} /> : null}
      {head.error ? <ErrorState error={head.error} title="Could not check the ledger head" retry={() => void head.refetch()} /> : null}
      {block.isPending ? <Loading label={`Loading block ${height}…`} /> : null}
      {block.error ? <ErrorState error={block.error} title={`Could not load block ${height}`} retry={() => void block.refetch()} /> : null}
      {block.data ? (
        <>
          <Paper withBorder p="md">
            <Stack gap="xs" data-testid="block" data-block-hash={block.data.block.blockHash} data-height={block.data.block.header.height}>
              <Text size="sm">
                Recorded {date(block.data.block.header.time)}; {block.data.block.header.entryCount} entries, tree size {block.data.block.header.treeSize} after it.
              </Text>
              <Group gap="xs">
                <Text size="sm">
                  Block hash <Code className="dhl-hash">{block.data.block.blockHash}</Code>, recomputed from its header:
                </Text>
                <CheckBadge check={block.data.check.hash} what="block hash" />
              </Group>
              <Group gap="xs">
                <Text size="sm">The entries make the block’s entries root:</Text>
                <CheckBadge check={block.data.check.entries} what="entries root" />
              </Group>
            </Stack>
          </Paper>
          <ColumnsTable
            label={`entries of block ${height}`}
            minWidth={820}
            items={entries}
            rowKey={(e) => String(e.seq)}
            rowProps={(e) => ({ 'data-seq': String(e.seq), 'data-tx-type': e.tx.header.type, 'data-tx-hash': e.txHash, 'data-outcome': e.outcome })}
            columns={[
              { header: 'Entry', cell: (e) => e.seq },
              { header: 'Kind', cell: (e) => e.tx.header.type },
              { header: 'Transaction hash', cell: (e) => <Code title={e.txHash}>{short(e.txHash)}</Code> },
              {
                header: 'Signed by',
                cell: (e) => (
                  <Stack gap={2}>
                    <Text size="sm">{e.tx.header.actor}</Text>
                    <Fingerprint keyId={e.tx.header.keyId} label={`entry ${e.seq} signer`} />
                  </Stack>
                ),
              },
              { header: 'Outcome', cell: (e) => <Text size="sm" c={e.outcome === 'OK' ? undefined : 'red'}>{outcomeText(e.outcome)}</Text> },
              { header: 'Body', cell: (e) => <Text size="sm" c="dimmed">{e.tx.withheld ? 'withheld from you' : 'not shown'}</Text> },
              { header: 'Inclusion proof', cell: (e) => <InclusionCell unlocked={unlocked} entry={e} head={proveUnder} /> },
            ]}
          />
        </>
      ) : null}
    </Stack>
  );
}
