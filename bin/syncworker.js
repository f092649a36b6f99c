#!/usr/bin/env node
// A checkout runs its TypeScript source through tsx, registered in this very process: a tsx child process would stand
// between the worker and the signals sent to this one. An install without the sources (the Docker image) runs the
// compiled build (`npm run build`).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli.js', import.meta.url).href);
}
