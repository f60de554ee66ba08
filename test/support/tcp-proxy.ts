import { createServer, connect, type Server, type Socket } from 'node:net';

interface CutRule {
  pattern: Buffer;
  /**
   * What becomes of the link when its client sends the pattern: cut before the server sees the
   * bytes, cut right after they reach it, or held (nothing more passes either way, the
   * connection stays open) until the proxy stops or the link drops.
   */
  action: 'cut-before' | 'cut-after' | 'hold';
  done: () => void;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Every byte the client sent on this link so far, for patterns split across chunks. */
  sent: Buffer;
}

/**
 * A TCP proxy in front of a server (the database, Redis), to inject faults from outside the
 * service, at exact points of a request:
 * - `pause()` holds every byte in both directions (the link hangs), `pause('replies')` only the
 *   server's answers, `resume()` releases them;
 * - `setLatency(ms)` delays every chunk in both directions, keeping their order;
 * - `cut()` drops all connections and refuses new ones, `restore()` takes connections again on
 *   the same port;
 * - `cutWhenClientSends(text)` drops the one connection whose client sends `text` (a statement),
 *   either before the server sees it or right after (forwarding it, so it runs but its answer is
 *   lost), and keeps accepting new connections: a fault inside one request;
 *   `holdWhenClientSends(text)` freezes that one connection instead (to kill the service while
 *   its request waits there).
 * Hand-written rather than a library (toxiproxy and the like need a server of their own): the
 * pattern-triggered cut is what the tests need most, and it is a few lines over `net`.
 */
export class TcpProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private paused: false | 'both' | 'replies' = false;
  private latencyMs = 0;
  private readonly cutRules: CutRule[] = [];
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string, defaultPort = 5432): TcpProxy {
    const target = new URL(url);
    return new TcpProxy(target.hostname, Number(target.port || defaultPort));
  }

  /** The same URL, pointing at the proxy. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }

  /**
   * Holds every byte in both directions; or, with `'replies'`, only what the server sends, so
   * that statements still run (at the moment they are sent) while their answers wait.
   */
  pause(what: 'both' | 'replies' = 'both'): void {
    this.paused = what;
    for (const link of this.links) this.hold(link);
  }

  resume(): void {
    this.paused = false;
    for (const { client, upstream } of this.links) {
      client.resume();
      upstream.resume();
    }
  }

  private hold({ client, upstream }: Link): void {
    if (this.paused === 'both') client.pause();
    if (this.paused) upstream.pause();
  }

  /** Every chunk, in both directions, waits this long before it is passed on (0: none). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /**
   * Cuts the first connection whose client sends `text` (once). `forward: true` lets those bytes
   * reach the server first (its statement runs; the reply is lost). Resolves when it has cut.
   */
  cutWhenClientSends(text: string, options: { forward: boolean }): Promise<void> {
    return this.addRule(text, options.forward ? 'cut-after' : 'cut-before');
  }

  /** Holds the first connection whose client sends `text` (once), those bytes included. */
  holdWhenClientSends(text: string): Promise<void> {
    return this.addRule(text, 'hold');
  }

  private addRule(text: string, action: CutRule['action']): Promise<void> {
    return new Promise((resolve) => {
      this.cutRules.push({ pattern: Buffer.from(text), action, done: resolve });
    });
  }

  /** Forgets the cut rules that have not fired. */
  clearCutRules(): void {
    this.cutRules.length = 0;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    for (const link of this.links) this.drop(link);
    await closed;
    this.server = undefined;
  }

  restore(): Promise<void> {
    return this.start();
  }

  async stop(): Promise<void> {
    if (this.server) await this.cut();
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const link: Link = { client, upstream, sent: Buffer.alloc(0) };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => this.fromClient(link, chunk));
    upstream.on('data', (chunk: Buffer) => this.relay(upstream, client, chunk));
    this.hold(link);
    const drop = (): void => this.drop(link);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }

  private fromClient(link: Link, chunk: Buffer): void {
    if (this.cutRules.length > 0) {
      // Bounded: the longest pattern is all a match across chunk boundaries needs.
      link.sent = Buffer.concat([link.sent, chunk]).subarray(-64 * 1024);
      const index = this.cutRules.findIndex((rule) => link.sent.includes(rule.pattern));
      if (index >= 0) {
        const [rule] = this.cutRules.splice(index, 1);
        this.cutNow(link, rule, chunk);
        return;
      }
    }
    this.relay(link.client, link.upstream, chunk);
  }

  private cutNow(link: Link, rule: CutRule, chunk: Buffer): void {
    if (rule.action === 'hold') {
      link.client.pause();
      link.upstream.pause();
      link.upstream.removeAllListeners('data');
      link.client.removeAllListeners('data');
      rule.done();
      return;
    }
    this.links.delete(link);
    // The client sees its connection die at once, whatever the server does with what it got.
    link.client.destroy();
    if (rule.action === 'cut-after') {
      // end() flushes the bytes, then closes: the server runs the statement, then sees the EOF.
      link.upstream.removeAllListeners('data');
      link.upstream.end(chunk);
      link.upstream.resume();
    } else {
      link.upstream.destroy();
    }
    rule.done();
  }

  private relay(from: Socket, to: Socket, chunk: Buffer): void {
    if (this.latencyMs === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    // Each chunk is passed on `latencyMs` after it arrived, and never before the one before it.
    const due = Date.now() + this.latencyMs;
    const queue = (queues.get(from) ?? Promise.resolve()).then(
      () => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, due - Date.now()))),
    );
    queues.set(from, queue);
    void queue.then(() => {
      if (!to.destroyed) to.write(chunk);
    });
  }

  private drop(link: Link): void {
    this.links.delete(link);
    link.client.destroy();
    link.upstream.destroy();
  }
}

/** Per source socket: the chain its delayed chunks wait on. */
const queues = new WeakMap<Socket, Promise<void>>();
