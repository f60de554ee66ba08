import type { IncomingMessage } from 'node:http';
import { traceIdsOf } from './trace-context.js';

/** A raw request, with what the request logging keeps on it. */
export interface LoggedRequest extends IncomingMessage {
  /** Left by common/http/request-id.ts. */
  id: string;
  /** The bindings of this request's log lines (request id, trace), computed on first use. */
  logBindings?: LogBindings;
}

export interface LogBindings {
  request_id: string;
  trace_id?: string;
  span_id?: string;
}

/** The request id and trace of a request's log lines, computed once per request. */
export function logBindingsOf(request: LoggedRequest): LogBindings {
  return (request.logBindings ??= {
    request_id: request.id,
    ...traceIdsOf(request.headers),
  });
}
