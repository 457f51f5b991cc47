/**
 * The admin's view of refused actions across this node (issue 22, the
 * unauthorized-access view; GET /v1/admin/refusals): one tab per kind —
 * actions the ledger refused, requests the rate limit refused, failed logins
 * per account — each a paged table, newest first. The node sends ids,
 * usernames, key fingerprints, codes and times, never a record's title or
 * content; codes are shown in plain words beside the code itself.
 */
import { Badge, Code, Stack, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { PagedTable, type Column } from '../../components/PagedTable.tsx';
import { outcomeInWords } from '../../errors.ts';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { readsOf } from '../../session/ledger.ts';
import type { Reads } from '../../../../src/client/index.ts';

type Kind = Parameters<Reads['refusals']>[0];
type Item = Awaited<ReturnType<Reads['refusals']>>['items'][number];
type Of<K extends Kind> = Extract<Item, { kind: K }>;

/** What a refused transaction tried, as a person says it. */
const TRIED: Record<string, string> = {
  RecordRead: 'open a record', AddRecord: 'add a record', AddRecordVersion: 'add a version', SetListing: 'list or unlist a record',
  GrantAccess: 'grant access', RevokeAccess: 'revoke access', RequestAccess: 'ask for access', DenyRequest: 'answer a request',
  AssignRole: 'assign a role', RevokeRole: 'revoke a role', RegisterUser: 'register', RotateKeys: 'rotate their keys',
};

const short = (hex: string) => <Code title={hex}>{hex.slice(0, 12)}…</Code>;

const TX_COLUMNS: Column<Of<'refused-tx'>>[] = [
  { header: 'When', cell: (r) => date(r.time) },
  {
    header: 'Who (key fingerprint)',
    cell: (r) => (
      <>
        {r.actor} <Code>{r.actorFingerprint}</Code>
      </>
    ),
  },
  { header: 'Tried to', cell: (r) => TRIED[r.type] ?? r.type },
  { header: 'Record', cell: (r) => (r.recordId ? <>{short(r.recordId)}{r.version ? ` v${r.version}` : ''}</> : '—') },
  {
    header: 'Why refused',
    cell: (r) => (
      <>
        <Text span size="sm">{outcomeInWords(r.outcome)}</Text>{' '}
        <Badge color="red" variant="light">{r.outcome}</Badge>
      </>
    ),
  },
  { header: 'Transaction', cell: (r) => short(r.txHash) },
];

const TRIP_COLUMNS: Column<Of<'rate-limit'>>[] = [
  { header: 'When', cell: (r) => date(r.time) },
  { header: 'From address', cell: (r) => <Code>{r.client}</Code> },
  { header: 'Request', cell: (r) => <Code>{r.route}</Code> },
  { header: 'Account', cell: (r) => r.username ?? <Text span c="dimmed" size="sm">no session</Text> },
];

const LOGIN_COLUMNS: Column<Of<'failed-login'>>[] = [
  { header: 'When', cell: (r) => date(r.time) },
  { header: 'Account', cell: (r) => r.username },
  { header: 'What was wrong', cell: (r) => (r.slot === 'recovery' ? 'the recovery key' : 'the passphrase') },
];

const TABS: { kind: Kind; label: string; says: string; empty: string }[] = [
  {
    kind: 'refused-tx', label: 'Refused in the ledger',
    says: 'Signed actions the ledger refused: reads without a standing grant, and anything else someone was not allowed to do.',
    empty: 'The ledger has refused nothing yet.',
  },
  {
    kind: 'rate-limit', label: 'Rate-limit trips',
    says: 'Requests this node turned away because one address sent too many (logins, registrations, submissions).',
    empty: 'Nobody has tripped the rate limit.',
  },
  {
    kind: 'failed-login', label: 'Failed logins',
    says: 'Each wrong passphrase or recovery key for an account of this node, kept even after a later successful login.',
    empty: 'No failed logins.',
  },
];

function RefusalTable({ unlocked, kind, empty }: { unlocked: Unlocked; kind: Kind; empty: string }) {
  const common = {
    queryKey: ['refusals', kind],
    fetchPage: (after: string | undefined) => readsOf(unlocked).refusals(kind, { limit: 50, ...(after ? { after } : {}) }),
    empty,
    rowProps: (r: Item) => ({ 'data-refusal': r.kind, 'data-refusal-who': 'actor' in r ? r.actor : (r.username ?? '') }),
  };
  // One table per kind, each with its own columns (the rows' shapes differ).
  if (kind === 'refused-tx') return <PagedTable {...common} label="refused actions" columns={TX_COLUMNS as Column<Item>[]} rowKey={(r) => (r as Of<'refused-tx'>).txHash} />;
  if (kind === 'rate-limit') return <PagedTable {...common} label="rate-limit trips" columns={TRIP_COLUMNS as Column<Item>[]} rowKey={(r) => String((r as Of<'rate-limit'>).id)} />;
  return <PagedTable {...common} label="failed logins" columns={LOGIN_COLUMNS as Column<Item>[]} rowKey={(r) => String((r as Of<'failed-login'>).id)} />;
}

export default function RefusalsPage({ unlocked }: { unlocked: Unlocked }) {
  const [tab, setTab] = useState<Kind>('refused-tx');
  return (
    <Stack>
      <Title order={1} size="h2">
        Refused actions on this node
      </Title>
      <Text size="sm">Who tried what and was turned away. Only ids, names, key fingerprints, codes and times: never a record’s title or content.</Text>
      <Tabs value={tab} onChange={(v) => setTab((v as Kind | null) ?? 'refused-tx')} keepMounted={false}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.kind} value={t.kind}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((t) => (
          <Tabs.Panel key={t.kind} value={t.kind} pt="md">
            <Stack gap="sm">
              <Text size="sm" c="dimmed">
                {t.says}
              </Text>
              <RefusalTable unlocked={unlocked} kind={t.kind} empty={t.empty} />
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
