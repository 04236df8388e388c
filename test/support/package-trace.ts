/**
 * An `--import` hook for child processes: writes the npm packages the process loaded
 * (one name a line) to $PACKAGE_TRACE_FILE when it exits. Tests use it to keep a command
 * from growing heavy imports.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const traceFile = process.env.PACKAGE_TRACE_FILE;
const packages = new Set<string>();

if (traceFile) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
      if (name) packages.add(name);
      return resolved;
    },
  });
  process.on('exit', () => writeFileSync(traceFile, [...packages].sort().join('\n')));
}
