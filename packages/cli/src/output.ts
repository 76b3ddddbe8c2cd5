// Where results go: human lines on stdout, or one JSON document (JSON lines for streams) with
// --json. Progress goes to stderr, and never in --json mode.

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** JSON.stringify that writes bigints as decimal strings and bytes as hex. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === "bigint"
        ? v.toString()
        : v instanceof Uint8Array
          ? Buffer.from(v).toString("hex")
          : v,
    indent,
  );
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly io: Io,
  ) {}

  /** The command's result: `human` lines, or `data` as one JSON document. */
  result(data: unknown, human: string | readonly string[]): void {
    if (this.json) {
      this.io.stdout(`${toJson(data, 2)}\n`);
      return;
    }
    const lines = typeof human === "string" ? [human] : human;
    if (lines.length > 0) this.io.stdout(`${lines.join("\n")}\n`);
  }

  /** One item of a stream: a JSON line, or a human line. */
  item(data: unknown, human: string): void {
    this.io.stdout(this.json ? `${toJson(data)}\n` : `${human}\n`);
  }

  progress(text: string): void {
    if (!this.json) this.io.stderr(`${text}\n`);
  }

  error(code: string, message: string): void {
    if (this.json) this.io.stdout(`${toJson({ error: { code, message } }, 2)}\n`);
    this.io.stderr(`x: ${message}\n`);
  }
}
