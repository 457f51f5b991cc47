import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC_PATH, docExampleBlocks, renderCryptoExamples, renderLedgerExamples, renderLoginExamples } from '../vectors/docs-examples.ts';
import type { LoginVectors } from '../vectors/login/build.ts';
import type { LedgerVectors } from '../vectors/ledger/build.ts';
import type { CryptoVectors } from '../vectors/crypto/build.ts';

const doc = readFileSync(DOC_PATH, 'utf8');
const crypto = JSON.parse(readFileSync(new URL('../vectors/crypto/crypto-vectors.json', import.meta.url), 'utf8')) as CryptoVectors;
const ledger = JSON.parse(readFileSync(new URL('../vectors/ledger/ledger-vectors.json', import.meta.url), 'utf8')) as LedgerVectors;
const login = JSON.parse(readFileSync(new URL('../vectors/login/login-vectors.json', import.meta.url), 'utf8')) as LoginVectors;

test('every worked example in docs/formats.md equals what the vectors give today', () => {
  const blocks = docExampleBlocks(doc);
  const expected = { ...renderCryptoExamples(crypto), ...renderLedgerExamples(ledger), ...renderLoginExamples(login) };
  for (const [name, text] of Object.entries(expected)) {
    assert.ok(blocks.has(name), `docs/formats.md lacks the example block ${name}`);
    assert.equal(blocks.get(name), text, `example ${name} is stale: run npm run vectors`);
  }
  for (const name of blocks.keys()) assert.ok(name in expected, `example block ${name} has no renderer`);
});

test('docs/formats.md names every crypto error code the registry declares', async () => {
  const { CRYPTO_ERRORS } = await import('../../src/crypto/index.ts');
  const documented = ['ALG_UNKNOWN', 'ENVELOPE_CHUNK_AUTH_FAILED', 'ENVELOPE_HEADER_INVALID', 'ENVELOPE_TRUNCATED', 'ENVELOPE_TRAILING_DATA',
    'ENVELOPE_CONTEXT_MISMATCH', 'CIPHER_ROOT_MISMATCH', 'CHUNK_HASH_MISMATCH', 'RESUME_MISMATCH', 'UNWRAP_FAILED', 'VAULT_OPEN_FAILED'];
  for (const code of documented) {
    assert.ok(code in CRYPTO_ERRORS.registry, `${code} is documented but not in the registry`);
    assert.ok(doc.includes(`\`${code}\``), `${code} missing from docs/formats.md`);
  }
});
