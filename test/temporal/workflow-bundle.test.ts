import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  readPrebuiltBundle,
  workflowSourceFiles,
  workflowSourcesHash,
  writePrebuiltBundle,
} from '../../src/temporal/workflow-bundle.js';

/** A prebuilt workflow bundle is used only for the sources it was built from. */
describe('prebuilt workflow bundle', () => {
  let dir: string;
  let entry: string;
  const settings = () => [join(dir, 'settings.ts')];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mi-bundle-'));
    mkdirSync(join(dir, 'workflows'));
    mkdirSync(join(dir, 'domain'));
    entry = join(dir, 'workflows', 'index.ts');
    writeFileSync(entry, "export * from './migration.js';\n");
    writeFileSync(
      join(dir, 'workflows', 'migration.ts'),
      "import { rule } from '../domain/rule.js';\nexport const a = rule;\n",
    );
    writeFileSync(join(dir, 'domain', 'rule.ts'), 'export const rule = 1;\n');
    writeFileSync(join(dir, 'domain', 'unrelated.ts'), 'export const other = 1;\n');
    writeFileSync(join(dir, 'settings.ts'), 'export const hook = 1;\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hash = () => workflowSourcesHash(entry, { files: settings(), root: dir });

  test('the sources are the entry and what it imports, outside workflows/ too', () => {
    assert.deepEqual(workflowSourceFiles(entry), [
      join(dir, 'domain', 'rule.ts'),
      join(dir, 'workflows', 'index.ts'),
      join(dir, 'workflows', 'migration.ts'),
    ]);
  });

  test('the key changes with an imported file and the bundler settings, not with other files', () => {
    const before = hash();
    writeFileSync(join(dir, 'domain', 'unrelated.ts'), 'export const other = 2;\n');
    assert.equal(hash(), before);
    writeFileSync(join(dir, 'domain', 'rule.ts'), 'export const rule = 2;\n');
    const afterRule = hash();
    assert.notEqual(afterRule, before);
    writeFileSync(join(dir, 'settings.ts'), 'export const hook = 2;\n');
    assert.notEqual(hash(), afterRule);
  });

  test('a stored bundle is read back for its own key only; a missing or broken file is no bundle', () => {
    const path = join(dir, 'dist', 'workflow-bundle.json');
    assert.equal(readPrebuiltBundle(path, hash()), undefined);
    const bundle = { code: 'const workflows = 1;', sourceMap: '{}' };
    writePrebuiltBundle(path, hash(), bundle);
    assert.deepEqual(readPrebuiltBundle(path, hash()), bundle);
    writeFileSync(
      join(dir, 'workflows', 'migration.ts'),
      "import { rule } from '../domain/rule.js';\nexport const b = rule;\n",
    );
    assert.equal(readPrebuiltBundle(path, hash()), undefined, 'stale: built from other sources');
    writeFileSync(path, '{"format":1,"sourcesHash":');
    assert.equal(readPrebuiltBundle(path, hash()), undefined);
  });
});
