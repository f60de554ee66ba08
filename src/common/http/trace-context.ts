import type { IncomingHttpHeaders } from 'node:http';
import { defaultTextMapGetter, isSpanContextValid, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();

/**
 * The trace a request belongs to: the active span when tracing is on, otherwise the caller's W3C
 * `traceparent` (so log lines join the caller's trace even with no exporter configured).
 */
export function traceIdsOf(headers: IncomingHttpHeaders): { trace_id?: string; span_id?: string } {
  const span =
    trace.getActiveSpan()?.spanContext() ??
    trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
