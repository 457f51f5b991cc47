/**
 * Reading an export file strictly (formats §8.6): bytes → lines → JSON
 * values. An export is UTF-8 JSON lines; a line that is not valid UTF-8, not
 * JSON, or holds a string with a lone surrogate (no structure of ours has
 * one, and JCS cannot encode it) is EXPORT_INVALID naming the line, before
 * any of it is interpreted. (`readline` would have replaced bad bytes with
 * U+FFFD and let the line through.)
 */
import { nodeError } from './errors.ts';

const NEWLINE = 0x0a;

/** The lines of a byte stream (split at "\n", each decoded as strict UTF-8), numbered from 1. */
export async function* exportLinesOf(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let line = 0;
  let pending: Uint8Array[] = [];
  const decode = (parts: Uint8Array[]): string => {
    line++;
    try {
      return decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      throw nodeError('EXPORT_INVALID', { line, reason: 'not valid UTF-8' });
    }
  };
  for await (const chunk of source) {
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, start)) {
      pending.push(chunk.subarray(start, i));
      yield decode(pending);
      pending = [];
      start = i + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield decode(pending);
}

/** A lone surrogate: in a `u` regex a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The path of the first string or key in `value` holding a lone surrogate, if
 * any. Iterative: a deeply nested line must not overflow the stack.
 */
function illFormedAt(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '$']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        if (LONE_SURROGATE.test(k)) return `${path}.<key>`;
        stack.push([child, `${path}.${k}`]);
      }
    }
  }
  return undefined;
}

/** One export line as a JSON object: EXPORT_INVALID naming the line (and the path of a lone surrogate). */
export function parseExportLine(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw nodeError('EXPORT_INVALID', { line, reason: 'not JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw nodeError('EXPORT_INVALID', { line, reason: 'not a JSON object' });
  const at = illFormedAt(value);
  if (at) throw nodeError('EXPORT_INVALID', { line, reason: 'lone surrogate', path: at.slice(0, 120) });
  return value as Record<string, unknown>;
}
