import { Alert, Anchor, Button, Paper, PasswordInput, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { codeOf, messageOf } from '../errors.ts';
import { lockReason } from '../session/lock-reason.ts';
import { loginInBrowser } from '../session/login-flow.ts';

const LOCKED: Record<string, string> = {
  idle: 'You were logged out after a while without activity, and your keys were cleared from this browser.',
  expired: 'Your session ended, and your keys were cleared from this browser.',
  logout: 'You are logged out. Your keys were cleared from this browser.',
  reload: 'The page was reloaded, which clears your keys: please log in again.',
  passphrase: 'Your passphrase was changed and every session of your account ended: log in with the new passphrase.',
};

export default function LoginPage() {
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [withRecoveryKey, setWithRecoveryKey] = useState(false);
  const reason = lockReason();
  const mutation = useMutation({
    mutationFn: () => loginInBrowser(username.trim(), withRecoveryKey ? { recoveryKey: passphrase.trim().toUpperCase() } : passphrase),
    onSuccess: () => {
      setPassphrase('');
      navigate('/account', { replace: true });
    },
  });
  const wrong = codeOf(mutation.error) === 'LOGIN_FAILED';

  return (
    <Paper withBorder p="lg" radius="md" maw={460} mx="auto">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate();
        }}
        noValidate
      >
        <Stack>
          <Title order={1} size="h2">
            Log in
          </Title>
          {reason && LOCKED[reason] ? (
            <Alert color="blue" variant="light" role="status">
              {LOCKED[reason]}
            </Alert>
          ) : null}
          <Text size="sm" c="dimmed">
            Your passphrase opens your key vault in this browser; it is never sent to the node.
          </Text>
          <TextInput
            label="Username"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            error={wrong}
          />
          <PasswordInput
            label={withRecoveryKey ? 'Recovery key' : 'Passphrase'}
            description={withRecoveryKey ? 'The key shown once when you registered. Once in, choose a new passphrase on your account page.' : undefined}
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            autoComplete={withRecoveryKey ? 'off' : 'current-password'}
            required
            error={wrong ? messageOf(mutation.error) : undefined}
          />
          <Switch
            label="I lost my passphrase: log in with my recovery key"
            checked={withRecoveryKey}
            onChange={(e) => {
              setWithRecoveryKey(e.currentTarget.checked);
              setPassphrase('');
              mutation.reset();
            }}
          />
          {mutation.error && !wrong ? (
            <Alert color="red" role="alert" title="Could not log in">
              {messageOf(mutation.error)}
            </Alert>
          ) : null}
          <Button type="submit" loading={mutation.isPending} disabled={!username || !passphrase}>
            Log in
          </Button>
          {mutation.isPending ? (
            <Text size="sm" role="status" aria-live="polite">
              Opening your key vault…
            </Text>
          ) : null}
          <Text size="sm">
            New here?{' '}
            <Anchor component={Link} to="/register">
              Create an account
            </Anchor>
          </Text>
        </Stack>
      </form>
    </Paper>
  );
}
