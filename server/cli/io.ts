import { z } from 'zod';

/** Exit statuses of `npm run haven`, in its help text too. */
export const EXIT = { ok: 0, failed: 1, usage: 2, integrity: 3 } as const;

/** A mistake in the command line itself: reported in one line, exit status 2. */
export class UsageError extends Error {}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Where a command writes: results on stdout (so they can be piped or redirected), progress and
 * notes on stderr. Secrets a command must hand to the operator go to stdout and nowhere else.
 */
export class CliIo {
  private progressShown = false;

  constructor(
    private readonly stdout: Stream = process.stdout,
    private readonly stderr: Stream = process.stderr,
  ) {}

  get stdoutIsTerminal(): boolean {
    return this.stdout.isTTY === true;
  }

  out(...lines: string[]): void {
    this.endProgress();
    this.stdout.write(lines.map((line) => `${line}\n`).join(''));
  }

  /** Raw output (a file's content sent to stdout). */
  write(text: string): void {
    this.stdout.write(text);
  }

  note(line: string): void {
    this.endProgress();
    this.stderr.write(`${line}\n`);
  }

  /** A progress line on stderr: rewritten in place on a terminal, one line per update otherwise (logs, CI). */
  progress(line: string): void {
    if (this.stderr.isTTY) {
      this.stderr.write(`\r\x1b[K${line}`);
      this.progressShown = true;
    } else {
      this.stderr.write(`${line}\n`);
    }
  }

  endProgress(): void {
    if (!this.progressShown) return;
    this.stderr.write('\n');
    this.progressShown = false;
  }
}

export const count = (n: number): string => n.toLocaleString('en-GB');

export const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** An id on the command line: a uuid as Haven shows it. */
export const uuid = z.uuid({ message: 'expected an id like 5b0e8d7e-1c4f-4b1a-9f7e-2d3c4b5a6f70' });
