/**
 * A table wider than a phone scrolls in its own box, not the page; the box
 * is a labelled region in the tab order, so the keyboard can scroll it too.
 */
import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

export function WideTable({ label, minWidth = 560, children }: { label: string; minWidth?: number; children: ReactNode }) {
  return (
    <Table.ScrollContainer type="native" minWidth={minWidth} tabIndex={0} role="region" aria-label={`${label}, scrolls sideways on a narrow screen`}>
      {children}
    </Table.ScrollContainer>
  );
}
