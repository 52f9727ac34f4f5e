#!/usr/bin/env node
/** Standalone entry: `tollgate-loadtest [options]` = `tollgate loadtest [options]`. */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), 'tollgate-loadtest');
