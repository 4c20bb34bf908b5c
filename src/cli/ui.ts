/**
 * Where output goes. stdout carries results only (a table or JSON); everything else goes to stderr, and
 * progress goes quiet when stderr is not a terminal, under NO_COLOR, or with --json.
 */
import { Chalk, type ChalkInstance } from "chalk";
import ora from "ora";

export interface UiOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

export interface Spinner {
  /** Progress text: the spinner's label on a terminal, a line under --verbose elsewhere. */
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

export class Ui {
  readonly json: boolean;
  readonly verbose: boolean;
  /** Colours for stdout (tables) and stderr (messages), each on only when that stream is a terminal. */
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;
  private readonly interactive: boolean;

  constructor(
    options: UiOptions,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.out = new Chalk({ level: options.color && stdout.isTTY ? 1 : 0 });
    this.err = new Chalk({ level: options.color && stderr.isTTY ? 1 : 0 });
    // A terminal that reports no width (some CI pseudo-terminals) would make a spinner redraw endlessly.
    this.interactive = Boolean(stderr.isTTY) && (stderr.columns ?? 0) > 0 && options.color && !options.json;
  }

  /** A result line on stdout. */
  print(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  /** The command's result as JSON on stdout. */
  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  }

  debug(message: string): void {
    if (this.verbose) this.stderr.write(`${this.err.dim(message)}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.err.yellow("trtx: warning:")} ${message}\n`);
  }

  error(message: string): void {
    this.stderr.write(`${this.err.red("trtx: error:")} ${message}\n`);
  }

  /** A spinner on a terminal; elsewhere nothing (or one line under --verbose). */
  spinner(text: string): Spinner {
    if (!this.interactive) {
      this.debug(text);
      return { update: (t) => this.debug(t), succeed: () => {}, fail: () => {} };
    }
    const s = ora({ text, stream: this.stderr }).start();
    return { update: (t) => void (s.text = t), succeed: (t) => s.succeed(t), fail: (t) => s.fail(t) };
  }
}

/** Colour is on unless NO_COLOR is set (any value) or --no-color was given. */
export function colorEnabled(flag: boolean | undefined, env = process.env): boolean {
  return flag !== false && !("NO_COLOR" in env && env.NO_COLOR !== "");
}
