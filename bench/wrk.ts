/**
 * wrk for the verify benchmarks: one run, read into numbers, and the script that sends
 * the bearer tokens. Shared by bench/verify-ceiling.ts, bench/verify-modes.ts and
 * bench/verify-profile.ts so they send and read alike.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export const WRK = '/usr/bin/wrk';

export interface WrkSample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
}

export interface WrkRun {
  url: string;
  /** A wrk Lua script (e.g. one that sets each request's bearer token). */
  script: string;
  seconds: number;
  connections: number;
  /** Pin wrk to these CPUs (`taskset -c`); unpinned when absent. */
  cpu?: string;
}

/** A positive whole number from the environment, or the fallback. */
export function envCount(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  return v;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** wrk's "1.23ms" / "850.00us" / "1.02s" (with or without trailing blanks) in milliseconds. */
export function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) throw new Error(`unreadable wrk latency "${value}"`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

export function parseWrk(out: string): WrkSample {
  const grab = (re: RegExp): string => {
    const m = re.exec(out);
    if (!m) throw new Error(`unexpected wrk output:\n${out}`);
    return m[1]!;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50Ms: ms(grab(/^\s+50%\s+(\S+)\s*$/m)),
    p99Ms: ms(grab(/^\s+99%\s+(\S+)\s*$/m)),
    requests: Number(grab(/(\d+) requests in/)),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** One wrk run (one thread, latency distribution, 5 s request timeout), bounded in time. */
export function runWrk(run: WrkRun): Promise<WrkSample> {
  const wrkArgs = [
    '-t1',
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    run.script,
    run.url,
  ];
  const [cmd, args] = run.cpu ? ['taskset', ['-c', run.cpu, WRK, ...wrkArgs]] : [WRK, wrkArgs];
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: (run.seconds + 30) * 1000, encoding: 'utf8' }, (err, out, stderr) => {
      if (err) return fail(new Error(`wrk failed: ${err.message}\n${stderr}`));
      try {
        done(parseWrk(out));
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Writes a wrk Lua script to `path` that sends `GET` with each of `tokens` in turn as the bearer; returns `path`. */
export function writeTokensScript(path: string, tokens: readonly string[]): string {
  writeFileSync(
    path,
    [
      `local tokens = {${tokens.map((t) => `"${t}"`).join(',')}}`,
      'local i = 0',
      'request = function()',
      '  i = i % #tokens + 1',
      '  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. tokens[i]})',
      'end',
    ].join('\n'),
  );
  return path;
}
