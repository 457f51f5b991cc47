/**
 * Properties over random interleavings of valid and invalid transactions of
 * every type (fast-check), checked against the naive oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '../../src/crypto/canonical.ts';
import {
  apply, finishBlock, genesisWrites, mayRead, NONCE_BUCKET_MS, MemoryStateView, OverlayView, readState, TX_TYPES, type ContractTx, type StateWrite,
} from '../../src/contract/index.ts';
import { DAY, Person, code } from './builders.ts';
import { Runner, commandArb, type Cmd, type LogEntry } from './commands.ts';
import { oracleMayRead } from './oracle.ts';

const RUNS = 80;
const commands = fc.array(commandArb, { minLength: 20, maxLength: 70 });
/** Read-denial codes: a RecordRead refused for one of these means "may not read this version now". */
const READ_DENIALS = new Set(['READ_NOT_PERMITTED', 'GRANT_EXPIRED', 'GRANT_VOID', 'ROLE_KEY_NOT_VOUCHED', 'VERSION_NOT_FOUND', 'VERSION_NOT_WRAPPED']);

function latestVersion(r: Runner, recordId: string): number {
  return readState.record(r.w.state, recordId)?.latestVersion ?? 1;
}

function isNonceOnly(entry: LogEntry): boolean {
  const nonceKey = `nonce/${entry.tx.header.actor}/${entry.tx.header.nonce}`;
  return entry.result.writes.every(([k]) => k === nonceKey);
}

/** Now, later, and both sides of every grant's expiry still ahead: where an off-by-one would show. */
function probeTimes(r: Runner): number[] {
  const expiries = r.accepted
    .filter((tx) => tx.header.type === 'GrantAccess')
    .map((tx) => (tx.body as { expiresAt: number }).expiresAt)
    .filter((t) => t > r.w.time);
  return [...new Set([r.w.time, r.w.time + 3_600_000, r.w.time + DAY, ...expiries.flatMap((t) => [t - 1, t])])];
}

/** Every (user, record, version) at the probe times, one version past the latest too: the contract's answer and the oracle's must agree. */
function compareWithOracle(r: Runner, people: Person[]): void {
  for (const t of probeTimes(r)) {
    for (const x of people) {
      for (const recordId of r.allRecords()) {
        for (let v = 1; v <= latestVersion(r, recordId) + 1; v++) {
          const contract = mayRead(r.w.state, x.username, recordId, v, t).ok;
          const oracle = oracleMayRead(r.accepted, x.username, recordId, v, t);
          assert.equal(contract, oracle, `mayRead(${x.username}, ${recordId.slice(0, 6)}, v${v}, +${t - r.w.time}ms)`);
        }
      }
    }
  }
}

test('mayRead agrees with the naive oracle over random interleavings of valid and invalid transactions of every type', () => {
  const accepted = new Map<string, number>();
  const rejected = new Map<string, number>();
  fc.assert(
    fc.property(commands, (cmds) => {
      const r = new Runner();
      r.onBlock = (entries, acceptedBefore) => {
        entries.forEach((e, i) => {
          const counts = e.result.outcome.ok ? accepted : rejected;
          counts.set(e.tx.header.type, (counts.get(e.tx.header.type) ?? 0) + 1);
          // A RecordRead is accepted exactly when the oracle says the reader may read at block time.
          if (e.tx.header.type === 'RecordRead' && !e.faulted && code(e.result) !== 'BODY_INVALID') {
            const c = code(e.result);
            // A garbage body can be refused for its actor or time before its shape is looked at.
            const { recordId, version } = (e.tx.body ?? {}) as { recordId?: unknown; version?: unknown };
            if (typeof recordId !== 'string' || typeof version !== 'number') {
              assert.notEqual(c, 'OK', 'a read naming no record or version was accepted');
              return;
            }
            const oracle = oracleMayRead(acceptedBefore(i), e.tx.header.actor, recordId, version, e.time);
            if (c === 'OK') assert.equal(oracle, true, 'read accepted but the oracle refuses');
            if (READ_DENIALS.has(c)) assert.equal(oracle, false, `read refused (${c}) but the oracle allows`);
          }
        });
        compareWithOracle(r, r.people);
      };
      for (const c of cmds) r.run(c);
      r.flush();
    }),
    { numRuns: RUNS },
  );
  // The generator must make every type happen, accepted and refused, or the comparison proves little.
  const active = Object.values(TX_TYPES).filter((t) => t !== 'EmergencyAccess' && t !== 'EraseRecord');
  const weak = active.filter((t) => (accepted.get(t) ?? 0) < 5);
  assert.deepEqual(weak, [], `types accepted fewer than 5 times in ${RUNS} runs: ${weak.join(', ')} (${JSON.stringify(Object.fromEntries(accepted))})`);
  const neverRefused = Object.values(TX_TYPES).filter((t) => (rejected.get(t) ?? 0) < 5);
  assert.deepEqual(neverRefused, [], `types refused fewer than 5 times: ${neverRefused.join(', ')}`);
});

