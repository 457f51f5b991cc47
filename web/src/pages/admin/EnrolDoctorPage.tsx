/**
 * An admin enrols a doctor (DESIGN §1 step 1): look the user up by exact
 * username, compare the fingerprints the ledger proves with the ones the
 * doctor reads out, then sign an AssignRole naming exactly those keys.
 */
import { Alert, Button, Checkbox, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { currentKeys, UserKeys } from '../../components/UserKeys.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { messageOf } from '../../errors.ts';
import type { Unlocked } from '../../session/keyring.ts';
import { submitOk } from '../../../../src/client/index.ts';
import { ctxOf } from '../../session/ledger.ts';
import { useMe, useUser } from '../../session/use-me.ts';

export default function EnrolDoctorPage({ unlocked }: { unlocked: Unlocked }) {
  const me = useMe(unlocked);
  const [typed, setTyped] = useState('');
  const [name, setName] = useState<string | undefined>();
  const [compared, setCompared] = useState(false);
  const user = useUser(unlocked, name);
  const queryClient = useQueryClient();
  const org = me.roles.adminOrg;
  const enrol = useMutation({
    mutationFn: async () => {
      const { sig, enc } = currentKeys(user.data!);
      return submitOk(ctxOf(unlocked), 'AssignRole', { username: user.data!.username, role: 'doctor', org: org!, encKeyId: enc!.keyId, sigKeyId: sig!.keyId });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['user', name] }),
  });

  if (me.isPending) return <Loading label="Checking your role…" />;
  if (me.error) return <ErrorState error={me.error} title="Could not check your role" retry={() => void me.refetch()} />;
  if (!org) return <Alert color="yellow" title="Administrators only">Only an active administrator can enrol doctors.</Alert>;
  const isDoctor = user.data?.roles.some((r) => r.role === 'doctor' && r.active && r.org === org);

  return (
    <Stack>
      <Title order={1} size="h2">
        Enrol a doctor in {org}
      </Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setCompared(false);
            enrol.reset();
            setName(typed.trim());
          }}
        >
          <Group align="flex-end">
            <TextInput label="Doctor's username" description="The exact username: there is no list of everyone." value={typed} onChange={(e) => setTyped(e.currentTarget.value)} required />
            <Button type="submit" disabled={!typed.trim()}>
              Look up
            </Button>
          </Group>
        </form>
      </Paper>
      {name && user.isPending ? <Loading label={`Looking up ${name} and checking the proofs…`} /> : null}
      {user.error ? <ErrorState error={user.error} title={`Could not look up ${name}`} /> : null}
      {user.data ? (
        <Paper withBorder p="md">
          <Stack>
            <Title order={2} size="h4">
              {user.data.username}
            </Title>
            <UserKeys view={user.data} />
            {isDoctor ? (
              <Alert color="teal" role="status">
                {user.data.username} is a doctor at {org}.
              </Alert>
            ) : (
              <>
                <Checkbox
                  label={`I compared these fingerprints with ${user.data.username} (in person or on a call), and they match`}
                  checked={compared}
                  onChange={(e) => setCompared(e.currentTarget.checked)}
                />
                <Group>
                  <Button onClick={() => enrol.mutate()} disabled={!compared} loading={enrol.isPending}>
                    Enrol {user.data.username} as a doctor
                  </Button>
                </Group>
              </>
            )}
            {enrol.error ? (
              <Alert color="red" role="alert" title="Not enrolled">
                {messageOf(enrol.error)}
              </Alert>
            ) : null}
            {enrol.data ? <Text size="sm">AssignRole recorded in block {enrol.data.height}.</Text> : null}
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}
