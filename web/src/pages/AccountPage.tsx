/** The logged-in home: who you are, your keys' fingerprints, failed logins since last time; change the passphrase; rotate the keys. */
import { Alert, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Fingerprint } from '../components/Fingerprint.tsx';
import { ChangePassphrase } from './ChangePassphrase.tsx';
import { RotateKeys } from './RotateKeys.tsx';
import { IDLE_TIMEOUT_MS } from '../session/idle.ts';
import type { Unlocked } from '../session/keyring.ts';

const when = (ms: number) => new Date(ms).toLocaleString();

export default function AccountPage({ unlocked }: { unlocked: Unlocked }) {
  const failed = unlocked.failedLogins;
  return (
    <Stack>
      <Title order={1} size="h2">
        Welcome, {unlocked.username}
      </Title>
      {failed.count > 0 ? (
        <Alert color="orange" title="Failed logins since your last visit" role="alert" data-testid="failed-logins">
          {failed.count === 1 ? 'There was 1 failed attempt' : `There were ${failed.count} failed attempts`} to log in to your account
          {failed.lastAt ? `, the last at ${when(failed.lastAt)}` : ''}. If that was not you, choose a new passphrase.
        </Alert>
      ) : (
        <Text size="sm" c="dimmed" data-testid="failed-logins">
          No failed login attempts since your last visit.
        </Text>
      )}
      <Paper withBorder p="md" radius="md">
        <Stack gap="xs">
          <Title order={2} size="h4">
            Your keys
          </Title>
          <Text size="sm">
            Your private keys are open in this browser only, and cannot be copied out of it. They are cleared when you log out, when you reload
            the page, after {Math.round(IDLE_TIMEOUT_MS / 60000)} minutes without activity, and when your session ends at{' '}
            {when(unlocked.expiresAt)}.
          </Text>
          <Table aria-label="your key fingerprints">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Key</Table.Th>
                <Table.Th scope="col">Fingerprint</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td>Signing (RSA-PSS)</Table.Td>
                <Table.Td>
                  <Fingerprint keyId={unlocked.sig.keyId} label="your signing key" />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Td>Encryption (RSA-OAEP)</Table.Td>
                <Table.Td>
                  <Fingerprint keyId={unlocked.enc.keyId} label="your encryption key" />
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Stack>
      </Paper>
      <ChangePassphrase unlocked={unlocked} />
      <RotateKeys unlocked={unlocked} />
    </Stack>
  );
}