test('a rejected transaction writes nothing but its replay nonce, and only envelope failures write nothing at all', () => {
  fc.assert(
    fc.property(commands, (cmds) => {
      const r = new Runner();
      for (const c of cmds) r.run(c);
      r.flush();
      for (const e of r.log) {
        if (e.result.outcome.ok) continue;
        assert.ok(isNonceOnly(e), `${e.tx.header.type} rejected ${code(e.result)} but wrote ${e.result.writes.map(([k]) => k).join(', ')}`);
        const envelope = ['HEADER_INVALID', 'CHAIN_MISMATCH', 'TX_EXPIRED', 'NOT_AFTER_TOO_FAR', 'NONCE_REPLAYED'].includes(code(e.result));
        assert.equal(e.result.writes.length, envelope ? 0 : 1);
      }
    }),
    { numRuns: RUNS },
  );
});

test('a spent nonce is remembered at least through its notAfter and forgotten soon after, whatever the interleaving', () => {
  fc.assert(
    fc.property(commands, (cmds) => {
      const r = new Runner();
      const spent: { key: string; notAfter: number }[] = [];
      r.onBlock = (entries) => {
        for (const e of entries) {
          const key = `nonce/${e.tx.header.actor}/${e.tx.header.nonce}`;
          if (e.result.writes.some(([k]) => k === key)) spent.push({ key, notAfter: e.tx.header.notAfter });
        }
        const now = r.w.time;
        for (const { key, notAfter } of spent) {
          const held = r.w.get(key);
          // Remembered while it can still be replayed (a later use of the same nonce may hold a later notAfter).
          if (notAfter >= now) assert.ok(typeof held === 'number' && held >= notAfter, `${key} forgotten before its notAfter`);
          // Gone once its bucket ended, unless reused (the runner's load is far below the pruning budget).
          if ((Math.floor(notAfter / NONCE_BUCKET_MS) + 1) * NONCE_BUCKET_MS <= now && held === notAfter) assert.fail(`${key} kept after its bucket`);
        }
      };
      for (const c of cmds) r.run(c);
      r.flush();
    }),
    { numRuns: RUNS / 2 },
  );
});

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** DESIGN §13's changesHash over a block's writes, chained as stateDigest (the chain id stands in for the genesis tag here). */
function stateDigests(blocks: readonly { writes: StateWrite[] }[]): string[] {
  let digest = sha256Hex('dhl/state/v1\n');
  return blocks.map((b) => {
    const changes = sha256Hex(canonicalJson(b.writes, { allowNull: true }));
    digest = sha256Hex(digest + changes);
    return digest;
  });
}

test('replaying the same transactions over a fresh state gives identical writes, state digests and final state', () => {
  fc.assert(
    fc.property(commands, (cmds) => {
      const first = new Runner();
      for (const c of cmds) first.run(c);
      first.flush();
      const replayed = new MemoryStateView(genesisWrites(first.genesis));
      const blocks = first.w.blocks.map(({ context, txs }) => {
        const overlay = new OverlayView(replayed);
        const results = txs.map((tx: ContractTx) => {
          const result = apply(overlay, tx, context);
          overlay.apply(result.writes);
          return result;
        });
        finishBlock(overlay, context);
        const writes = overlay.writes();
        replayed.apply(writes);
        return { results, writes };
      });
      assert.deepEqual(blocks.map((b) => b.results), first.w.blocks.map((b) => b.results));
      assert.deepEqual(stateDigests(blocks), stateDigests(first.w.blocks));
      assert.deepEqual(replayed.entries(), first.w.state.entries());
    }),
    { numRuns: 40 },
  );
});

/** Runs each phase's commands (skipping its excluded kinds), calling `between` after each. */
function runPhases(phases: { cmds: Cmd[]; exclude?: string[] }[], between: (r: Runner, phase: number) => void): Runner {
  const r = new Runner();
  phases.forEach((phase, i) => {
    r.exclude = phase.exclude ?? [];
    for (const c of phase.cmds) r.run(c);
    r.flush();
    between(r, i);
  });
  return r;
}

