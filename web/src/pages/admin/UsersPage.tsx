/**
 * An admin's organisation (DESIGN §1, docs/security.md): the users holding
 * a doctor or admin role in it (GET /v1/orgs/:org/members — never a list of
 * every patient), each role's vouched signing key as a fingerprint proven
 * from the ledger, and RevokeRole after the admin confirmed that fingerprint
 * (src/client revokeRole re-proves it before signing).
 */
import { Alert, Button, Checkbox, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { roleHolder, revokeRole, type RoleName } from '../../../../src/client/index.ts';
import { Fingerprint } from '../../components/Fingerprint.tsx';
import { PagedTable } from '../../components/PagedTable.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { messageOf } from '../../errors.ts';
import { date } from '../../format.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { ctxOf, readsOf } from '../../session/ledger.ts';
import { useMe } from '../../session/use-me.ts';

interface Member {
  username: string;
  role: RoleName;
  active: boolean;
  vouched: boolean;
  since: number;
}

/** The role's vouched signing key, proven from the ledger (a lookup per member: the members list names no keys). */
function useHolder(unlocked: Unlocked, m: { username: string; role: RoleName }, org: string) {
  return useQuery({
    queryKey: ['role-holder', m.username, m.role, org],
    queryFn: async () => (await roleHolder(ctxOf(unlocked), readsOf(unlocked), m.username, m.role, org)) ?? null,
    retry: false,
  });
}

function MemberKey({ unlocked, member, org }: { unlocked: Unlocked; member: Member; org: string }) {
  const holder = useHolder(unlocked, member, org);
  if (!member.active) return <Text size="sm" c="dimmed">—</Text>;
  if (holder.isPending) return <Text size="sm">checking the proof…</Text>;
  if (holder.error) return <Text size="sm" c="red">{messageOf(holder.error)}</Text>;
  return holder.data ? <Fingerprint keyId={holder.data.sigKeyId} label={`${member.username} ${member.role} signing key`} /> : <Text size="sm">no active role</Text>;
}

/** What RevokeRole does, as the contract README says it ("Roles, terms and grants"). */
function RevokeEffects({ username, role }: { username: string; role: RoleName }) {
  return (
    <List size="sm" spacing={4}>
      <List.Item>It ends {username}’s term as {role} in this organisation, from the block it is recorded in.</List.Item>
      {role === 'doctor' ? (
        <>
          <List.Item>Every grant patients gave {username} in this term, read or contribute, and every request {username} made in it, is void for good: reads under those grants are refused from then on (GRANT_VOID), even if you assign the role again later.</List.Item>
          <List.Item>{username} can no longer act as a doctor: no directory, no requests, no additions to a chart.</List.Item>
        </>
      ) : (
        <List.Item>{username} can no longer enrol doctors or revoke roles in this organisation.</List.Item>
      )}
      <List.Item>{username} stays a registered user with their own records. What they already opened cannot be taken back.</List.Item>
    </List>
  );
}

function RevokeStep({ unlocked, member, org, onDone }: { unlocked: Unlocked; member: Member; org: string; onDone: () => void }) {
  const holder = useHolder(unlocked, member, org);
  const [confirmed, setConfirmed] = useState(false);
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeRole(ctxOf(unlocked), readsOf(unlocked), { username: member.username, role: member.role, org }, { sigKeyId: holder.data!.sigKeyId, ...(holder.data!.assignedAt !== undefined ? { assignedAt: holder.data!.assignedAt } : {}) }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['org-members', org] });
      void queryClient.invalidateQueries({ queryKey: ['role-holder', member.username] });
      void queryClient.invalidateQueries({ queryKey: ['user', member.username] });
    },
  });
  return (
    <Paper withBorder p="md" aria-labelledby="revoke-title" role="region">
      <Stack>
        <Title order={2} size="h4" id="revoke-title">
          Revoke {member.username}’s {member.role} role
        </Title>
        {holder.isPending ? <Loading label={`Checking the proof of ${member.username}’s role…`} /> : null}
        {holder.error ? <ErrorState error={holder.error} title="Could not prove the role" retry={() => void holder.refetch()} /> : null}
        {holder.data === null && !revoke.data ? <Alert color="yellow">{member.username} holds no active {member.role} role here any more.</Alert> : null}
        {holder.data ? (
          <>
            <Text size="sm">
              The role names this signing key (vouched by the AssignRole{holder.data.assignedAt !== undefined ? ` in block ${holder.data.assignedAt}` : ' of the genesis'}):{' '}
              <Fingerprint keyId={holder.data.sigKeyId} label={`${member.username} key to revoke`} />
            </Text>
            <RevokeEffects username={member.username} role={member.role} />
            <Checkbox
              label={`This is the fingerprint of the ${member.username} whose ${member.role} role I mean to revoke`}
              checked={confirmed}
              onChange={(e) => setConfirmed(e.currentTarget.checked)}
              disabled={revoke.isSuccess}
            />
            <Group>
              <Button color="red" onClick={() => revoke.mutate()} disabled={!confirmed || revoke.isSuccess} loading={revoke.isPending}>
                Revoke {member.username}’s {member.role} role
              </Button>
              <Button variant="default" onClick={onDone}>
                {revoke.isSuccess ? 'Close' : 'Cancel'}
              </Button>
            </Group>
          </>
        ) : null}
        {revoke.error ? (
          <Alert color="red" role="alert" title="Not revoked">
            {messageOf(revoke.error)}
          </Alert>
        ) : null}
        {revoke.data ? (
          <Alert color="teal" role="status">
            {member.username} is no longer {member.role} of {org}: RevokeRole recorded in block {revoke.data.height}.
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}

export default function UsersPage({ unlocked }: { unlocked: Unlocked }) {
  const me = useMe(unlocked);
  const [chosen, setChosen] = useState<Member | undefined>();
  const org = me.roles.adminOrg;
  if (me.isPending) return <Loading label="Checking your role…" />;
  if (me.error) return <ErrorState error={me.error} title="Could not check your role" retry={() => void me.refetch()} />;
  if (!org) return <Alert color="yellow" title="Administrators only">Only an active administrator sees the users of an organisation.</Alert>;
  return (
    <Stack>
      <Title order={1} size="h2">
        Users of {org}
      </Title>
      <Text size="sm" c="dimmed">
        The people holding a doctor or administrator role here. Patients are not listed: there is no list of everyone.
      </Text>
      <PagedTable<Member>
        label="organisation users"
        minWidth={860}
        queryKey={['org-members', org]}
        fetchPage={(after) => readsOf(unlocked).orgMembers(org, after === undefined ? {} : { after })}
        rowKey={(m) => `${m.username}-${m.role}`}
        empty="Nobody holds a role in this organisation."
        columns={[
          { header: 'User', cell: (m) => <span data-member={m.username}>{m.username}{m.username === unlocked.username ? ' (you)' : ''}</span> },
          { header: 'Role', cell: (m) => m.role },
          { header: 'Status', cell: (m) => <StatusBadge status={!m.active ? 'revoked' : m.vouched ? 'active' : 'keys not vouched'} /> },
          { header: 'Since', cell: (m) => date(m.since) },
          { header: 'Signing key', cell: (m) => <MemberKey unlocked={unlocked} member={m} org={org} /> },
          {
            header: 'Action',
            cell: (m) =>
              m.active && m.username !== unlocked.username ? (
                <Button size="xs" variant="light" color="red" onClick={() => setChosen(m)} aria-label={`Review revoking ${m.username}’s ${m.role} role`}>
                  Review revoking
                </Button>
              ) : null,
          },
        ]}
      />
      {chosen ? <RevokeStep key={`${chosen.username}-${chosen.role}`} unlocked={unlocked} member={chosen} org={org} onDone={() => setChosen(undefined)} /> : null}
    </Stack>
  );
}
