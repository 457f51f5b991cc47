/**
 * A paged list from the node with every state (STYLE 12): loading, error with
 * retry, empty, rows (scrolling in their own box when wider than the
 * screen), and a labelled button for the next page. Pages come
 * from react-query's infinite query, so each page's fetch can be cancelled.
 */
import { Button, Group } from '@mantine/core';
import { ColumnsTable, type Column } from './ColumnsTable.tsx';
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Empty, ErrorState, Loading } from './States.tsx';

export type { Column };

export function PagedTable<T>(o: {
  label: string;
  queryKey: QueryKey;
  fetchPage: (after: string | undefined) => Promise<{ items: T[]; next?: string }>;
  columns: Column<T>[];
  rowKey: (item: T) => string;
  empty: ReactNode;
  filter?: (item: T) => boolean;
  /** Below this width the table scrolls in its own box (ColumnsTable's default otherwise). */
  minWidth?: number;
  rowProps?: Parameters<typeof ColumnsTable<T>>[0]['rowProps'];
}) {
  const q = useInfiniteQuery({
    queryKey: o.queryKey,
    queryFn: ({ pageParam }) => o.fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next,
  });
  if (q.isPending) return <Loading label={`Loading ${o.label}…`} />;
  if (q.error) return <ErrorState error={q.error} title={`Could not load ${o.label}`} retry={() => void q.refetch()} />;
  const items = q.data.pages.flatMap((p) => p.items).filter(o.filter ?? (() => true));
  if (items.length === 0 && !q.hasNextPage) return <Empty>{o.empty}</Empty>;
  return (
    <>
      <ColumnsTable label={o.label} columns={o.columns} items={items} rowKey={o.rowKey} {...(o.minWidth ? { minWidth: o.minWidth } : {})} {...(o.rowProps ? { rowProps: o.rowProps } : {})} />
      {q.hasNextPage ? (
        <Group justify="center" mt="sm">
          <Button variant="light" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage} aria-label={`Load more ${o.label}`}>
            Load more
          </Button>
        </Group>
      ) : null}
    </>
  );
}
