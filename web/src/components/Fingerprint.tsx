/** A key fingerprint as people compare it aloud: ten groups of four hex digits, in a fixed-width font. */
import { Code } from '@mantine/core';
import { fingerprint } from '../../../src/client/index.ts';

export function Fingerprint({ keyId, label }: { keyId: string; label: string }) {
  return (
    <Code aria-label={`${label} fingerprint`} data-fingerprint={keyId}>
      {fingerprint(keyId)}
    </Code>
  );
}
