/**
 * Requests to a patient (DESIGN §1 step 4): who asks (with their key
 * fingerprint and doctor role as the ledger proves them), for what, why and
 * for how long. Approve re-wraps each record's key for the doctor's
 * encryption key as the ledger proves it (its fingerprint shown before the
 * decision), for the duration and scopes chosen here; deny is a DenyRequest.
 */
import { Alert, Button, Checkbox, Code, Group, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { UserKeys } from '../../components/UserKeys.tsx';
import { messageOf } from '../../errors.ts';
import { DAY_MS, date, duration } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { approveRequest, deny as denyRequest, provenKey } from '../../../../src/client/index.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';
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
  const encKey = useQuery({
    queryKey: ['proven-enc', request.doctor],
    queryFn: () => provenKey(ctxOf(unlocked), readsOf(unlocked), request.doctor, 'enc', { role: 'doctor' }),
    retry: false,
  });
  const [days, setDays] = useState<number | string>(Math.max(1, Math.round(request.durationMs / DAY_MS)));
  const [scopes, setScopes] = useState<string[]>(['read']);
  const read = scopes.includes('read');
  const contribute = scopes.includes('contribute');
  const queryClient = useQueryClient();
  const settled = () => void queryClient.invalidateQueries({ queryKey: ['requests'] });
  const deny = useMutation({
    mutationFn: () => denyRequest(ctxOf(unlocked), { requestId: request.requestId, patient: request.patient, doctor: request.doctor }),
    onSuccess: settled,
  });
  const approve = useMutation({
    mutationFn: async () => {
      const chosen = [...(read ? (['read'] as const) : []), ...(contribute ? (['contribute'] as const) : [])];
      // Wrapped for exactly the key shown to the patient: should the doctor have rotated since, the contract refuses the grant.
      if (!encKey.data) throw new Error('the doctor’s encryption key is not proven yet');
      return approveRequest(ctxOf(unlocked), readsOf(unlocked), request, { scopes: chosen, expiresAt: Date.now() + Number(days) * DAY_MS, grantee: encKey.data });
    },
    onSuccess: settled,
  });
  const daysError = !Number.isInteger(Number(days)) || Number(days) < 1 ? 'Whole days, at least 1.' : undefined;
  if (deny.data) {
    return (
      <Alert color="gray" title="Denied" withCloseButton closeButtonLabel="Close" onClose={onDone} role="status">
        {request.doctor}’s request was denied (block {deny.data.height}).
      </Alert>
    );
  }
  if (approve.data) {
    return (
      <Alert color="teal" title="Approved" withCloseButton closeButtonLabel="Close" onClose={onDone} role="status">
        {request.doctor} may {read ? 'read' : ''}{read && contribute ? ' and ' : ''}{contribute ? 'add to' : ''} {approve.data.keys.length} record(s) until{' '}
        {date(Date.now() + Number(days) * DAY_MS)} (block {approve.data.height}). Each record’s key was wrapped for the encryption key{' '}
        <Code>{approve.data.grantee.fingerprint}</Code>.
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
        {doctor.isPending || encKey.isPending ? <Loading label={`Checking ${request.doctor}'s keys in the ledger…`} /> : null}
        {doctor.error || encKey.error ? (
          <ErrorState error={doctor.error ?? encKey.error} title={`Could not prove ${request.doctor}'s keys: do not share with this request`} />
        ) : null}
        {doctor.data ? <UserKeys view={doctor.data} /> : null}
        {encKey.data ? (
          <Alert color="blue" variant="light" title="If you approve">
            Your records’ keys are wrapped, in this browser, for {request.doctor}’s encryption key <Code data-testid="grantee-fingerprint">{encKey.data.fingerprint}</Code>{' '}
            (a doctor’s key, as the ledger proves). Compare it with the one {request.doctor} can read out to you.
          </Alert>
        ) : null}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!daysError && (read || contribute) && encKey.data) approve.mutate();
          }}
        >
          <Stack>
            <NumberInput label="For how many days" value={days} onChange={setDays} min={1} max={366} allowDecimal={false} error={daysError} required />
            <Checkbox.Group label="What the doctor may do" value={scopes} onChange={setScopes} error={read || contribute ? undefined : 'Choose at least one.'}>
              <Stack gap={4} mt={4}>
                <Checkbox value="read" label="Read the records asked for" />
                <Checkbox value="contribute" label="Add records to my chart" />
              </Stack>
            </Checkbox.Group>
            <Group>
              <Button type="submit" loading={approve.isPending} disabled={!encKey.data || !(read || contribute)}>
                Approve
              </Button>
              <Button color="red" variant="light" onClick={() => deny.mutate()} loading={deny.isPending}>
                Deny
              </Button>
              <Button variant="default" onClick={onDone}>
                Close
              </Button>
            </Group>
          </Stack>
        </form>
        {approve.error || deny.error ? (
          <Alert color="red" role="alert" title={approve.error ? 'Not approved' : 'Not denied'}>
            {messageOf(approve.error ?? deny.error)}
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}
