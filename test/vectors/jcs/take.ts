/**
 * Takes the RFC 8785 test data published by cyberphone/json-canonicalization
 * (commit 19d51d7, Apache-2.0), from ../shared/testdata/jcs when it exists, into
 * our own vector file, so the suite passes from a clean clone without ../shared.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const SHARED_JCS = new URL('../../../../shared/testdata/jcs/', import.meta.url);

export interface JcsVectors {
  source: string;
  license: string;
  cases: { name: string; inputText: string; expectedHex: string }[];
}

export function readSharedJcs(dir: URL = SHARED_JCS): JcsVectors['cases'] | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(new URL('input/', dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      inputText: readFileSync(new URL(`input/${file}`, dir), 'utf8'),
      expectedHex: readFileSync(new URL(`outhex/${file.replace(/\.json$/, '.txt')}`, dir), 'utf8').replace(/\s+/g, ''),
    }));
}

export function takeJcsVectors(): JcsVectors | undefined {
  const cases = readSharedJcs();
  return cases && {
    source: 'RFC 8785 test data from cyberphone/json-canonicalization, testdata/ at commit 19d51d7',
    license: 'Apache-2.0',
    cases,
  };
}
