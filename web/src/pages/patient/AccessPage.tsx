/**
 * Who may open my records (DESIGN §2 "What revoke can and cannot do"): the
 * active grants this patient issued, each with Revoke and, for read grants,
 * Revoke and re-key. Both say plainly what they cannot do before anything is
 * signed: what the doctor already opened cannot be taken back, and the old
 * version's ciphertext stays on the node until erasure exists. Re-keying
 * decrypts the latest version here, in this page, and seals it again under a
 * fresh key as the next version, wrapped for the doctors still standing and
 * not for the revoked one (src/client/flows: revokeAndRekeyFromLedger).
 */
import { Alert, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { messageOf } from '../../errors.ts';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readFromLedger, revoke, revokeAndRekeyFromLedger } from '../../../../src/client/index.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';
import { useRecordTitles } from './record-titles.ts';

type Grant = Awaited<ReturnType<ReturnType<typeof readsOf>['grants']>>['items'][number];
type Action = { grant: Grant; rekey: boolean };

export default function AccessPage({ unlocked }: { unlocked: Unlocked }) {
  const [action, setAction] = useState<Action | undefined>();
  const titles = useRecordTitles(unlocked);
  return (
    <Stack>
      <Title order={1} size="h2">
        Who may open my records
      </Title>
      <Text c="dimmed" size="sm">
        The grants you gave that still stand. Revoking stops every later read; it cannot take back what a doctor already opened.
      </Text>
      <PagedTable
        label="active grants"
        queryKey={['grants', 'issued', 'active']}
        fetchPage={(after) => readsOf(unlocked).grants({ direction: 'issued', status: 'active', ...(after ? { after } : {}) })}
        rowKey={(g) => g.grantId}
        empty="Nobody holds a grant on your records."
        columns={[
          { header: 'Doctor', cell: (g) => g.grantee },
          { header: 'May', cell: (g) => g.scopes.map((s) => (s === 'read' ? 'read' : 'add records')).join(', ') },
          { header: 'Records', cell: (g) => (g.records.length === 0 ? '—' : g.records.map((id) => titles.get(id) ?? id.slice(0, 8)).join(', ')) },
          { header: 'Until', cell: (g) => date(g.expiresAt) },
          { header: 'Status', cell: (g) => <StatusBadge status={g.status} /> },
          {
            header: 'Stop it',
            cell: (g) => (
              <Group gap="xs" wrap="nowrap">
                <Button size="xs" color="red" variant="light" onClick={() => setAction({ grant: g, rekey: false })} aria-label={`Revoke ${g.grantee}’s grant`}>
                  Revoke
                </Button>
                {g.scopes.includes('read') && g.records.length > 0 ? (
                  <Button size="xs" color="red" variant="subtle" onClick={() => setAction({ grant: g, rekey: true })} aria-label={`Revoke and re-key: ${g.grantee}’s grant`}>
                    Revoke and re-key
                  </Button>
                ) : null}
              </Group>
            ),
          },
        ]}
      />
      {action ? <Confirm key={`${action.grant.grantId}-${action.rekey}`} unlocked={unlocked} action={action} titles={titles} onDone={() => setAction(undefined)} /> : null}
    </Stack>
  );
}

/** Re-keys one record: its latest version decrypted here, then revoke and the next version under a fresh key. */
async function rekeyRecord(unlocked: Unlocked, grantee: string, recordId: string, onStep: (s: string) => void) {
  const ctx = ctxOf(unlocked);
  const reads = readsOf(unlocked);
  const latest = (await reads.record(recordId)).latestVersion;
  onStep(`Decrypting version ${latest} in this page…`);
  const parts: Uint8Array[] = [];
  const read = await readFromLedger(ctx, reads, recordId, latest, (c) => void parts.push(Uint8Array.from(c)));
  const size = parts.reduce((n, p) => n + p.length, 0);
  onStep(`Sealing version ${latest + 1} under a new key…`);
  const m = read.verified.manifest;
  return revokeAndRekeyFromLedger(ctx, reads, grantee, recordId, { title: m.title, mediaType: m.mediaType, fileName: read.opened.fileName, content: () => parts, contentSize: size });
}

function Confirm({ unlocked, action, titles, onDone }: { unlocked: Unlocked; action: Action; titles: Map<string, string>; onDone: () => void }) {
  const { grant, rekey } = action;
  const [step, setStep] = useState('');
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: async () => {
      if (!rekey) {
        const r = await revoke(ctxOf(unlocked), grant.grantee, grant.records.length > 0 ? grant.records : undefined);
        return { height: r.height, versions: [] as number[] };
      }
      const versions: number[] = [];
      let height = 0;
      for (const recordId of grant.records) {
        const done = await rekeyRecord(unlocked, grant.grantee, recordId, setStep);
        versions.push(done.version.version);
        height = done.version.result.height;
      }
      return { height, versions };
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['grants'] }),
  });
  const named = grant.records.map((id) => `“${titles.get(id) ?? id}”`).join(', ') || 'adding to your chart';
  if (run.data) {
    return (
      <Alert color="teal" title={rekey ? 'Revoked and re-keyed' : 'Revoked'} withCloseButton closeButtonLabel="Close" onClose={onDone} role="status">
        {grant.grantee} can no longer open {named} (block {run.data.height}).
        {rekey ? ` The new version${run.data.versions.length > 1 ? 's' : ''} (${run.data.versions.join(', ')}) are sealed under new keys ${grant.grantee} never held.` : ''}
      </Alert>
    );
  }
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">
          {rekey ? `Revoke ${grant.grantee}’s grant and re-key` : `Revoke ${grant.grantee}’s grant`}
        </Title>
        <Alert color="yellow" variant="light" title="What this cannot undo">
          <List size="sm" spacing={4}>
            <List.Item>What {grant.grantee} already opened cannot be taken back: a copy they kept stays theirs.</List.Item>
            {rekey ? (
              <List.Item>
                The old version stays on the node, encrypted under its old key, until erasure exists. {grant.grantee} cannot open the new version: it is sealed under a fresh key,
                wrapped only for you and the doctors whose grants still stand.
              </List.Item>
            ) : (
              <List.Item>
                The record keeps its key: should {grant.grantee} have kept that key, only re-keying (a new version under a new key) shuts them out of later versions. The old
                version stays until erasure exists.
              </List.Item>
            )}
            <List.Item>From now on, every read {grant.grantee} attempts is refused and shows in your audit.</List.Item>
          </List>
        </Alert>
        <Text size="sm">Covers: {named}.</Text>
        <Group>
          <Button color="red" onClick={() => run.mutate()} loading={run.isPending}>
            {rekey ? 'Revoke and re-key now' : 'Revoke now'}
          </Button>
          <Button variant="default" onClick={onDone} disabled={run.isPending}>
            Cancel
          </Button>
        </Group>
        {run.isPending && step ? (
          <Text size="sm" role="status">
            {step}
          </Text>
        ) : null}
        {run.error ? (
          <Alert color="red" role="alert" title="Not revoked">
            {messageOf(run.error)}
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}
