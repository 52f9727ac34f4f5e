/** The package's programmatic surface: the command line, a run, and the report types. */
export { runCli } from './cli.js';
export { resolveRunConfig, type LoadtestOptions } from './config.js';
export { runLoadtest, type RunOptions } from './runner.js';
export type { LoadtestReport } from './report-schema.js';
