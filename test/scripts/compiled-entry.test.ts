import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

/** bin/run-entry.js runs the compiled entry point only while it was built from the sources as they are. */
describe('compiled entry points', () => {
  let dir: string;
  const entry = () =>
    execFileSync(process.execPath, [join(dir, 'bin', 'run-entry.js'), 'hello', 'x'], { encoding: 'utf8' });
  const stamp = () =>
    writeFileSync(
      join(dir, 'dist', 'js', 'sources.stamp'),
      execFileSync(process.execPath, [join(dir, 'bin', 'compiled.js'), '--stamp'], { encoding: 'utf8' }),
    );
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mi-compiled-'));
    mkdirSync(join(dir, 'bin'));
    for (const file of ['compiled.js', 'run-entry.js']) copyFileSync(join('bin', file), join(dir, 'bin', file));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
    for (const sub of ['src/entrypoints', 'workflows', 'activities', 'slack', 'dist/js/src/entrypoints'])
      mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(
      join(dir, 'src/entrypoints/hello.ts'),
      "const from: string = 'source';\nconsole.log(from, process.argv[2]);\n",
    );
    writeFileSync(join(dir, 'dist/js/src/entrypoints/hello.js'), "console.log('compiled', process.argv[2]);\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no build stamp: the source, through tsx', () => {
    assert.equal(entry(), 'source x\n');
  });

  test('a stamp of the sources as they are: the compiled file', () => {
    stamp();
    assert.equal(entry(), 'compiled x\n');
  });

  test('a source edited or added after the build: the source again', () => {
    stamp();
    writeFileSync(
      join(dir, 'src/entrypoints/hello.ts'),
      "const from: string = 'source';\nconsole.log(from, process.argv[2], 'edited');\n",
    );
    assert.equal(entry(), 'source x edited\n');
    stamp();
    assert.equal(entry(), 'compiled x\n');
    writeFileSync(join(dir, 'workflows', 'new.ts'), 'export {};\n');
    assert.match(entry(), /^source x/);
  });
});
