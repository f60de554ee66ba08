import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import { MetricsRegistryModule } from '../observability/metrics-registry.module.js';
import { MailComposers } from './mail-composers.js';
import { MailMetrics } from './mail-metrics.js';
import { MailOutbox } from './mail-outbox.service.js';
import { createMailTransport, MAIL_TRANSPORT } from './mail-transport.js';
import { MailWorker } from './mail-worker.service.js';

/** The durable mail queue and its worker; a feature that queues mail imports it. */
@Module({
  imports: [MetricsRegistryModule],
  providers: [
    MailOutbox,
    MailComposers,
    MailMetrics,
    MailWorker,
    { provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: createMailTransport },
  ],
  exports: [MailOutbox, MailComposers],
})
export class MailModule {}
