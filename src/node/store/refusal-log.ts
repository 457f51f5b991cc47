/**
 * The node's log of refused requests that are not ledger transactions (issue
 * 22, the admin's "refused actions across the node"): rate-limit trips and
 * failed logins. Neither is a signed action, so neither belongs in the
 * ledger; both are node-local, like the accounts, in their own SQLite file
 * (refusals.sqlite, mode 0600).
 *
 * Two choices make a flood cheap and bounded:
 * - `synchronous = NORMAL` (WAL): a refusal is written to the log file
 *   without a disk flush of its own (a process crash loses nothing; a power
 *   loss may lose the last refusals before a checkpoint). A flood of 429s
 *   must not cost one fsync each.
 * - Each kind keeps its newest `keep` rows: past `keep + keep / 10` the
 *   oldest are deleted down to `keep` (in one statement per tenth of `keep`,
 *   not one per insert). A flood of trips cannot push the failed logins out,
 *   nor fill the disk.
 *
 * Failed logins are logged one row each and never reset: the account's own
 * count (accounts.ts, shown to its owner) is reset by the next success, which
 * would hide an attack that ended with one (docs/decisions.md).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openOwnerOnlyDb } from './owner-only-db.ts';

export const REFUSALS_FILE = 'refusals.sqlite';

/** The kinds this log holds (the ledger's refused transactions are in the ledger). */
export const NODE_REFUSAL_KINDS = Object.freeze(['rate-limit', 'failed-login'] as const);
export type NodeRefusalKind = (typeof NODE_REFUSAL_KINDS)[number];

/** Rows kept per kind by default. */
export const DEFAULT_REFUSALS_KEPT = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS refusals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('rate-limit', 'failed-login')),
  at INTEGER NOT NULL,
  -- failed-login: the account; rate-limit: the session's user when the request carried one
  username TEXT,
  -- rate-limit: the client address the limit is counted by
  client TEXT,
  -- rate-limit: the route's method and pattern (never the URL: no ids or query strings)
  route TEXT,
  -- failed-login: which secret was wrong (passphrase or recovery)
  slot TEXT
);
CREATE INDEX IF NOT EXISTS refusals_by_kind ON refusals (kind, id);
`;

/** One refusal as recorded: what the kind has, nothing else. */
export type NodeRefusalInput =
  | { kind: 'rate-limit'; at: number; client: string; route: string; username?: string }
  | { kind: 'failed-login'; at: number; username: string; slot: 'passphrase' | 'recovery' };

export type NodeRefusal = NodeRefusalInput & { id: number };

interface Raw {
  id: number;
  kind: NodeRefusalKind;
  at: number;
  username: string | null;
  client: string | null;
  route: string | null;
  slot: 'passphrase' | 'recovery' | null;
}

function refusalOf(r: Raw): NodeRefusal {
  if (r.kind === 'failed-login') return { id: r.id, kind: r.kind, at: r.at, username: r.username ?? '', slot: r.slot ?? 'passphrase' };
  return { id: r.id, kind: r.kind, at: r.at, client: r.client ?? '', route: r.route ?? '', ...(r.username === null ? {} : { username: r.username }) };
}

export interface RefusalLogOptions {
  /** Rows kept per kind (the newest); default DEFAULT_REFUSALS_KEPT. */
  keep?: number;
}

/** What the read facade reads of the log: one kind's rows, newest first. */
export interface RefusalSource {
  /** Rows of `kind` with id below `beforeId` (the previous page's last), newest first. */
  page(kind: NodeRefusalKind, query: { beforeId?: number; limit: number }): NodeRefusal[];
}

export class RefusalLog implements RefusalSource {
  private readonly stmt: Record<'insert' | 'page' | 'pageBefore' | 'prune' | 'count', StatementSync>;
  private readonly keep: number;
  /** Rows held per kind (counted at open, then kept by this process: the log's only writer). */
  private readonly held = new Map<NodeRefusalKind, number>();

  private constructor(private readonly db: DatabaseSync, options: RefusalLogOptions) {
    const keep = options.keep ?? DEFAULT_REFUSALS_KEPT;
    if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError('RefusalLog: keep must be a positive integer');
    this.keep = keep;
    this.stmt = {
      insert: db.prepare('INSERT INTO refusals (kind, at, username, client, route, slot) VALUES (?, ?, ?, ?, ?, ?)'),
      page: db.prepare('SELECT id, kind, at, username, client, route, slot FROM refusals WHERE kind = ? ORDER BY id DESC LIMIT ?'),
      pageBefore: db.prepare('SELECT id, kind, at, username, client, route, slot FROM refusals WHERE kind = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      prune: db.prepare('DELETE FROM refusals WHERE id IN (SELECT id FROM refusals WHERE kind = ? ORDER BY id LIMIT ?)'),
      count: db.prepare('SELECT COUNT(*) AS n FROM refusals WHERE kind = ?'),
    };
    for (const kind of NODE_REFUSAL_KINDS) this.held.set(kind, Number((this.stmt.count.get(kind) as { n: number }).n));
  }

  /** Opens (creating if absent) the refusal log of a data directory, readable by its owner only. */
  static open(dataDir: string, options: RefusalLogOptions = {}): RefusalLog {
    // NORMAL, in a file of its own: a flood of refusals costs no fsync per row, and the accounts' file stays FULL.
    // A short busy timeout once set up: a row is evidence, not a decision, and another process holding the file's
    // lock (a backup, an sqlite3 shell) must not stall every refusal's answer for seconds; the row is dropped instead.
    const db = openOwnerOnlyDb(dataDir, REFUSALS_FILE, { synchronous: 'NORMAL', schema: [SCHEMA], busyTimeoutMs: 50 });
    try {
      return new RefusalLog(db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }


  /** Records one refusal, then deletes the kind's oldest rows once it holds more than `keep` plus a tenth. */
  record(r: NodeRefusalInput): void {
    if (r.kind === 'failed-login') this.stmt.insert.run(r.kind, r.at, r.username, null, null, r.slot);
    else this.stmt.insert.run(r.kind, r.at, r.username ?? null, r.client, r.route, null);
    const held = this.held.get(r.kind)! + 1;
    const slack = Math.max(1, Math.floor(this.keep / 10));
    if (held >= this.keep + slack) {
      this.stmt.prune.run(r.kind, held - this.keep);
      this.held.set(r.kind, this.keep);
    } else this.held.set(r.kind, held);
  }

  page(kind: NodeRefusalKind, query: { beforeId?: number; limit: number }): NodeRefusal[] {
    const rows = query.beforeId === undefined ? this.stmt.page.all(kind, query.limit) : this.stmt.pageBefore.all(kind, query.beforeId, query.limit);
    return (rows as unknown as Raw[]).map(refusalOf);
  }

  /** How many rows of `kind` the log holds (at most `keep` plus a tenth). */
  size(kind: NodeRefusalKind): number {
    return this.held.get(kind)!;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
