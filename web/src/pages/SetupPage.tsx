/**
 * The first run in the browser (docs/api.md, "First run"): the node's setup
 * link opens this page with the one-time token in its fragment (never sent to
 * a server). This admin's key pairs are generated here; the node gets the
 * public halves and builds the genesis once every expected admin has joined;
 * this page checks that the genesis names this admin with exactly these keys
 * and computes the chain id itself, shows it with every admin's fingerprint,
 * and only then signs the RegisterUser and seals the vault.
 */
import { Alert, Button, Code, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import {
  checkSetupGenesis, DhlError, fromBase64url, generateUserKeys, joinSetup, keyIdOfSpki, registerSetupAdmin, type Genesis, type SetupState,
  type UserKeyPairs,
} from '../../../src/client/index.ts';
import { Fingerprint } from '../components/Fingerprint.tsx';
import { RecoveryKeyStep } from '../components/RecoveryKeyStep.tsx';
import { ErrorState, Loading } from '../components/States.tsx';
import { messageOf } from '../errors.ts';
import { loginInBrowser, pageApi } from '../session/login-flow.ts';
import { setupToken } from '../session/setup-token.ts';
import { trustedChain } from '../session/trust.ts';
import { AccountForm } from './AccountForm.tsx';

const POLL_MS = 2000;

interface Joined {
  token: string;
  username: string;
  passphrase: string;
  keys: UserKeyPairs;
}

export default function SetupPage() {
  const token = setupToken();
  const [joined, setJoined] = useState<Joined | undefined>();
  const status = useQuery({ queryKey: ['status'], queryFn: () => pageApi().call('status') });

  const join = useMutation({
    mutationFn: async (input: { username: string; passphrase: string }) => {
      const keys = await generateUserKeys();
      await joinSetup(pageApi(), { token: token!, username: input.username, keys });
      return { token: token!, ...input, keys };
    },
    onSuccess: setJoined,
  });

  if (!token) {
    return (
      <Alert color="yellow" title="No setup token" maw={640} mx="auto">
        Open the one-time setup link the node printed when it started (it ends in <Code>#token=…</Code>). A node that is already set up has no setup
        link: log in instead.
      </Alert>
    );
  }
  if (status.isPending) return <Loading label="Asking the node about its set-up…" />;
  if (status.error) return <ErrorState error={status.error} title="The node did not answer" retry={() => void status.refetch()} />;
  if (status.data.setup === 'complete' && !joined) {
    return (
      <Alert color="blue" title="Already set up" maw={640} mx="auto">
        This node is already set up. Log in with your account.
      </Alert>
    );
  }
  if (joined) return <AfterJoin joined={joined} />;

  return (
    <Paper withBorder p="lg" radius="md" maw={560} mx="auto">
      <Stack>
        <Title order={1} size="h2">
          Set up this node
        </Title>
        <Text>
          You are one of the first administrators of this node. Your key pairs are generated in this browser; the node receives only their public
          halves. Keep this page open until the set-up is complete.
        </Text>
        <AccountForm submitLabel="Generate my keys and join" busy={join.isPending} onSubmit={(input) => join.mutate(input)} />
        {join.isPending ? (
          <Text size="sm" role="status" aria-live="polite">
            Generating your key pairs in this browser…
          </Text>
        ) : null}
        {join.error ? <ErrorState error={join.error} title="Could not join the set-up" /> : null}
      </Stack>
    </Paper>
  );
}

/** After joining: wait for the other admins, check the genesis, sign, keep the recovery key, log in. */
function AfterJoin({ joined }: { joined: Joined }) {
  const navigate = useNavigate();
  const state = useQuery({
    queryKey: ['setup-state', joined.username],
    // Re-joining with the same keys answers the set-up's state (with the genesis once every admin is in).
    queryFn: () => joinSetup(pageApi(), { token: joined.token, username: joined.username, keys: joined.keys }),
    refetchInterval: (q) => (q.state.data?.genesis === undefined ? POLL_MS : false),
  });
  const checked = useQuery({
    queryKey: ['setup-genesis', state.data?.chainId],
    enabled: state.data?.genesis !== undefined,
    queryFn: () => checkAndSummarise(state.data!, joined),
    staleTime: Infinity,
    retry: false,
  });
  const registration = useMutation({
    mutationFn: async () => {
      const status = await pageApi().call('status');
      const chain = checked.data!.chainId;
      const { answer, recoveryKey } = await registerSetupAdmin(pageApi(), {
        token: joined.token, chain, username: joined.username, passphrase: joined.passphrase, keys: joined.keys, kdf: status.kdf, now: Date.now(),
      });
      return { recoveryKey, complete: answer.status === 200 };
    },
  });
  const [kept, setKept] = useState(false);
  const complete = useQuery({
    queryKey: ['setup-complete'],
    enabled: kept,
    queryFn: () => pageApi().call('status'),
    refetchInterval: (q) => (q.state.data?.setup === 'complete' ? false : POLL_MS),
  });
  const signIn = useMutation({
    mutationFn: () => loginInBrowser(joined.username, joined.passphrase),
    onSuccess: () => navigate('/account', { replace: true }),
  });
  const ready = complete.data?.setup === 'complete';
  useEffect(() => {
    if (ready && signIn.isIdle) {
      trustedChain(checked.data!.chainId);
      signIn.mutate();
    }
  }, [ready, signIn, checked.data]);

  if (state.error) return <ErrorState error={state.error} title="The set-up stopped" retry={() => void state.refetch()} />;
  if (!state.data || state.data.genesis === undefined) {
    const s = state.data;
    return (
      <Paper withBorder p="lg" radius="md" maw={640} mx="auto">
        <Stack>
          <Title order={2}>Waiting for the other administrators</Title>
          <Loading label={s ? `${s.joined.length} of ${s.expected} administrators have joined. Keep this page open.` : 'Joining…'} />
          {s ? (
            <List>
              {s.joined.map((u) => (
                <List.Item key={u}>{u}</List.Item>
              ))}
            </List>
          ) : null}
        </Stack>
      </Paper>
    );
  }
  if (checked.isPending) return <Loading label="Checking the genesis the node built…" />;
  if (checked.error) return <ErrorState error={checked.error} title="The genesis was refused: nothing was signed" />;

  if (registration.data && !kept) {
    return <RecoveryKeyStep username={joined.username} recoveryKey={registration.data.recoveryKey} onKept={() => setKept(true)} />;
  }
  if (kept) {
    if (signIn.error) return <ErrorState error={signIn.error} title="The node is set up, but logging in failed" retry={() => signIn.mutate()} />;
    return <Loading label={ready ? 'The node is set up. Logging you in…' : 'Waiting for the other administrators to sign their registrations…'} />;
  }

  const g = checked.data;
  return (
    <Paper withBorder p="lg" radius="md" maw={760} mx="auto">
      <Stack>
        <Title order={2}>Check the new ledger</Title>
        <Text>
          The node built the genesis (block 0). This browser checked that it names you with exactly your keys and computed its chain id. Compare
          the chain id and the fingerprints with the other administrators before you sign.
        </Text>
        <div>
          <Text fw={600}>Chain id</Text>
          <Code block className="dhl-code-wrap" data-testid="chain-id">
            {g.chainId}
          </Code>
        </div>
        <Table captionSide="top" aria-label="administrators in the genesis">
          <Table.Caption>Administrators the genesis names</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Organisation</Table.Th>
              <Table.Th scope="col">Administrator</Table.Th>
              <Table.Th scope="col">Signing key fingerprint</Table.Th>
              <Table.Th scope="col">Encryption key fingerprint</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {g.admins.map((a) => (
              <Table.Tr key={a.username}>
                <Table.Td>{a.org}</Table.Td>
                <Table.Td>
                  {a.username}
                  {a.username === joined.username ? ' (you)' : ''}
                </Table.Td>
                <Table.Td>
                  <Fingerprint keyId={a.sigKeyId} label={`${a.username} signing key`} />
                </Table.Td>
                <Table.Td>
                  <Fingerprint keyId={a.encKeyId} label={`${a.username} encryption key`} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          <Button onClick={() => registration.mutate()} loading={registration.isPending}>
            Sign my registration
          </Button>
        </Group>
        {registration.error ? (
          <Alert color="red" role="alert" title="Registration failed">
            {messageOf(registration.error)}
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}

interface GenesisSummary {
  chainId: string;
  admins: { org: string; username: string; sigKeyId: string; encKeyId: string }[];
}

async function checkAndSummarise(state: SetupState, joined: Joined): Promise<GenesisSummary> {
  const { chainId, genesis } = await checkSetupGenesis(state, { username: joined.username, keys: joined.keys });
  return { chainId, admins: await adminsOf(genesis) };
}

async function adminsOf(genesis: Genesis): Promise<GenesisSummary['admins']> {
  const out: GenesisSummary['admins'] = [];
  for (const org of genesis.orgs) {
    for (const a of org.admins) {
      out.push({ org: org.org, username: a.username, sigKeyId: await keyIdOfSpki(fromBase64url(a.sigSpki)), encKeyId: await keyIdOfSpki(fromBase64url(a.encSpki)) });
    }
  }
  if (out.length === 0) throw new DhlError('SETUP_GENESIS_REFUSED', 'the genesis names no administrator');
  return out;
}
