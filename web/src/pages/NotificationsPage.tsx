/**
 * The reader's notifications, newest first (src/client/flows: notifications;
 * polled while the page is open): a request arrived, a grant was used, a read
 * of their record was refused, and the failed logins since the last one.
 * Ids and key fingerprints only: the node sends no content.
 */
import { Alert, Badge, Code, Stack, Text, Title } from '@mantine/core';
import { ColumnsTable } from '../components/ColumnsTable.tsx';
import { useQuery } from '@tanstack/react-query';
import { OutcomeWords } from '../components/OutcomeWords.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { date } from '../format.ts';
import type { Unlocked } from '../session/keyring.ts';
import { notifications } from '../../../src/client/index.ts';
import { readsOf } from '../session/ledger.ts';
import { useRecordTitles } from './patient/record-titles.ts';

type Kind = Awaited<ReturnType<typeof notifications>>['items'][number]['kind'];

const SAYS: Record<Kind, { text: string; color: string }> = {
  'request-received': { text: 'asked for access', color: 'blue' },
  'grant-used': { text: 'opened a record under your grant', color: 'teal' },
  'read-refused': { text: 'tried to open a record and was refused', color: 'red' },
};

const POLL_MS = 15_000;

export default function NotificationsPage({ unlocked }: { unlocked: Unlocked }) {
  const q = useQuery({ queryKey: ['notifications'], queryFn: () => notifications(readsOf(unlocked)), refetchInterval: POLL_MS });
  // The reader's own records by title: the node names records by id only.
  const titles = useRecordTitles(unlocked);
  return (
    <Stack>
      <Title order={1} size="h2">
        Notifications
      </Title>
      {q.isPending ? <Loading label="Loading your notifications…" /> : null}
      {q.error ? <ErrorState error={q.error} title="Could not load your notifications" retry={() => void q.refetch()} /> : null}
      {q.data && q.data.failedLogins.count > 0 ? (
        <Alert color="orange" title="Failed logins" role="status" data-testid="failed-logins">
          {q.data.failedLogins.count} failed login{q.data.failedLogins.count === 1 ? '' : 's'} to your account since your last successful one
          {q.data.failedLogins.lastAt ? `, the last at ${date(q.data.failedLogins.lastAt)}` : ''}. If that was not you, change your passphrase.
        </Alert>
      ) : null}
      {q.data && q.data.items.length === 0 ? <Empty>Nothing new: no requests, reads or refusals yet.</Empty> : null}
      {q.data && q.data.items.length > 0 ? (
        <ColumnsTable
          label="notifications"
          items={q.data.items}
          rowKey={(n) => n.txHash}
          rowProps={(n) => ({ 'data-notification': n.kind })}
          columns={[
            { header: 'When', cell: (n) => date(n.time) },
            {
              header: 'What',
              cell: (n) => (
                <>
                  <Badge color={SAYS[n.kind].color} variant="light">
                    {n.kind.replace('-', ' ')}
                  </Badge>{' '}
                  <Text span size="sm">
                    {n.actor} {SAYS[n.kind].text}
                    {n.kind === 'read-refused' ? (
                      <>
                        : <OutcomeWords code={n.outcome} />
                      </>
                    ) : null}
                  </Text>
                </>
              ),
            },
            {
              header: 'Who (key fingerprint)',
              cell: (n) => (
                <>
                  {n.actor} <Code>{n.actorFingerprint}</Code>
                </>
              ),
            },
            { header: 'Record', cell: (n) => (n.recordId ? (titles.get(n.recordId) ?? <Code>{n.recordId.slice(0, 12)}…</Code>) : '—') },
          ]}
        />
      ) : null}
    </Stack>
  );
}
