import { Writable } from 'node:stream';

/** A pino destination that keeps every JSON line written to it, parsed. */
export class LogCapture extends Writable {
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get lines(): Record<string, unknown>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The request log lines (the ones with a route), optionally for one request id. */
  requestLines(requestId?: string): Record<string, unknown>[] {
    return this.lines.filter(
      (line) =>
        typeof line.route === 'string' &&
        (requestId === undefined || line.request_id === requestId),
    );
  }

  /** Everything written so far, as one string: for "never appears" checks. */
  get text(): string {
    return this.raw.join('\n');
  }
}

/** Request lines are written when the response finishes: give the stream a turn. */
export function flushed(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
