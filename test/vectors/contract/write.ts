/** Writes test/vectors/contract/contract-vectors.json (`npx tsx test/vectors/contract/write.ts`). */
import { writeFileSync } from 'node:fs';
import { buildContractVectors } from './build.ts';

const path = new URL('./contract-vectors.json', import.meta.url);
writeFileSync(path, JSON.stringify(buildContractVectors(), null, 2) + '\n');
console.log(`wrote ${path.pathname}`);
