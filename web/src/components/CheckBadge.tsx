/** A check the page ran itself (src/client/flows/explorer.ts), as passing or failing with what failed: never the node's word for it. */
import { Badge } from '@mantine/core';
import type { Check } from '../../../src/client/index.ts';

export function CheckBadge({ check, what }: { check: Check; what: string }) {
  return (
    <Badge color={check.ok ? 'teal' : 'red'} variant="light" data-check={check.ok ? 'pass' : 'fail'} data-what={what}>
      {check.ok ? 'passing' : `failing: ${check.code}`}
    </Badge>
  );
}