const NO_NEW_GRANTS = ['GrantAccess'];

test('revoke always takes effect: after RevokeAccess the doctor is refused until a new grant, whatever else happens', () => {
  fc.assert(
    fc.property(commands, commands, (before, after) => {
      let recordId = '';
      runPhases([{ cmds: before, exclude: ['RevokeRole', 'RotateKeys'] }, { cmds: after, exclude: NO_NEW_GRANTS }], (r, phase) => {
        const [raj, meera] = [r.byName('raj'), r.byName('meera')];
        if (phase === 0) {
          recordId = r.addFreshRecord(raj);
          r.grantNow(raj, meera, recordId, DAY * 30);
          r.revokeNow(raj, meera, recordId);
        }
        assert.equal(mayRead(r.w.state, 'meera', recordId, latestVersion(r, recordId), r.w.time).ok, false);
        assert.notEqual(code(r.readNow(meera, recordId)), 'OK');
      });
    }),
    { numRuns: 30 },
  );
});

test('expiry always takes effect by block time: once the block time reaches expiresAt the grant reads nothing', () => {
  fc.assert(
    fc.property(commands, fc.integer({ min: 1, max: 3 * DAY }), (after, lifetime) => {
      let recordId = '';
      runPhases([{ cmds: [] }, { cmds: after, exclude: NO_NEW_GRANTS }], (r, phase) => {
        const [raj, meera] = [r.byName('raj'), r.byName('meera')];
        if (phase === 0) {
          recordId = r.addFreshRecord(raj);
          r.grantNow(raj, meera, recordId, lifetime);
          r.w.advance(lifetime);
        } else {
          r.w.advance(1);
        }
        assert.equal(mayRead(r.w.state, 'meera', recordId, latestVersion(r, recordId), r.w.time).ok, false);
        assert.notEqual(code(r.readNow(meera, recordId)), 'OK');
      });
    }),
    { numRuns: 30 },
  );
});

test('role revocation always takes effect: grants to a doctor whose role is revoked stay void, even after the role is assigned again', () => {
  fc.assert(
    fc.property(commands, (after) => {
      let recordId = '';
      runPhases([{ cmds: [] }, { cmds: after, exclude: NO_NEW_GRANTS }], (r, phase) => {
        const [adam, raj, meera] = [r.byName('adam'), r.byName('raj'), r.byName('meera')];
        if (phase === 0) {
          recordId = r.addFreshRecord(raj);
          r.grantNow(raj, meera, recordId, DAY * 30);
          r.revokeRoleNow(adam, meera);
          r.reassignNow(adam, meera);
        }
        assert.equal(mayRead(r.w.state, 'meera', recordId, latestVersion(r, recordId), r.w.time).ok, false);
        assert.notEqual(code(r.readNow(meera, recordId)), 'OK');
      });
    }),
    { numRuns: 30 },
  );
});

test('nobody without ownership, authorship or a grant is ever allowed to read', () => {
  fc.assert(
    fc.property(commands, (cmds) => {
      const r = new Runner();
      for (const c of cmds) r.run(c);
      r.flush();
      for (const e of r.log) {
        if (e.tx.header.type !== 'RecordRead' || !e.result.outcome.ok) continue;
        const reader = e.tx.header.actor;
        const recordId = (e.tx.body as { recordId: string }).recordId;
        // Straight from the log: an accepted AddRecord/AddRecordVersion by the reader or for them, or an accepted grant to them.
        const before = r.log.slice(0, r.log.indexOf(e)).filter((x) => x.result.outcome.ok);
        const entitled = before.some((x) => {
          const b = x.tx.body as Record<string, any>;
          if (x.tx.header.type === 'AddRecord' || x.tx.header.type === 'AddRecordVersion') {
            return b.manifest.recordId === recordId && (b.manifest.patient === reader || x.tx.header.actor === reader);
          }
          return x.tx.header.type === 'GrantAccess' && b.grantee === reader && b.keys.some((k: { recordId: string }) => k.recordId === recordId) && b.expiresAt > e.time;
        });
        assert.ok(entitled, `${reader} read ${recordId.slice(0, 6)} without ownership, authorship or grant`);
      }
    }),
    { numRuns: RUNS },
  );
});
