/**
 * Rotate the keys (session/key-rotation.ts): what happens to old records,
 * grants and roles said before anything is done (an admin confirms losing
 * the role first, DESIGN §6 and the contract README's open point); the
 * passphrase opens the vault again; afterwards the fingerprints before and
 * after, and the keys as the ledger now proves them.
 */
import { Alert, Button, Checkbox, List, Paper, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Fingerprint } from '../components/Fingerprint.tsx';
import { UserKeys } from '../components/UserKeys.tsx';
import { WideTable } from '../components/WideTable.tsx';
import { codeOf, messageOf } from '../errors.ts';
import { rotateKeys, type KeyIds, type Rotated } from '../session/key-rotation.ts';
import type { Unlocked } from '../session/keyring.ts';
import { loginInBrowser, secretOf } from '../session/login-flow.ts';
import { useMe } from '../session/use-me.ts';

export function RotateKeys({ unlocked }: { unlocked: Unlocked }) {
  const [secret, setSecret] = useState('');
  const [adminUnderstood, setAdminUnderstood] = useState(false);
  const me = useMe(unlocked);
  const queries = useQueryClient();
  const { adminOrg, doctorOrg } = me.roles;
  const rotate = useMutation({
    mutationFn: async () => {
      const rotated = await rotateKeys(unlocked.chain, unlocked.username, secretOf(secret));
      // Every session ended with (3): the page logs in again, and the keyring switches to the new keys.
      await loginInBrowser(unlocked.username, secretOf(secret), { rotated });
    },
    onSuccess: async () => {
      setSecret('');
      await queries.invalidateQueries({ queryKey: ['user', unlocked.username] });
    },
  });
  const wrong = codeOf(rotate.error) === 'LOGIN_FAILED';
  const blocked = !secret || (adminOrg !== undefined && !adminUnderstood) || me.isPending;
  return (
    <Paper withBorder p="md" radius="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!blocked) rotate.mutate();
        }}
        noValidate
      >
        <Stack gap="sm">
          <Title order={2} size="h4">
            Rotate your keys
          </Title>
          {unlocked.rotated ? <RotatedKeys rotated={unlocked.rotated} /> : null}
          {unlocked.rotated && me.data ? (
            <Stack gap="xs" data-testid="ledger-keys">
              <Text size="sm" fw={600}>
                Your keys as the ledger proves them now
              </Text>
              <UserKeys view={me.data} />
            </Stack>
          ) : null}
          <Text size="sm">New signing and encryption key pairs are made in this browser and sealed in your vault beside the old ones. Then:</Text>
          <List size="sm" spacing={4}>
            <List.Item>Records already wrapped for your old encryption key still open for you: the old key stays in your vault. What you upload from now on is wrapped for the new one.</List.Item>
            <List.Item>Grants you gave stand: a doctor keeps reading what you shared (it is wrapped for the doctor’s key, not yours).</List.Item>
            <List.Item>Every session of your account ends: other browsers and the command line log in again with the same passphrase.</List.Item>
            <List.Item>The new vault is kept in this browser before the ledger hears of the new keys: if the rotation is interrupted, your next login here finishes it.</List.Item>
          </List>
          {doctorOrg ? (
            <Alert color="orange" title="Your doctor role names your old keys" data-testid="rotate-doctor-warning">
              You are a doctor at {doctorOrg}. Until an administrator of {doctorOrg} enrols your new keys, you cannot act as a doctor: no
              reads under your grants, no requests, no contributions. Records wrapped for your old key open again once you are enrolled.
            </Alert>
          ) : null}
          {adminOrg ? (
            <Alert color="red" title="You lose the admin role" data-testid="rotate-admin-warning">
              <Stack gap="xs">
                <Text size="sm">
                  You are an administrator of {adminOrg}. The role names your old keys: after the rotation you are no longer an administrator
                  until another administrator of {adminOrg} assigns the role again, naming your new keys. If you are its only administrator,
                  nobody can give it back.
                </Text>
                <Checkbox
                  label={`I understand that I lose the admin role of ${adminOrg} until another administrator assigns it again`}
                  checked={adminUnderstood}
                  onChange={(e) => setAdminUnderstood(e.currentTarget.checked)}
                />
              </Stack>
            </Alert>
          ) : null}
          <PasswordInput
            label="Your passphrase, to rotate"
            description="It opens your vault again in this page; it stays the same after the rotation."
            value={secret}
            onChange={(e) => setSecret(e.currentTarget.value)}
            autoComplete="current-password"
            required
            error={wrong ? messageOf(rotate.error) : undefined}
          />
          {rotate.error && !wrong ? (
            <Alert color="red" role="alert" title="Keys not rotated yet">
              {messageOf(rotate.error)} If the new keys were already kept in this browser, trying again — or your next login here — finishes the
              rotation.
            </Alert>
          ) : null}
          <Button type="submit" loading={rotate.isPending} disabled={blocked}>
            Rotate my keys
          </Button>
          {rotate.isPending ? (
            <Text size="sm" role="status" aria-live="polite">
              Making new key pairs, sealing your vault and submitting RotateKeys…
            </Text>
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}

function RotatedKeys({ rotated }: { rotated: Rotated }) {
  const row = (name: string, use: keyof KeyIds, label: string) => (
    <Table.Tr>
      <Table.Td>{name}</Table.Td>
      <Table.Td>
        <Fingerprint keyId={rotated.old[use]} label={`your old ${label}`} />
      </Table.Td>
      <Table.Td>
        <Fingerprint keyId={rotated.next[use]} label={`your new ${label}`} />
      </Table.Td>
    </Table.Tr>
  );
  return (
    <Alert color="teal" role="status" title="Your keys were rotated" data-testid="rotated">
      <Stack gap="xs">
        <Text size="sm">
          {rotated.atLogin ? 'The key rotation this browser kept unfinished was finished at this login. ' : ''}
          {rotated.height !== undefined ? `RotateKeys is in block ${rotated.height}. ` : 'RotateKeys was in a block already. '}
          Your sessions elsewhere have ended.
        </Text>
        <WideTable label="fingerprints before and after the rotation">
          <Table aria-label="fingerprints before and after the rotation">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Key</Table.Th>
                <Table.Th scope="col">Old fingerprint</Table.Th>
                <Table.Th scope="col">New fingerprint</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {row('Signing', 'sigKeyId', 'signing key')}
              {row('Encryption', 'encKeyId', 'encryption key')}
            </Table.Tbody>
          </Table>
        </WideTable>
      </Stack>
    </Alert>
  );
}
