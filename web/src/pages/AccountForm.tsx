/** Username, passphrase and its confirmation: the form of registration and of the admins' set-up. */
import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { confirmError, passphraseError, usernameError } from './passphrase-rules.ts';

export interface AccountFormProps {
  submitLabel: string;
  busy: boolean;
  /** A server error about the username (taken, refused), shown under that field. */
  usernameServerError?: string | undefined;
  onSubmit: (input: { username: string; passphrase: string }) => void;
}

export function AccountForm({ submitLabel, busy, usernameServerError, onSubmit }: AccountFormProps) {
  const [username, setUsername] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [shown, setShown] = useState(false);
  const errors = { username: usernameError(username), passphrase: passphraseError(passphrase), confirm: confirmError(passphrase, confirm) };
  const valid = !errors.username && !errors.passphrase && !errors.confirm;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (valid) onSubmit({ username, passphrase });
      }}
      noValidate
    >
      <Stack>
        <TextInput
          label="Username"
          description="Others find you by this exact name. Lower-case letters, digits and . _ -"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value.trim())}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          error={(shown && errors.username) || usernameServerError}
        />
        <PasswordInput
          label="Passphrase"
          description="It opens your key vault in your browser and never leaves it."
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          autoComplete="new-password"
          required
          error={shown && errors.passphrase}
        />
        <PasswordInput
          label="Passphrase again"
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
          autoComplete="new-password"
          required
          error={shown && errors.confirm}
        />
        <Button type="submit" loading={busy}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
