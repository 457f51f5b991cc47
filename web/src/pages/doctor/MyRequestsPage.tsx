/** A doctor's requests and their status (pending, granted, denied, withdrawn, lapsed); a pending one can be withdrawn (a DenyRequest by its doctor). */
import { Alert, Button, Stack, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { messageOf } from '../../errors.ts';
import { date, duration } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { withdraw } from '../../../../src/client/index.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';

type Request = Awaited<ReturnType<ReturnType<typeof readsOf>['requests']>>['items'][number];

export default function MyRequestsPage({ unlocked }: { unlocked: Unlocked }) {
  const queryClient = useQueryClient();
  const withdrawal = useMutation({
    mutationFn: (r: Request) => withdraw(ctxOf(unlocked), { requestId: r.requestId, patient: r.patient, doctor: r.doctor }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['requests'] }),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        My requests
      </Title>
      {withdrawal.data ? (
        <Alert color="gray" title="Withdrawn" role="status" withCloseButton closeButtonLabel="Close" onClose={() => withdrawal.reset()}>
          Your request to {withdrawal.variables.patient} was withdrawn (block {withdrawal.data.height}).
        </Alert>
      ) : null}
      {withdrawal.error ? (
        <Alert color="red" title="Not withdrawn" role="alert">
          {messageOf(withdrawal.error)}
        </Alert>
      ) : null}
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
          {
            header: 'Change',
            cell: (r) =>
              r.status === 'pending' ? (
                <Button
                  size="xs"
                  variant="light"
                  color="gray"
                  onClick={() => withdrawal.mutate(r)}
                  loading={withdrawal.isPending && withdrawal.variables?.requestId === r.requestId}
                  aria-label={`Withdraw the request to ${r.patient}, asked ${date(r.createdAt)}`}
                >
                  Withdraw
                </Button>
              ) : null,
          },
        ]}
      />
    </Stack>
  );
}
