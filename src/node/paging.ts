/**
 * Paging at the node's boundary: every list the API serves takes an opaque
 * cursor and a limit, checked here before they reach a query, so `NaN`, a
 * negative number or a megabyte of cursor is QUERY_INVALID, never an untyped
 * SQLite error.
 */
import { nodeError } from './errors.ts';

export interface PageRequest {
  /** The `next` of the previous page. */
  after?: string | number;
  limit?: number;
}

const CURSOR = /^\d{1,15}$/;

export function checkedPage(page: PageRequest, bounds: { maxLimit: number; defaultLimit?: number }): { after?: string; limit: number } {
  if (typeof page !== 'object' || page === null) throw nodeError('QUERY_INVALID', { field: 'page' });
  const limit = page.limit ?? bounds.defaultLimit ?? Math.min(50, bounds.maxLimit);
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > bounds.maxLimit) {
    throw nodeError('QUERY_INVALID', { field: 'limit', max: bounds.maxLimit });
  }
  if (page.after === undefined) return { limit };
  const after = typeof page.after === 'number' && Number.isSafeInteger(page.after) && page.after >= 0 ? String(page.after) : page.after;
  if (typeof after !== 'string' || !CURSOR.test(after)) throw nodeError('QUERY_INVALID', { field: 'after' });
  return { after, limit };
}
