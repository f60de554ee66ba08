import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import type { AppConfig } from '../config/app-config.js';
import type { ComposedMail } from './mail-message.js';

/** Sends one composed mail, or throws what the transport reported. */
export interface MailTransport {
  readonly description: string;
  send(mail: ComposedMail): Promise<void>;
  close(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * Bounded waits, so a send that hangs cannot outlive the claim's lease (LEASE_SECONDS): nodemailer's
 * defaults are two minutes to connect and ten minutes of socket silence.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * SMTP_URL: nodemailer over SMTP (smtps:// is TLS from the start, smtp:// upgrades with
 * STARTTLS when the server offers it). Without it, outside production: each mail is written to
 * DATA_DIR/mail as an .eml file and logged with its link. In production without SMTP_URL: null,
 * and mail stays queued until the service runs with one.
 */
export function createMailTransport(config: AppConfig): MailTransport | null {
  if (config.mail.smtpUrl) return smtpTransport(config.mail.smtpUrl, config.mail.from);
  if (config.nodeEnv === 'production') return null;
  return developmentTransport(join(config.dataDir, 'mail'), config.mail.from);
}

function smtpTransport(url: string, from: string): MailTransport {
  const parsed = new URL(url);
  const transporter = createTransport({
    url,
    ...SMTP_TIMEOUTS,
    // One connection per send: a worker sends rarely, and a pooled connection the server has
    // dropped would fail the next send for nothing.
    pool: false,
  } as Parameters<typeof createTransport>[0]);
  return {
    description: `SMTP ${parsed.protocol}//${parsed.host}`,
    async send(mail) {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transporter.close(),
  };
}

function developmentTransport(directory: string, from: string): MailTransport {
  const logger = new Logger('Mail');
  // nodemailer renders the message (headers, encodings) exactly as SMTP would carry it.
  const transporter = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files under ${directory} (no SMTP_URL)`,
    async send(mail) {
      const info = await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
      await mkdir(directory, { recursive: true });
      const file = join(
        directory,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.to.replace(/[^A-Za-z0-9@._-]/g, '_')}.eml`,
      );
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.log(`Mail to ${mail.to}: "${mail.subject}" ${mail.link ?? ''} (${file})`);
    },
    close: () => transporter.close(),
  };
}
