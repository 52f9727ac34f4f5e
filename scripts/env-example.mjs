#!/usr/bin/env node
// Writes .env.example from the variable table in src/config/variables.ts (run after
// `npm run build`; `npm run env-example` does both). A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { envExample } from '../dist/src/config/variables.js';

writeFileSync('.env.example', envExample());
console.log('wrote .env.example');
