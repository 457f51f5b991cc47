/**
 * Registration (DESIGN §1 step 1): the key pairs are generated in this
 * browser, the vault sealed here under the passphrase and a fresh recovery
 * key, the RegisterUser signed here. Then the recovery key is shown once,
 * and the new account logs in (its keys come back non-extractable).
 */
import { Alert, Anchor, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { register } from '../../../src/client/index.ts';
import { RecoveryKeyStep } from '../components/RecoveryKeyStep.tsx';
import { codeOf, messageOf } from '../errors.ts';
import { loginInBrowser, pageApi } from '../session/login-flow.ts';
import { AccountForm } from './AccountForm.tsx';

const USERNAME_CODES = new Set(['USERNAME_TAKEN', 'REGISTRATION_NOT_ACCEPTED']);

export default function RegisterPage() {
  const navigate = useNavigate();
  const [created, setCreated] = useState<{ username: string; passphrase: string; recoveryKey: string } | undefined>();
  const registration = useMutation({
    mutationFn: async (input: { username: string; passphrase: string }) => {
      const answer = await register(pageApi(), { ...input, now: Date.now() });
      return { ...input, recoveryKey: answer.recoveryKey };
    },
    onSuccess: setCreated,
  });
  const signIn = useMutation({
    mutationFn: (c: { username: string; passphrase: string }) => loginInBrowser(c.username, c.passphrase),
    onSuccess: () => navigate('/account', { replace: true }),
  });

  if (created) {
    return (
      <Stack maw={640} mx="auto">
        <RecoveryKeyStep username={created.username} recoveryKey={created.recoveryKey} onKept={() => signIn.mutate(created)} />
        {signIn.isPending ? <Text role="status">Logging you in…</Text> : null}
        {signIn.error ? (
          <Alert color="red" role="alert" title="Your account exists, but logging in failed">
            {messageOf(signIn.error)}{' '}
            <Anchor component={Link} to="/login">
              Log in
            </Anchor>
          </Alert>
        ) : null}
      </Stack>
    );
  }

  const code = codeOf(registration.error);
  return (
    <Paper withBorder p="lg" radius="md" maw={520} mx="auto">
      <Stack>
        <Title order={1} size="h2">
          Create an account
        </Title>
        <Text size="sm" c="dimmed">
          Your keys are made in this browser. The clinic’s node keeps only your sealed vault: it cannot read your records or your keys.
        </Text>
        <AccountForm
          submitLabel="Create my keys and account"
          busy={registration.isPending}
          usernameServerError={code && USERNAME_CODES.has(code) ? messageOf(registration.error) : undefined}
          onSubmit={(input) => registration.mutate(input)}
        />
        {registration.isPending ? (
          <Text size="sm" role="status" aria-live="polite">
            Generating your key pairs and sealing your vault…
          </Text>
        ) : null}
        {registration.error && !(code && USERNAME_CODES.has(code)) ? (
          <Alert color="red" role="alert" title="Registration failed">
            {messageOf(registration.error)}
          </Alert>
        ) : null}
        <Text size="sm">
          Already registered?{' '}
          <Anchor component={Link} to="/login">
            Log in
          </Anchor>
        </Text>
      </Stack>
    </Paper>
  );
}
