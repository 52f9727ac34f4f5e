/**
 * The command line of the tool: `runCli(argv)` parses the arguments that follow
 * `tollgate loadtest` (or `tollgate-loadtest`) and resolves to the exit code.
 */
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { compareReports, DEFAULT_NOISE_PCT, formatComparison, type Comparison } from './compare.js';
import { resolveRunConfig, type LoadtestOptions } from './config.js';
import { PRESETS, presetNames } from './presets.js';
import { readJsonReport, writeJsonReport } from './report-json.js';
import { writeHtmlReport } from './report-html.js';
import type { LoadtestReport } from './report-schema.js';
import { formatSummary } from './report-text.js';
import { runLoadtest } from './runner.js';
import { DEFAULT_URL } from './target.js';
import { evaluateThresholds, parseThreshold, type Threshold } from './thresholds.js';

/** Exit codes (docs/loadtest.md). */
export const EXIT_CANNOT_RUN = 1;
export const EXIT_STALE = 2;
export const EXIT_THRESHOLD = 3;
export const EXIT_REGRESSION = 4;

interface CommandOptions extends LoadtestOptions {
  json?: string;
  html?: string;
  compare?: string;
  noise?: string;
  threshold?: string[];
  failOnStale?: boolean;
  inline?: boolean;
}

function presetHelp(): string {
  return presetNames()
    .map((n) => `  ${n.padEnd(9)} ${PRESETS[n]!.description}`)
    .join('\n');
}

const log = (line: string): void => void process.stderr.write(line + '\n');

function noiseOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_NOISE_PCT;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new Error(`--noise: expected a percentage in [0, 100], got "${raw}"`);
  return n;
}

function writeComparison(jsonPath: string | undefined, comparison: Comparison): void {
  if (!jsonPath) return;
  writeFileSync(jsonPath, JSON.stringify(comparison, null, 2) + '\n');
  log(`comparison: ${jsonPath}`);
}

