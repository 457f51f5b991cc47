/** `npm run bench -- NAME [options]`: runs one benchmark; JSON results on stdout, progress on stderr. */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<unknown> }>> = {
  crypto: () => import('./crypto.ts'),
  'ledger-formats': () => import('./ledger-formats.ts'),
  ledger: () => import('./ledger.ts'),
  scale: () => import('./scale.ts'),
  reads: () => import('./reads.ts'),
  upload: () => import('./upload.ts'),
  submit: () => import('./submit.ts'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in benches)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
const result = await (await benches[name]!()).run(args);
console.log(JSON.stringify(result, null, 2));
