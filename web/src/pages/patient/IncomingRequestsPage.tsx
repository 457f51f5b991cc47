/**
 * Requests to a patient (DESIGN §1 step 4): who asks (with their key
 * fingerprint and doctor role as the ledger proves them), for what, why and
 * for how long; deny is a signed DenyRequest.
 */
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { UserKeys } from '../../components/UserKeys.tsx';
import { messageOf } from '../../errors.ts';
import { date, duration } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf, submitTx } from '../../session/ledger.ts';
import { useUser } from '../../session/use-me.ts';

type Request = Awaited<ReturnType<ReturnType<typeof readsOf>['requests']>>['items'][number];

export default function IncomingRequestsPage({ unlocked }: { unlocked: Unlocked }) {
  const [open, setOpen] = useState<Request | undefined>();
  return (
    <Stack>
      <Title order={1} size="h2">
        Requests for my records
      </Title>
      <PagedTable
        label="requests for your records"
        queryKey={['requests', 'incoming']}
        fetchPage={(after) => readsOf(unlocked).requests({ direction: 'incoming', ...(after ? { after } : {}) })}
        rowKey={(r) => r.requestId}
        empty="No doctor has asked for your records."
        columns={[
          { header: 'Doctor', cell: (r) => r.doctor },
          { header: 'Purpose', cell: (r) => r.purpose },
          { header: 'Records', cell: (r) => (r.records === 'all' ? 'all your records' : `${r.records.length}`) },
          { header: 'For', cell: (r) => duration(r.durationMs) },
          { header: 'Asked', cell: (r) => date(r.createdAt) },
          { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
          {
            header: 'Decide',
            cell: (r) =>
              r.status === 'pending' ? (
                <Button size="xs" variant="light" onClick={() => setOpen(r)} aria-label={`Review the request from ${r.doctor}`}>
                  Review
                </Button>
              ) : null,
          },
        ]}
      />
      {open ? <Review unlocked={unlocked} request={open} onDone={() => setOpen(undefined)} /> : null}
    </Stack>
  );
}

function Review({ unlocked, request, onDone }: { unlocked: Unlocked; request: Request; onDone: () => void }) {
  const doctor = useUser(unlocked, request.doctor);
  const queryClient = useQueryClient();
  const deny = useMutation({
    mutationFn: () => submitTx(unlocked, 'DenyRequest', { requestId: request.requestId, patient: request.patient, doctor: request.doctor }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['requests'] }),
  });
  if (deny.data) {
    return (
      <Alert color="gray" title="Denied" withCloseButton onClose={onDone} role="status">
        {request.doctor}’s request was denied (block {deny.data.height}).
      </Alert>
    );
  }
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">
          {request.doctor} asks to read {request.records === 'all' ? 'all your records' : `${request.records.length} record(s)`} for {duration(request.durationMs)}
        </Title>
        <Text>
          Purpose: <q>{request.purpose}</q>
        </Text>
        {doctor.isPending ? <Loading label={`Checking ${request.doctor}'s keys in the ledger…`} /> : null}
        {doctor.error ? <ErrorState error={doctor.error} title={`Could not check ${request.doctor}'s keys: do not share with this request`} /> : null}
        {doctor.data ? <UserKeys view={doctor.data} /> : null}
        <Group>
          <Button color="red" variant="light" onClick={() => deny.mutate()} loading={deny.isPending}>
            Deny
          </Button>
          <Button variant="default" onClick={onDone}>
            Close
          </Button>
        </Group>
        {deny.error ? (
          <Alert color="red" role="alert" title="Not denied">
            {messageOf(deny.error)}
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}
