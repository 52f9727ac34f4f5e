/**
 * Progress output on stderr: cli-progress bars on a terminal, plain periodic lines
 * otherwise (CI logs), nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import { STALE_ACCEPT } from './categorize.js';

const LINE_EVERY_MS = 5_000;

export interface Bar {
  increment(): void;
  stop(): void;
}

const isTty = (): boolean => process.stderr.isTTY === true;

/** A counting bar (account setup). */
export function createBar(quiet: boolean, label: string, total: number, log: (line: string) => void): Bar {
  if (quiet) return { increment: () => undefined, stop: () => undefined };
  if (isTty()) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta}s`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { increment: () => bar.increment(), stop: () => bar.stop() };
  }
  let done = 0;
  let lastLine = Date.now();
  log(`${label}: 0/${total}`);
  return {
    increment: () => {
      done++;
      if (Date.now() - lastLine >= LINE_EVERY_MS) {
        lastLine = Date.now();
        log(`${label}: ${done}/${total}`);
      }
    },
    stop: () => log(`${label}: ${done}/${total} done`),
  };
}

export interface LiveStatus {
  elapsedS: number;
  totalS: number;
  rps: number;
  /** p95 of the last few seconds' requests; undefined before the first completes. */
  p95: number | undefined;
  requests: number;
  failed: number;
  errors: Record<string, number>;
  activeUsers: number;
}

export function formatStatus(s: LiveStatus): string {
  const left = Math.max(0, Math.round(s.totalS - s.elapsedS));
  const top = Object.entries(s.errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `${Math.round(s.elapsedS)}s/${Math.round(s.totalS)}s  ${Math.round(s.rps)} req/s  p95 ${s.p95 === undefined ? '-' : `${s.p95.toFixed(1)} ms`}  ` +
    `requests ${s.requests}  errors ${s.failed}${top ? ` (${top})` : ''}  stale ${s.errors[STALE_ACCEPT] ?? 0}  ` +
    `users ${s.activeUsers}  left ${left}s`
  );
}

/** Live view of the load phase. */
export class LiveProgress {
  private bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;

  constructor(
    private readonly quiet: boolean,
    private readonly totalS: number,
    private readonly log: (line: string) => void,
  ) {
    if (!quiet && isTty()) {
      this.bar = new cliProgress.SingleBar(
        { format: '[{bar}] {status}', stream: process.stderr, hideCursor: true, barsize: 20 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, Math.round(totalS)), 0, { status: 'starting' });
    }
  }

  update(status: LiveStatus): void {
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(Math.min(Math.round(status.elapsedS), Math.round(this.totalS)), {
        status: formatStatus(status),
      });
      return;
    }
    const now = Date.now();
    if (now - this.lastLine >= LINE_EVERY_MS) {
      this.lastLine = now;
      this.log(`[loadtest] ${formatStatus(status)}`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
