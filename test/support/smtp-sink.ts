import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the sink received, parsed (mailparser), with the time it arrived. */
export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  receivedAt: number;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps what it receives, for
 * the mail tests. It can stop and start again on the same port (an SMTP outage) and refuse
 * recipients for good (550).
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** Recipients answered with a permanent 550 at RCPT TO. */
  readonly refused = new Set<string>();
  private server: SMTPServer | undefined;
  private waiters: (() => void)[] = [];

  private constructor(public port: number) {}

  /** Starts on `port` (0: any free port). */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink(port);
    await sink.up();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      // Plain SMTP on loopback: the test has no certificate for STARTTLS.
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refused.has(address.address.toLowerCase())) {
          callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        } else callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
            this.messages.push({
              to: to?.value[0]?.address ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              receivedAt: Date.now(),
            });
            for (const wake of this.waiters.splice(0)) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening: connections are refused until up() again. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The messages to `to` so far. */
  to(to: string): ReceivedMail[] {
    return this.messages.filter((mail) => mail.to === to.toLowerCase());
  }

  /** Waits until `count` messages to `to` have arrived (fails after `ms`); returns them. */
  async waitFor(to: string, count = 1, ms = 20_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + ms;
    while (this.to(to).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`expected ${count} mail(s) to ${to}, got ${this.to(to).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.to(to);
  }
}

/** The `token=` parameter of the first link to `path` in a mail's text. */
export function tokenFrom(mail: ReceivedMail, path: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.includes(`${path}?token=`));
  if (!link) throw new Error(`no ${path} link in: ${mail.text}`);
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

/** The link itself (for checking its base). */
export function linkFrom(mail: ReceivedMail, path: string): URL {
  const link = mail.text.split(/\s+/).find((word) => word.includes(`${path}?token=`));
  if (!link) throw new Error(`no ${path} link in: ${mail.text}`);
  return new URL(link);
}
