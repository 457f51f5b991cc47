/**
 * The doctors' directory (DESIGN §1 step 3): one patient by exact username
 * (no browsing of everyone), the records they listed — title, owner, type,
 * size, date — and "Request access" with a purpose and a duration, signed
 * here as a RequestAccess.
 */
import { Alert, Button, Group, NumberInput, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { messageOf } from '../../errors.ts';
import { bytes, date, DAY_MS } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { requestAccess } from '../../../../src/client/index.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';

type Entry = Awaited<ReturnType<ReturnType<typeof readsOf>['directory']>>['items'][number];
/** What a request asks for: one listed record, or every record of the patient ("all" is expanded by the patient's client when granting). */
type Asking = { patient: string; title: string; records: [string] | 'all' };

export default function DirectoryPage({ unlocked }: { unlocked: Unlocked }) {
  const [typed, setTyped] = useState('');
  const [patient, setPatient] = useState<string | undefined>();
  const [asking, setAsking] = useState<Asking | undefined>();
  return (
    <Stack>
      <Title order={1} size="h2">
        Directory
      </Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setAsking(undefined);
            setPatient(typed.trim());
          }}
        >
          <Group align="flex-end">
            <TextInput
              label="Patient's username"
              description="The exact username the patient gave you. Only records they chose to list are shown."
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              required
            />
            <Button type="submit" disabled={!typed.trim()}>
              Find records
            </Button>
          </Group>
        </form>
      </Paper>
      {patient ? (
        <PagedTable
          label={`${patient}'s listed records`}
          queryKey={['directory', patient]}
          fetchPage={(after) => readsOf(unlocked).directory(patient, after ? { after } : {})}
          rowKey={(r) => r.recordId}
          empty={`${patient} has no listed records.`}
          columns={[
            { header: 'Title', cell: (r) => r.title },
            { header: 'Owner', cell: (r) => r.owner },
            { header: 'Type', cell: (r) => r.mediaType },
            { header: 'Size', cell: (r) => bytes(r.size) },
            { header: 'Date', cell: (r) => date(r.createdAt) },
            {
              header: 'Access',
              cell: (r) => (
                <Button size="xs" variant="light" onClick={() => setAsking({ patient: r.owner, title: `“${r.title}”`, records: [r.recordId] })} aria-label={`Request access to ${r.title}`}>
                  Request access
                </Button>
              ),
            },
          ]}
        />
      ) : null}
      {patient ? (
        <Group>
          <Button variant="default" onClick={() => setAsking({ patient, title: `all of ${patient}’s records`, records: 'all' })}>
            Request access to all of {patient}’s records
          </Button>
        </Group>
      ) : null}
      {asking ? <RequestForm unlocked={unlocked} asking={asking} onDone={() => setAsking(undefined)} /> : null}
    </Stack>
  );
}

function RequestForm({ unlocked, asking, onDone }: { unlocked: Unlocked; asking: Asking; onDone: () => void }) {
  const [purpose, setPurpose] = useState('');
  const [days, setDays] = useState<number | string>(30);
  const queryClient = useQueryClient();
  const send = useMutation({
    mutationFn: () =>
      requestAccess(ctxOf(unlocked), { patient: asking.patient, records: asking.records, purpose: purpose.trim(), durationMs: Number(days) * DAY_MS }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['requests'] }),
  });
  const daysError = !Number.isInteger(Number(days)) || Number(days) < 1 ? 'Whole days, at least 1.' : undefined;
  if (send.data) {
    return (
      <Alert color="teal" title="Request sent" role="status" withCloseButton closeButtonLabel="Close" onClose={onDone}>
        {asking.patient} sees your request for {asking.title} and decides. It is recorded in block {send.data.height}.
      </Alert>
    );
  }
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (purpose.trim() && !daysError) send.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            Request access to {asking.title}
          </Title>
          <Text size="sm">{asking.patient} sees the purpose and the duration, and the request is recorded in the ledger.</Text>
          <Textarea label="Purpose" description="Why you need access: the patient reads it when deciding." value={purpose} onChange={(e) => setPurpose(e.currentTarget.value)} required maxLength={1000} autosize minRows={2} />
          <NumberInput label="Duration (days)" value={days} onChange={setDays} min={1} max={366} allowDecimal={false} required error={daysError} />
          <Group>
            <Button type="submit" loading={send.isPending} disabled={!purpose.trim()}>
              Send request
            </Button>
            <Button variant="default" onClick={onDone}>
              Cancel
            </Button>
          </Group>
          {send.error ? (
            <Alert color="red" role="alert" title="Not sent">
              {messageOf(send.error)}
            </Alert>
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}
