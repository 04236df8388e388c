import { createInterface } from 'node:readline/promises';
import { runCli } from '../cli/main.js';

const ask = process.stdin.isTTY
  ? async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    }
  : undefined;

runCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l), ask }, process.env)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