export async function loadtestAction(opts: CommandOptions): Promise<number> {
  let oldReport: LoadtestReport | undefined;
  let thresholds: Threshold[];
  let noise: number;
  let report: LoadtestReport;
  const stop = new AbortController();
  const hardStop = new AbortController();
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      log('interrupted: finishing flows in progress (Ctrl-C again to abort them)');
      stop.abort();
    } else hardStop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    thresholds = (opts.threshold ?? []).map(parseThreshold);
    noise = noiseOf(opts.noise);
    if (opts.compare) oldReport = readJsonReport(opts.compare);
    const run = resolveRunConfig(opts);
    const watchHealth = run.preset !== undefined && PRESETS[run.preset]?.watchMemory === true;
    report = await runLoadtest(run, {
      mode: opts.inline ? 'inline' : 'worker',
      log,
      stop: stop.signal,
      hardStop: hardStop.signal,
      watchHealth,
    });
  } catch (err) {
    // UnreachableError, SetupError and bad options all end here with a clear message.
    log(`tollgate loadtest: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_CANNOT_RUN;
  } finally {
    process.off('SIGINT', onSigint);
  }
  report.thresholds = evaluateThresholds(report, thresholds);
  console.log(formatSummary(report));
  if (opts.json) {
    writeJsonReport(opts.json, report);
    log(`JSON report: ${opts.json}`);
  }
  if (opts.html) {
    writeHtmlReport(opts.html, report);
    log(`HTML report: ${opts.html}`);
  }
  let comparison: Comparison | undefined;
  if (oldReport) {
    comparison = compareReports(oldReport, report, noise);
    console.log(`\ncompared with ${opts.compare}:\n${formatComparison(comparison)}`);
    writeComparison(opts.json ? opts.json.replace(/\.json$/, '') + '.compare.json' : undefined, comparison);
  }
  if (opts.failOnStale && report.stale_accepts > 0) {
    log(`tollgate loadtest: ${report.stale_accepts} stale accept(s): a logged-out token was accepted`);
    return EXIT_STALE;
  }
  const breached = report.thresholds.filter((t) => !t.ok);
  if (breached.length > 0) {
    log(`tollgate loadtest: threshold breached: ${breached.map((t) => t.expression).join(', ')}`);
    return EXIT_THRESHOLD;
  }
  if (comparison && comparison.regressions.length > 0) return EXIT_REGRESSION;
  return 0;
}

/** `compare old.json new.json`: offline, no run. */
export function compareAction(
  oldPath: string,
  newPath: string,
  opts: { noise?: string; json?: string },
): number {
  let comparison: Comparison;
  try {
    comparison = compareReports(readJsonReport(oldPath), readJsonReport(newPath), noiseOf(opts.noise));
  } catch (err) {
    log(`tollgate loadtest compare: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_CANNOT_RUN;
  }
  console.log(`${oldPath} -> ${newPath}\n${formatComparison(comparison)}`);
  writeComparison(opts.json, comparison);
  return comparison.regressions.length > 0 ? EXIT_REGRESSION : 0;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Parses `argv` (the arguments after `tollgate loadtest`) and runs; resolves to the exit code. */
export async function runCli(argv: readonly string[], name = 'tollgate loadtest'): Promise<number> {
  let exitCode = 0;
  const program = new Command(name)
    .enablePositionalOptions()
    .description('load-test a tollgate server over HTTP (loopback targets only unless --allow-remote)')
    .option('--url <url>', 'target origin', DEFAULT_URL)
    .option('--allow-remote', 'allow a non-loopback target')
    .addOption(
      new Option('--scenario <name>', 'what each user does').choices(['auth-flow', 'verify', 'login']),
    )
    .option('--preset <name>', `a named run (see below)`)
    .addOption(
      new Option('--model <model>', 'closed (users) or open (arrival rate)').choices(['closed', 'open']),
    )
    .option('--users <n>', 'closed model: concurrent users; open verify: sessions')
    .option('--ramp-up <n>', 'users started per second (0 = all at once)')
    .option('--think-time <ms>', 'pause between two requests of a user')
    .option('--duration <s>', 'seconds of load')
    .option('--iterations <n>', 'flows (verify: requests) per user, instead of --duration')
    .option('--rate <n>', 'open model: arrivals per second (verify: requests, otherwise flows)')
    .option('--max-in-flight <n>', 'open model: bound on arrivals in flight (over it: dropped)')
    .option('--generators <n>', 'generator worker threads (default: auto)')
    .option('--verifies-per-flow <n>', 'auth-flow: GET /api/protected calls per flow')
    .option('--refresh-probability <p>', 'auth-flow: chance of a refresh per flow (0..1)')
    .option('--accounts <n>', 'distinct test accounts, shared round-robin (default: one per user)')
    .option('--account-prefix <prefix>', 'fixed account prefix, to reuse accounts across runs')
    .option('--skip-setup', 'do not register accounts (they exist: needs --account-prefix)')
    .option('--password <password>', 'password of the test accounts')
    .option('--setup-concurrency <n>', 'concurrent registrations during setup')
    .option('--timeout <ms>', 'per-request timeout')
    .option('--grace <ms>', 'time after --duration for flows in progress to finish')
    .option('--max-duration <s>', 'hard cap on the load phase')
    .option('--connections <n>', 'cap on connections per generator (default: one per user)')
    .option('--target-pid <pid>', 'watch the RSS of this process and its children')
    .option('--json <file>', 'write the JSON report')
    .option('--html <file>', 'write the HTML report')
    .option(
      '--threshold <expr>',
      "pass/fail rule, repeatable: 'verify.p95<50', 'errors.rate<0.01' (exit 3)",
      collect,
    )
    .option('--compare <old.json>', 'compare with an earlier JSON report (exit 4 on a regression)')
    .option('--noise <percent>', `noise band of --compare, percent (default ${DEFAULT_NOISE_PCT})`)
    .option('--fail-on-stale', 'exit 2 when a logged-out token was accepted')
    .option('--quiet', 'no live progress')
    .addOption(new Option('--inline', 'run the generators in the main thread (debugging)').hideHelp())
    .addHelpText(
      'after',
      `\nPresets:\n${presetHelp()}\n\nExit codes: 0 done, 1 could not run, 2 stale accepts (--fail-on-stale), ` +
        `3 threshold breached, 4 regression (--compare).\nSee docs/loadtest.md.`,
    )
    .action(async (opts: CommandOptions) => {
      exitCode = await loadtestAction(opts);
    })
    .exitOverride();
  program
    .command('compare')
    .description('compare two JSON reports offline (exit 4 when a metric got worse beyond the noise band)')
    .argument('<old.json>')
    .argument('<new.json>')
    .option('--noise <percent>', `relative noise band, percent (default ${DEFAULT_NOISE_PCT})`)
    .option('--json <file>', 'also write the comparison as JSON')
    .action((oldPath: string, newPath: string, opts: { noise?: string; json?: string }) => {
      exitCode = compareAction(oldPath, newPath, opts);
    })
    .exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    // --help, --version and parse errors: commander has printed what to say.
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return exitCode;
}
