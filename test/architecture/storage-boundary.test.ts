/**
 * DESIGN §3, "Inside node/": the ledger store holds the schema and every SQL
 * statement. As a test: no file under src/ outside src/node/store/ imports
 * `node:sqlite` or has SQL statement text in a string literal. A violation
 * fails here naming the file and line. (bench/ is outside src/: the scale
 * benchmark writes synthetic rows on purpose.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The one place SQL lives. */
const STORE = 'src/node/store/';

interface Literal {
  text: string;
  /** 1-based line of the literal's opening quote. */
  line: number;
}

/** Characters after which a `/` in code starts a regular expression, not a division. */
const BEFORE_REGEX = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const WORDS_BEFORE_REGEX = /\b(return|typeof|case|in|of|yield|await|void|delete|throw|new|else|do)$/;

/**
 * The string literals of a TypeScript source ('…', "…", `…`; a template's
 * `${…}` parts are read as code and stand as "?" in its text), skipping
 * comments and regular expressions. A small scanner, not a parser: enough to
 * tell text from code in our sources.
 */
function stringLiterals(source: string): Literal[] {
  const out: Literal[] = [];
  let i = 0;
  let line = 1;
  /** Open templates, innermost last: the brace depth of the `${` that left each. */
  const templates: { text: string; line: number; depth: number }[] = [];
  let depth = 0;
  let lastCode = '';

  const readQuoted = (quote: string) => {
    const start = line;
    let text = '';
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') {
        text += source[i + 1] ?? '';
        if (source[i + 1] === '\n') line++;
        i += 2;
        continue;
      }
      if (source[i] === '\n') line++;
      text += source[i++];
    }
    i++;
    out.push({ text, line: start });
  };

  /** Reads template text from i up to its end or its next `${`. */
  const readTemplate = (t: { text: string; line: number; depth: number }) => {
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        t.text += source[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        templates.pop();
        out.push({ text: t.text, line: t.line });
        lastCode = 'x';
        return;
      }
      if (c === '$' && source[i + 1] === '{') {
        i += 2;
        t.text += '?';
        t.depth = depth;
        depth++;
        lastCode = '{';
        return;
      }
      if (c === '\n') line++;
      t.text += c;
      i++;
    }
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === '\n') line++;
      i = stop;
    } else if (c === '/' && (lastCode === '' || BEFORE_REGEX.has(lastCode) || WORDS_BEFORE_REGEX.test(source.slice(Math.max(0, i - 12), i).trimEnd()))) {
      // A regular expression: up to the unescaped `/` outside a character class.
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== '\n') {
        const r = source[i]!;
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      lastCode = 'x';
    } else if (c === "'" || c === '"') {
      readQuoted(c);
      lastCode = 'x';
    } else if (c === '`') {
      const t = { text: '', line, depth: -1 };
      templates.push(t);
      i++;
      readTemplate(t);
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1]!.depth === depth - 1) {
      depth--;
      i++;
      readTemplate(templates[templates.length - 1]!);
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      lastCode = /[\w$]/.test(c) ? 'x' : c;
      i++;
    }
  }
  return out;
}

/**
 * SQL statement text: a statement's opening words (SELECT … FROM, INSERT
 * INTO, UPDATE … SET, DELETE FROM, CREATE/DROP/ALTER of a table or index,
 * PRAGMA, ATTACH), or a literal that is a transaction statement on its own
 * (BEGIN, COMMIT, ROLLBACK, savepoints: the PEM armour "-----BEGIN …" is
 * not one). Upper case, as our SQL is written; also lower case where the
 * words cannot be prose (INSERT INTO, CREATE TABLE, PRAGMA, …).
 */
