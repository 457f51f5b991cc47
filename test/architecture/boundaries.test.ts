/**
 * DESIGN §3's module table as a test: each module under src/ (and web/) imports
 * only the modules of its row, and the modules that run in browsers import no
 * `node:` built-in. A new violation fails here with the file, the import and
 * the rule it breaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

type Module = 'crypto' | 'ledger' | 'contract' | 'ordering' | 'node' | 'protocol' | 'api' | 'client' | 'cli' | 'web';

/** DESIGN §3, "may import". */
const MAY_IMPORT: Record<Module, readonly Module[]> = {
  crypto: [],
  ledger: ['crypto'],
  contract: ['ledger', 'crypto'],
  // DESIGN: ledger types only, and crypto's error base (docs/decisions.md: one DhlError for every layer).
  ordering: ['ledger', 'crypto'],
  node: ['crypto', 'ledger', 'contract', 'ordering'],
  protocol: [],
  api: ['node', 'protocol'],
  client: ['crypto', 'ledger', 'contract', 'protocol'],
  cli: ['client'],
  web: ['client'],
};

/** Operator commands may also use node and api, from one file each (DESIGN §3). */
const OPERATOR_FILES: Partial<Record<Module, string>> = {
  node: 'src/cli/admin.ts',
  api: 'src/cli/serve.ts',
};

/** What `ordering` may take from outside itself: type-only imports of ledger, and crypto's error base. */
const ORDERING_ALLOWED = (target: string, typeOnly: boolean) =>
  (target.startsWith('src/ledger/') && typeOnly) || target === 'src/crypto/errors.ts';

/** Modules that run unchanged in Node and in browsers: no `node:` built-ins. */
const PURE: readonly Module[] = ['crypto', 'ledger', 'contract', 'protocol', 'client', 'web'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface Import {
  spec: string;
  typeOnly: boolean;
}

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/** Static and dynamic imports and re-exports, with whether they import types only. */
function importsOf(text: string): Import[] {
  const out: Import[] = [];
  const staticRe = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gms;
  for (const m of text.matchAll(staticRe)) out.push({ spec: m[4]!, typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

function moduleOf(repoPath: string): Module | undefined {
  const parts = repoPath.split('/');
  if (parts[0] === 'web') return 'web';
  if (parts[0] === 'src' && parts[1] && parts[1] in MAY_IMPORT) return parts[1] as Module;
  return undefined;
}

const repoPath = (abs: string) => relative(ROOT, abs).split(sep).join('/');

/** Every rule the imports of one file (at `from`, relative to the repository) break, naming the import. */
function violationsOf(from: string, text: string): string[] {
  const found: string[] = [];
  const mod = moduleOf(from);
  if (!mod) return [`${from}: not in any module of DESIGN §3`];
  for (const imp of importsOf(text)) {
    if (BUILTINS.has(imp.spec) || imp.spec.startsWith('node:')) {
      if (PURE.includes(mod)) found.push(`${from}: imports ${imp.spec}, but ${mod}/ runs in browsers too`);
      continue;
    }
    if (!imp.spec.startsWith('.')) continue; // a package
    const target = relative(ROOT, resolve(ROOT, dirname(from), imp.spec)).split(sep).join('/');
    const to = moduleOf(target);
    if (to === undefined) {
      found.push(`${from}: imports ${imp.spec}, outside every module`);
      continue;
    }
    if (to === mod) continue;
    if (mod === 'ordering') {
      if (!ORDERING_ALLOWED(target, imp.typeOnly)) found.push(`${from}: imports ${imp.spec}; ordering/ takes only ledger types and crypto's error base`);
      continue;
    }
    if (MAY_IMPORT[mod].includes(to)) continue;
    if (mod === 'cli' && OPERATOR_FILES[to] === from) continue;
    found.push(`${from}: imports ${imp.spec} (${to}/), but ${mod}/ may import only ${MAY_IMPORT[mod].join(', ') || 'nothing of ours'}`);
  }
  return found;
}

const ourFiles = () => [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'web', 'src'))];

test('every module imports only what DESIGN §3 allows it, and browser-side modules import no node: built-in', () => {
  assert.deepEqual(ourFiles().flatMap((f) => violationsOf(repoPath(f), readFileSync(f, 'utf8'))), []);
});

test('the CLI reaches node/ and api/ each from one operator file', () => {
  const cliFiles = [...sourceFiles(join(ROOT, 'src', 'cli'))];
  for (const target of ['node', 'api'] as const) {
    const reaching = cliFiles.filter((f) => importsOf(readFileSync(f, 'utf8')).some((i) => i.spec.startsWith('.') && moduleOf(repoPath(resolve(dirname(f), i.spec))) === target));
    assert.ok(reaching.length <= 1, `${target}/ is imported by ${reaching.map(repoPath).join(', ')}`);
    if (reaching.length === 1) assert.equal(repoPath(reaching[0]!), OPERATOR_FILES[target]);
  }
});

test('the checker sees violations: multi-line, type-only, side-effect and dynamic imports are all read', () => {
  const text = [
    "import { readFileSync } from 'node:fs';",
    'import {',
    '  LedgerNode,',
    "} from '../node/index.ts';",
    "import type { Genesis } from '../ledger/index.ts';",
    "import './side-effect.ts';",
    "const app = await import('../api/app.ts');",
  ].join('\n');
  assert.deepEqual(importsOf(text), [
    { spec: 'node:fs', typeOnly: false },
    { spec: '../node/index.ts', typeOnly: false },
    { spec: '../ledger/index.ts', typeOnly: true },
    { spec: './side-effect.ts', typeOnly: false },
    { spec: '../api/app.ts', typeOnly: false },
  ]);
  assert.deepEqual(violationsOf('src/crypto/x.ts', text).length, 4, 'node:fs, node/, ledger/ and api/ are all outside crypto\'s row');
  assert.deepEqual(violationsOf('src/ordering/x.ts', "import type { Genesis } from '../ledger/index.ts';"), []);
  assert.equal(violationsOf('src/ordering/x.ts', "import { parseTx } from '../ledger/index.ts';").length, 1, 'ordering takes ledger types only');
  assert.deepEqual(violationsOf('src/cli/admin.ts', "import { LedgerNode } from '../node/index.ts';"), []);
  assert.equal(violationsOf('src/cli/other.ts', "import { LedgerNode } from '../node/index.ts';").length, 1);
  assert.deepEqual(violationsOf('src/elsewhere/x.ts', ''), ['src/elsewhere/x.ts: not in any module of DESIGN §3']);
});
