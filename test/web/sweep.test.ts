import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routePaths, SWEEP } from './sweep.ts';

test('the accessibility sweep visits every path of web/src/routes.tsx, and nothing routes.tsx lacks', () => {
  const paths = routePaths();
  assert.ok(paths.includes('account') && paths.includes('*'), 'the paths were read from the route table');
  assert.deepEqual([...paths].sort(), Object.keys(SWEEP).sort(), 'one line in test/web/sweep.ts per route');
});

test('reading the route table finds a path added to it (the check above can fail)', () => {
  const added = "children: [{ index: true, element: <A /> }, { path: 'admin/status', Component: B }, { path: '*', element: <C /> }]";
  assert.deepEqual(routePaths(`{ path: '/', children: ${added} }`), ['index', 'admin/status', '*']);
});
