/**
 * Node and ledger status (DESIGN §2, §5): what /v1/status announces, and
 * the signed head as this page checked it — each node attestation under the
 * genesis node keys, the consistency proof from the head this browser kept
 * before — not as the node says it.
 */
import { Alert, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { HeadCheck } from '../../../../src/client/index.ts';
import { CheckBadge } from '../../components/CheckBadge.tsx';
import { ColumnsTable } from '../../components/ColumnsTable.tsx';
import { Fingerprint } from '../../components/Fingerprint.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { pageApi } from '../../session/login-flow.ts';
import { useHeadCheck } from './use-head-check.ts';

/** The consistency proof from the kept head, and whether the keeper took the head: the lines both ledger pages show. */
export function HeadTrust({ check }: { check: HeadCheck }) {
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm">Consistency with the last head this browser kept:</Text>
        {check.consistency ? (
          <>
            <CheckBadge check={check.consistency} what="consistency proof" />
            <Text size="sm" data-testid="consistency" data-from={check.consistency.from} data-to={check.consistency.to} data-proof-length={check.consistency.proofLength}>
              {check.consistency.from === check.consistency.to
                ? `the same tree size as the head kept (${check.consistency.to}): its header is compared, no proof is needed`
                : `tree size ${check.consistency.from} → ${check.consistency.to}${check.consistency.proofLength !== undefined ? `, ${check.consistency.proofLength} hash(es) in the proof` : ''}`}
            </Text>
          </>
        ) : (
          <Text size="sm">none kept yet: this head is the first this browser keeps</Text>
        )}
      </Group>
      {check.accepted.ok ? null : (
        <Alert color="red" role="alert" title="This head is refused">
          The node’s head does not check out ({check.accepted.code}): nothing it says about the ledger is believed. Tell your administrator.
        </Alert>
      )}
    </Stack>
  );
}

function Row({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row">{name}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

export default function StatusPage({ unlocked }: { unlocked: Unlocked }) {
  const status = useQuery({ queryKey: ['status'], queryFn: () => pageApi().call('status') });
  const check = useHeadCheck(unlocked);
  return (
    <Stack>
      <Title order={1} size="h2">
        Node and ledger status
      </Title>
      {check.isPending ? <Loading label="Fetching the signed head and checking it…" /> : null}
      {check.error ? <ErrorState error={check.error} title="Could not check the ledger head" retry={() => void check.refetch()} /> : null}
      {check.data ? (
        <Paper withBorder p="md">
          <Stack>
            <Title order={2} size="h4">
              The signed head
            </Title>
            <Table aria-label="ledger head" data-testid="head" data-height={check.data.head.header.height} data-tree-size={check.data.head.header.treeSize} data-block-hash={check.data.head.blockHash}>
              <Table.Tbody>
                <Row name="Chain id">
                  <Code className="dhl-hash">{unlocked.chain}</Code>
                </Row>
                <Row name="Height">{check.data.head.header.height}</Row>
                <Row name="Tree size">{check.data.head.header.treeSize} entries</Row>
                <Row name="Head time">{date(check.data.head.header.time)}</Row>
                <Row name="Block hash">
                  <Code className="dhl-hash">{check.data.head.blockHash}</Code>
                </Row>
                <Row name="Tree root">
                  <Code className="dhl-hash">{check.data.head.header.treeRoot}</Code>
                </Row>
              </Table.Tbody>
            </Table>
            <ColumnsTable
              label="head signatures"
              items={check.data.attestations}
              rowKey={(a) => `${a.nodeId}-${a.keyId}`}
              rowProps={(a) => ({ 'data-node': a.nodeId })}
              columns={[
                { header: 'Node', cell: (a) => a.nodeId },
                { header: 'Organisation', cell: (a) => a.org ?? 'not in the genesis' },
                { header: 'Node key', cell: (a) => <Fingerprint keyId={a.keyId} label={`node ${a.nodeId} key`} /> },
                { header: 'Signature under the genesis node key', cell: (a) => <CheckBadge check={a} what={`signature of node ${a.nodeId}`} /> },
              ]}
            />
            <HeadTrust check={check.data} />
          </Stack>
        </Paper>
      ) : null}
      {status.data ? (
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Title order={2} size="h4">
              What the node announces
            </Title>
            <Text size="sm" data-testid="announced">
              Set-up: {status.data.setup}. API version {status.data.apiVersion}.{' '}
              {status.data.head ? `Its last block: height ${status.data.head.height}, tree size ${status.data.head.treeSize}.` : ''}
            </Text>
            {status.data.chainId && status.data.chainId !== unlocked.chain ? (
              <Alert color="red" role="alert">
                The node announces another chain id than the one this browser trusts.
              </Alert>
            ) : null}
          </Stack>
        </Paper>
      ) : null}
      {status.error ? <ErrorState error={status.error} title="Could not read the node’s status" retry={() => void status.refetch()} /> : null}
    </Stack>
  );
}
