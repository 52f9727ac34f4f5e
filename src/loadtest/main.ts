#!/usr/bin/env node
/** Standalone entry: `node dist/src/loadtest/main.js [options]` = `tollgate loadtest [options]`. */
import { Command } from 'commander';
import { registerLoadtestCommand } from './command.js';

const program = new Command('tollgate');
registerLoadtestCommand(program);
await program.parseAsync(['loadtest', ...process.argv.slice(2)], { from: 'user' });
