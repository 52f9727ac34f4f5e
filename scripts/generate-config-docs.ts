/**
 * Writes what the config declarations (src/config/sections/) generate: `.env.example` and
 * the variable tables of docs/configuration.md. `npm run config-docs`; a unit test fails
 * while a committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedFiles } from './config-docs.js';

for (const { path, text } of await generatedFiles()) {
  const before = readFileSync(path, 'utf8');
  if (before === text) {
    console.log(`${path}: up to date`);
  } else {
    writeFileSync(path, text);
    console.log(`${path}: written`);
  }
}
