/**
 * The recovery key, shown once (DESIGN §2): the second way into the vault.
 * The node never had it; this page shows it, offers to save it as a file,
 * and goes on only when the person types it back, so it was kept, not just seen.
 */
import { Alert, Button, Code, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';

const normalise = (key: string) => key.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');

export function RecoveryKeyStep({ username, recoveryKey, onKept }: { username: string; recoveryKey: string; onKept: () => void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [fileUrl, setFileUrl] = useState<string | undefined>();

  useEffect(() => {
    const url = URL.createObjectURL(
      new Blob([`Dynamic Health Ledger recovery key for ${username}\n\n${recoveryKey}\n\nIt opens your key vault if you forget your passphrase. Keep it offline.\n`], { type: 'text/plain' }),
    );
    setFileUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [username, recoveryKey]);

  const check = (event: React.FormEvent) => {
    event.preventDefault();
    if (normalise(typed) === normalise(recoveryKey)) onKept();
    else setError('That is not the recovery key shown above: check each group of four.');
  };

  return (
    <Paper withBorder p="lg" radius="md">
      <Stack>
        <Title order={2}>Your recovery key</Title>
        <Text>
          If you forget your passphrase, this key is the only other way to open your records. It is shown <strong>once</strong>: nobody, not
          even the clinic, can show it to you again. Write it down or save it, and keep it somewhere safe and offline.
        </Text>
        <Code block className="dhl-code-wrap" aria-label="recovery key" data-testid="recovery-key" fz="lg">
          {recoveryKey}
        </Code>
        <Group>
          {fileUrl ? (
            <Button component="a" href={fileUrl} download={`dhl-recovery-key-${username}.txt`} variant="light">
              Save as a file
            </Button>
          ) : null}
        </Group>
        <form onSubmit={check} noValidate>
          <Stack>
            <TextInput
              label="Type the recovery key back"
              description="This checks that you kept it. Dashes and case do not matter."
              value={typed}
              onChange={(e) => {
                setTyped(e.currentTarget.value);
                setError(undefined);
              }}
              error={error}
              autoComplete="off"
              spellCheck={false}
              required
            />
            <Group>
              <Button type="submit">I have kept it</Button>
            </Group>
          </Stack>
        </form>
        <Alert color="yellow" variant="light">
          Without your passphrase and without this key, your records cannot be opened by anyone.
        </Alert>
      </Stack>
    </Paper>
  );
}
