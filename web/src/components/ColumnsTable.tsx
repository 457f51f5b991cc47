/** Rows of items under labelled column headers, in a box that scrolls sideways on a narrow screen: the table of every list page. */
import { Table } from '@mantine/core';
import type { HTMLAttributes, ReactNode } from 'react';
import { WideTable } from './WideTable.tsx';

export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
}

export function ColumnsTable<T>(o: {
  label: string;
  columns: Column<T>[];
  items: T[];
  rowKey: (item: T) => string;
  /** Data attributes a row carries (the tests find rows by them). */
  rowProps?: (item: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  minWidth?: number;
}) {
  return (
    <WideTable label={o.label} minWidth={o.minWidth ?? 560}>
      <Table striped highlightOnHover aria-label={o.label}>
        <Table.Thead>
          <Table.Tr>
            {o.columns.map((c) => (
              <Table.Th key={c.header} scope="col">
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {o.items.map((item) => (
            <Table.Tr key={o.rowKey(item)} {...o.rowProps?.(item)}>
              {o.columns.map((c) => (
                <Table.Td key={c.header}>{c.cell(item)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </WideTable>
  );
}
