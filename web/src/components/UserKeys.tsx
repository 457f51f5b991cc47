/**
 * A user's current keys as the ledger proves them (DESIGN §2): the
 * fingerprints people compare, and which transaction put each in the log —
 * its RegisterUser or RotateKeys, and for a doctor the AssignRole naming
 * those keys — each checked by inclusion proof under the head the lookup
 * came with (verifyUserView ran before this renders).
 */
import { Badge, Group, Stack, Table, Text } from '@mantine/core';
import type { Reads } from '../../../src/client/index.ts';
import { Fingerprint } from './Fingerprint.tsx';

type UserView = Awaited<ReturnType<Reads['user']>>;

export function currentKeys(view: UserView) {
  const sig = view.keys.find((k) => k.use === 'sig' && k.current);
  const enc = view.keys.find((k) => k.use === 'enc' && k.current);
  return { sig, enc };
}

export function UserKeys({ view }: { view: UserView }) {
  const { sig, enc } = currentKeys(view);
  const roles = view.roles.filter((r) => r.active);
  return (
    <Stack gap="xs">
      <Table aria-label={`${view.username}'s keys`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Key</Table.Th>
            <Table.Th scope="col">Fingerprint</Table.Th>
            <Table.Th scope="col">Proven by</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[sig, enc].map((k) =>
            k ? (
              <Table.Tr key={k.keyId}>
                <Table.Td>{k.use === 'sig' ? 'Signing' : 'Encryption'}</Table.Td>
                <Table.Td>
                  <Fingerprint keyId={k.keyId} label={`${view.username} ${k.use === 'sig' ? 'signing' : 'encryption'} key`} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {k.registeredBy.entry.tx.header.type} in block {k.registeredBy.entry.height}{' '}
                    <Badge color="green" variant="light">
                      inclusion proof checked
                    </Badge>
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null,
          )}
        </Table.Tbody>
      </Table>
      <Group gap="xs">
        {roles.length === 0 ? <Text size="sm">No doctor or admin role.</Text> : null}
        {roles.map((r) => (
          <Badge key={`${r.role}-${r.org}`} variant="light" color={r.vouched ? 'teal' : 'orange'} data-testid={`role-${r.role}`}>
            {r.role} at {r.org}
            {r.vouched ? (r.assignedBy ? ` · AssignRole in block ${r.assignedBy.entry.height}` : '') : ' · keys not vouched'}
          </Badge>
        ))}
      </Group>
    </Stack>
  );
}
