import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { MailComposers } from './mail-composers.js';
import type { QueuedMail } from './mail-message.js';
import { MailMetrics } from './mail-metrics.js';
import { MailOutbox } from './mail-outbox.service.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';

/** Messages claimed per round trip; sent one after another. */
const BATCH_SIZE = 10;

/**
 * Drains the mail queue, in every instance that has MAIL_WORKER_ENABLED (the default): polls
 * every MAIL_POLL_INTERVAL_MS, and at once when this instance has just queued mail. Each message
 * is claimed under a lease (MailOutbox.claim), composed, sent, and finished; a failed attempt is
 * retried with exponential backoff and jitter, without limit, since a lost reset or verification
 * mail is worse than a late one (queue depth and failures show on /metrics). A recipient the
 * server refuses for good (a permanent 5xx reply to RCPT) is finished as `rejected`.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private wakeRequested = false;
  private stopped = false;
  private lastErrorLog = 0;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport | null,
    private readonly outbox: MailOutbox,
    private readonly composers: MailComposers,
    private readonly metrics: MailMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.transport) {
      this.logger.error(
        'SMTP_URL is not set: mail (verification, password reset) is queued in mail_outbox and not sent until the service runs with SMTP_URL',
      );
      return;
    }
    if (!this.config.mail.workerEnabled) return;
    this.logger.log(`Mail is sent through ${this.transport.description}`);
    this.outbox.onCommitted(() => this.wake());
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    this.transport?.close();
  }

  /** Drains now, or right after the drain in progress. */
  private wake(): void {
    if (this.stopped || !this.transport) return;
    if (this.draining) {
      this.wakeRequested = true;
      return;
    }
    clearTimeout(this.timer);
    this.draining = this.drain(this.transport).finally(() => {
      this.draining = undefined;
      if (this.stopped) return;
      if (this.wakeRequested) {
        this.wakeRequested = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.config.mail.pollIntervalMs);
      }
    });
  }

  private async drain(transport: MailTransport): Promise<void> {
    try {
      for (;;) {
        const batch = await this.outbox.claim(BATCH_SIZE);
        for (const [index, mail] of batch.entries()) {
          if (this.stopped) {
            // Stopping: what is left goes back to the queue now, not when its lease runs out.
            await this.outbox.release(batch.slice(index).map((left) => left.id));
            return;
          }
          await this.deliver(transport, mail);
        }
        if (batch.length < BATCH_SIZE || this.stopped) return;
      }
    } catch (error) {
      // The database is unreachable: try again at the next poll.
      this.logThrottled(`mail queue unavailable: ${(error as Error).message}`);
    }
  }

  private async deliver(transport: MailTransport, mail: QueuedMail): Promise<void> {
    try {
      const composer = this.composers.get(mail.kind);
      if (!composer) throw new Error(`no composer for mail kind ${mail.kind}`);
      const composed = await composer(mail, this.dataSource.manager);
      if (!composed) {
        await this.outbox.finish(mail.id, 'dropped');
        return;
      }
      await transport.send(composed);
    } catch (error) {
      await this.failed(
        mail,
        error as Error & { permanent?: boolean; command?: string; code?: string },
      );
      return;
    }
    this.metrics.delivered(mail.kind, mail.createdAt);
    // If this write fails, the lease runs out and the mail is sent again: at least once.
    await this.outbox.finish(mail.id, 'sent');
  }

  private async failed(
    mail: QueuedMail,
    error: Error & { permanent?: boolean; command?: string; code?: string },
  ): Promise<void> {
    const reason = `${error.code ? `${error.code}: ` : ''}${error.message}`.slice(0, 1000);
    // Only a refusal of the recipient is final; a permanent reply to anything else (say, 535 for
    // bad credentials) is the configuration's fault, and the mail must go once it is fixed.
    const recipientRefused =
      error.permanent === true &&
      (error.code === 'EENVELOPE' || /^RCPT/i.test(error.command ?? ''));
    if (recipientRefused) {
      this.metrics.failed(mail.kind, 'rejected');
      this.logger.warn(`mail ${mail.id} (${mail.kind}) refused for good: ${reason}`);
      await this.outbox.finish(mail.id, 'rejected', reason);
      return;
    }
    this.metrics.failed(mail.kind, 'transient');
    const delay = this.backoffMs(mail.attempts);
    this.logThrottled(
      `mail ${mail.id} (${mail.kind}) attempt ${mail.attempts} failed, next in ${Math.round(delay)} ms: ${reason}`,
    );
    await this.outbox.retryLater(mail.id, delay, reason);
  }

  /** MAIL_RETRY_MIN_MS doubled per failed attempt, capped at MAIL_RETRY_MAX_MS, ±20% jitter. */
  private backoffMs(attempts: number): number {
    const { retryMinMs, retryMaxMs } = this.config.mail;
    const base = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(30, attempts - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  /** One warning per poll interval at most: an SMTP outage must not flood the log. */
  private logThrottled(message: string): void {
    const now = Date.now();
    if (now - this.lastErrorLog < Math.max(this.config.mail.pollIntervalMs, 5000)) return;
    this.lastErrorLog = now;
    this.logger.warn(message);
  }
}
