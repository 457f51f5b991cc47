/**
 * Regenerates every vector file under test/vectors/ (`npm run vectors`).
 * Deterministic: randomised signatures and wraps are kept when still valid.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildCryptoVectors, type CryptoVectors } from './crypto/build.ts';
import { takeJcsVectors } from './jcs/take.ts';
import { buildLedgerVectors, type LedgerVectors } from './ledger/build.ts';
import { buildLoginVectors, type LoginVectors } from './login/build.ts';
import { renderCryptoExamples, renderLedgerExamples, renderLoginExamples, rewriteDocExamples } from './docs-examples.ts';

const cryptoPath = new URL('./crypto/crypto-vectors.json', import.meta.url);
const previous = existsSync(cryptoPath) ? (JSON.parse(readFileSync(cryptoPath, 'utf8')) as CryptoVectors) : undefined;
const vectors = await buildCryptoVectors(previous);
writeFileSync(cryptoPath, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${cryptoPath.pathname}`);

const jcs = takeJcsVectors();
if (jcs) {
  writeFileSync(new URL('./jcs/rfc8785.json', import.meta.url), JSON.stringify(jcs, null, 2) + '\n');
  console.log(`took ${jcs.cases.length} RFC 8785 cases from ../shared/testdata/jcs`);
} else {
  console.log('../shared/testdata/jcs is absent: test/vectors/jcs/rfc8785.json left as it is');
}

const ledgerPath = new URL('./ledger/ledger-vectors.json', import.meta.url);
const previousLedger = existsSync(ledgerPath) ? (JSON.parse(readFileSync(ledgerPath, 'utf8')) as LedgerVectors) : undefined;
const ledger = await buildLedgerVectors(previousLedger);
writeFileSync(ledgerPath, JSON.stringify(ledger, null, 2) + '\n');
console.log(`wrote ${ledgerPath.pathname}`);

const loginPath = new URL('./login/login-vectors.json', import.meta.url);
const previousLogin = existsSync(loginPath) ? (JSON.parse(readFileSync(loginPath, 'utf8')) as LoginVectors) : undefined;
const login = await buildLoginVectors(previousLogin);
writeFileSync(loginPath, JSON.stringify(login, null, 2) + '\n');
console.log(`wrote ${loginPath.pathname}`);

rewriteDocExamples({ ...renderCryptoExamples(vectors), ...renderLedgerExamples(ledger), ...renderLoginExamples(login) });
console.log('rewrote the worked examples in docs/formats.md');
