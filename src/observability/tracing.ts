/**
 * OpenTelemetry, started by main.ts before anything else loads so that the http, pg and redis
 * modules are instrumented. It reads OTEL_EXPORTER_OTLP_ENDPOINT (validated again with the rest
 * of the configuration) directly, because it must run before the configuration module exists.
 * Without an endpoint no SDK starts, at no cost; incoming `traceparent` ids still reach the logs
 * (see trace-context.ts).
 */
export async function startTracing(): Promise<() => Promise<void>> {
  if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return () => Promise.resolve();

  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { HttpInstrumentation },
    { PgInstrumentation },
    { RedisInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-redis'),
  ]);
  const probes = new Set(['/health', '/ready', '/metrics']);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'users-posts-api',
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => probes.has(request.url ?? ''),
      }),
      new PgInstrumentation(),
      new RedisInstrumentation(),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
