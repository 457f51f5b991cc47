/**
 * Change the passphrase: the current one or the recovery key (either opens
 * the vault again, in this page), the new one twice. Every session of the account ends, so the page
 * locks and asks for the new passphrase; the recovery key stays as it was.
 */
import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { codeOf, messageOf } from '../errors.ts';
import { lock, type Unlocked } from '../session/keyring.ts';
import { changePassphraseInBrowser } from '../session/passphrase-change.ts';
import { confirmError, passphraseError } from './passphrase-rules.ts';

export function ChangePassphrase({ unlocked }: { unlocked: Unlocked }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [shown, setShown] = useState(false);
  const change = useMutation({
    mutationFn: () => changePassphraseInBrowser(unlocked.username, current, next),
    onSuccess: () => void lock('passphrase'),
  });
  const errors = { next: passphraseError(next) ?? (next === current ? 'Choose a passphrase other than the current one.' : undefined), confirm: confirmError(next, confirm) };
  const wrong = codeOf(change.error) === 'LOGIN_FAILED';
  return (
    <Paper withBorder p="md" radius="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setShown(true);
          if (current && !errors.next && !errors.confirm) change.mutate();
        }}
        noValidate
      >
        <Stack gap="sm">
          <Title order={2} size="h4">
            Change your passphrase
          </Title>
          <Text size="sm" c="dimmed">
            Your key vault is sealed again in this browser under the new passphrase; your keys and your recovery key stay the same. You are then logged out everywhere.
          </Text>
          <PasswordInput label="Current passphrase or recovery key" description="Lost your passphrase? Type your recovery key here." value={current} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" required error={wrong ? messageOf(change.error) : undefined} />
          <PasswordInput label="New passphrase" value={next} onChange={(e) => setNext(e.currentTarget.value)} autoComplete="new-password" required error={shown && errors.next} />
          <PasswordInput label="New passphrase again" value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} autoComplete="new-password" required error={shown && errors.confirm} />
          {change.error && !wrong ? (
            <Alert color="red" role="alert" title="Passphrase not changed">
              {messageOf(change.error)}
            </Alert>
          ) : null}
          <Button type="submit" loading={change.isPending} disabled={!current}>
            Change passphrase
          </Button>
          {change.isPending ? (
            <Text size="sm" role="status" aria-live="polite">
              Opening your vault and sealing it again…
            </Text>
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}
