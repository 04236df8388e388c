// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const RANDOM_MESSAGE =
  'Not replay-safe here: queries and update validators also draw from the workflow random stream. Derive ids from the run (workflowInfo, a counter).';
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`, `node:${name}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'dist/', 'coverage/', 'bin/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Workflow code is replayed in Temporal's deterministic sandbox: no Node built-ins,
    // no Node-only packages, no activity code as values, and nothing drawn from the
    // workflow's random stream: query handlers and update validators (the OpenTelemetry
    // interceptor's span ids) draw from it on the live worker only, never on replay.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: RANDOM_MESSAGE }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not use Node built-ins.' })),
            { name: '@temporalio/workflow', importNames: ['uuid4'], message: RANDOM_MESSAGE },
          ],
          patterns: [
            {
              group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing'],
              message: 'Workflows import only @temporalio/workflow and @temporalio/common.',
            },
            {
              group: ['@aws-sdk/*', '@kubernetes/*', '@slack/*', 'yaml', 'zod'],
              message: 'Node-only packages are not allowed in workflow code.',
            },
            {
              group: ['**/activities/*', '**/adapters/*', '**/sandbox/*'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // The domain is the bottom layer: pure rules and plain data that the workflow, the
    // activities, the adapters and the Slack app all share. It does no I/O and imports
    // nothing above it, so every layer can depend on it and it on none of them.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Domain code does no I/O: no Node built-ins.' })),
          patterns: [
            {
              group: ['@aws-sdk/*', '@aws-crypto/*', '@smithy/*', '@kubernetes/*', '@slack/*', '@temporalio/*'],
              message: 'Domain code does no I/O: no SDKs or clients.',
            },
            {
              group: [
                '**/ports/*',
                '**/adapters/*',
                '**/sandbox/*',
                '**/runtime/*',
                '**/config/*',
                '**/temporal/*',
                '**/cli/*',
                '**/start-request/*',
                '**/entrypoints/*',
                '**/activities/*',
                '**/workflows/*',
                '**/slack/*',
              ],
              message: 'The domain imports nothing above it: move the shared type into src/domain instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // node:test's describe/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'suite', 'test', 'it'] },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
