import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  pending: 'yellow', granted: 'teal', denied: 'red', withdrawn: 'gray', lapsed: 'gray',
  active: 'teal', expired: 'gray', revoked: 'red', replaced: 'gray', void: 'gray',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light" data-status={status}>
      {status}
    </Badge>
  );
}
