/**
 * Accessibility as the browser tests check it (issue 22): axe-core run in the
 * page as it stands; a serious or critical violation fails the test, named
 * with its rule, help text and the first elements it found.
 */
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

const BLOCKING = new Set(['serious', 'critical']);

export async function assertAccessible(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page: page as never }).analyze();
  const blocking = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  assert.deepEqual(
    blocking.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`),
    [],
    `${where}: no serious or critical axe-core violation`,
  );
}

/** Each step of a test as a screenshot and an accessibility check of the page at that moment. */
export function checkedSteps(shots: { take(page: Page, step: string, o?: { viewport?: boolean }): Promise<string> }) {
  return async (page: Page, step: string, o: { viewport?: boolean } = {}): Promise<void> => {
    await shots.take(page, step, o);
    await assertAccessible(page, step);
  };
}
