// `node bin/run-entry.js <entry> [args…]`: the npm scripts' way to run src/entrypoints/<entry>,
// compiled when the build is current, else from source (bin/compiled.js).
import { runEntry } from './compiled.js';

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: node bin/run-entry.js <entry> [args...]');
  process.exit(2);
}
// The entry point reads its own arguments from process.argv.slice(2).
process.argv.splice(2, 1);
await runEntry(name);