const SQL = [
  /\bSELECT\b[\s\S]+\bFROM\b/,
  /^\s*SELECT\s/,
  /\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b/i,
  /\bUPDATE\s+\S+\s+SET\s/,
  /\bDELETE\s+FROM\s/,
  /\b(CREATE|DROP)\s+(TEMP(ORARY)?\s+)?(TABLE|INDEX|UNIQUE\s+INDEX|VIEW|TRIGGER|VIRTUAL\s+TABLE)\b/i,
  /\bALTER\s+TABLE\b/i,
  /\bPRAGMA\s+[a-z_]+/i,
  /\bATTACH\s+(DATABASE\s+)?\S/,
  /(^|;)\s*(BEGIN|COMMIT|ROLLBACK)(\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION))?\s*(;|$)/,
  /(^|;)\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\s+\w+\s*(;|$)/,
];

const isSqlText = (text: string): boolean => SQL.some((re) => re.test(text));

/** What a file at `from` (relative to the repository) breaks of the rule, one line per place. */
function storageViolationsOf(from: string, source: string): string[] {
  if (from.startsWith(STORE)) return [];
  const found: string[] = [];
  for (const { text, line } of stringLiterals(source)) {
    if (text === 'node:sqlite') found.push(`${from}:${line}: imports node:sqlite, which only ${STORE} may`);
    else if (isSqlText(text)) found.push(`${from}:${line}: SQL statement text (${JSON.stringify(text.trim().slice(0, 60))}), which only ${STORE} may hold`);
  }
  return found;
}

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield path;
  }
}

const repoPath = (abs: string) => relative(ROOT, abs).split(sep).join('/');

test('no file under src/ outside src/node/store/ imports node:sqlite or holds SQL statement text', () => {
  const files = [...sourceFiles(join(ROOT, 'src'))];
  assert.ok(files.length > 50, 'the source files were found');
  assert.deepEqual(files.flatMap((f) => storageViolationsOf(repoPath(f), readFileSync(f, 'utf8'))), []);
});

test('the checker sees the store\'s own statements: every file of src/node/store/ that runs SQL is found to hold SQL text', () => {
  const store = [...sourceFiles(join(ROOT, STORE))].map((f) => ({ path: repoPath(f), source: readFileSync(f, 'utf8') }));
  const running = store.filter((f) => /\.(prepare|exec)\(/.test(f.source));
  assert.ok(running.length >= 5, 'the store runs statements from several files');
  for (const f of running) {
    const found = storageViolationsOf(f.path.replace(STORE, 'src/node/elsewhere/'), f.source);
    assert.ok(found.some((v) => v.includes('SQL statement text')), `${f.path}: its statements were not seen`);
  }
});

test('the checker finds a planted statement and a node:sqlite import, naming the line, and not SQL words in comments, prose, regular expressions or PEM armour', () => {
  const planted = [
    "import type { DatabaseSync } from 'node:sqlite';", // 1
    '// SELECT key FROM state: a comment, not a statement', // 2
    '/* INSERT INTO state (key) VALUES (1) */', // 3
    "const message = 'commit failed; select a node from the list';", // 4
    'const pem = `-----BEGIN ${label}-----`;', // 5
    'const re = /SELECT .* FROM/;', // 6
    'const q = db.prepare(', // 7
    "  'SELECT value FROM state WHERE key = ?',", // 8
    ');', // 9
    'const schema = `', // 10
    'create table t (k TEXT) ${options.strict ? "STRICT" : ""};', // 11
    '`;', // 12
    "db.exec('BEGIN IMMEDIATE');", // 13
    'const n = a / b; const s = "x/y"; db.exec("COMMIT");', // 14
    "const later = await import('node:sqlite');", // 15
  ].join('\n');
  assert.deepEqual(
    storageViolationsOf('src/node/planted.ts', planted).map((v) => v.split(': ')[0]),
    ['src/node/planted.ts:1', 'src/node/planted.ts:8', 'src/node/planted.ts:10', 'src/node/planted.ts:13', 'src/node/planted.ts:14', 'src/node/planted.ts:15'],
  );
  assert.deepEqual(storageViolationsOf('src/node/store/planted.ts', planted), [], 'the store may');
  assert.deepEqual(stringLiterals('const a = `x${f(`in ${"deep"}`)}y`; const b = \'q\';').map((l) => l.text), ['deep', 'in ?', 'x?y', 'q']);
});
