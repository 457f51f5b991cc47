/** The committed contract vectors: reproducible, and replayable from the file alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apply, finishBlock, genesisWrites, MemoryStateView, OverlayView } from '../../src/contract/index.ts';
import { buildContractVectors, changesHash, type ContractVectors } from '../vectors/contract/build.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/contract/contract-vectors.json', import.meta.url), 'utf8')) as ContractVectors;

test('the committed contract vectors are exactly what the generator makes now', () => {
  assert.deepEqual(buildContractVectors(), vectors);
});

test('replaying the vector file alone reproduces every outcome, every block\'s writes and changesHash, and the final state', () => {
  assert.deepEqual(genesisWrites(vectors.genesis), vectors.genesisWrites);
  const state = new MemoryStateView(vectors.genesisWrites);
  for (const block of vectors.blocks) {
    const overlay = new OverlayView(state);
    const outcomes = block.entries.map(({ tx }) => {
      const result = apply(overlay, tx, block.context);
      overlay.apply(result.writes);
      return result.outcome.ok ? 'OK' : result.outcome.code;
    });
    finishBlock(overlay, block.context);
    assert.deepEqual(outcomes, block.entries.map((e) => e.outcome), `block ${block.context.height}`);
    const writes = overlay.writes();
    assert.deepEqual(writes, block.writes);
    assert.equal(changesHash(writes), block.changesHash);
    state.apply(writes);
  }
  assert.deepEqual(state.entries(), vectors.finalState);
});

test('the vectors show both accepted and refused entries, in several blocks', () => {
  const outcomes = vectors.blocks.flatMap((b) => b.entries.map((e) => e.outcome));
  assert.ok(vectors.blocks.length >= 5);
  assert.ok(outcomes.filter((o) => o === 'OK').length >= 10);
  assert.ok(new Set(outcomes.filter((o) => o !== 'OK')).size >= 5);
});
