#!/usr/bin/env node
// The CLI runs from source through tsx, the project's one runtime for TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('../src/entrypoints/cli.ts');
