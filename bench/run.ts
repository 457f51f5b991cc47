/** `npm run bench -- NAME [options]`: runs one benchmark; JSON results on stdout, progress on stderr. */
import { benches } from './benches.ts';

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in benches)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
const result = await (await benches[name]!()).run(args);
console.log(JSON.stringify(result, null, 2));
