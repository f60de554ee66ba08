import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type LoggedRequest, logBindingsOf } from '../http/log-bindings.js';
import { isUniqueViolation, retryableDatabaseError } from './database-error.js';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from './error-code.js';
import { ErrorEnvelope } from './error-envelope.js';
import { ValidationFailedException } from './validation-failed.exception.js';

/** What a 503 asks a client to wait before retrying. */
const RETRY_AFTER_SECONDS = 1;

interface MappedError {
  status: number;
  message: string;
  details?: ValidationFailedException['details'];
}

/**
 * The one place where errors become responses: Nest HTTP exceptions, Fastify's own errors (body
 * parser, content type, body size), database errors and anything unexpected all leave as the
 * error envelope of API.md. A 500 carries no stack, SQL or driver text.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const mapped = this.map(exception);

    // With the request's id and trace, as on its request line. Only the unexpected gets a stack;
    // a 503 (database down, not ready) is an expected state and logs one line.
    if (mapped.status >= 500) {
      const bindings = logBindingsOf(request.raw as LoggedRequest);
      if (mapped.status === 503) {
        const cause = exception instanceof Error ? exception.message : String(exception);
        this.logger.warn(bindings, `${mapped.message}: ${cause}`);
      } else {
        this.logger.error({ ...bindings, err: exception }, 'Unexpected error');
      }
    }
    if (mapped.status === 401) {
      void reply.header('WWW-Authenticate', 'Bearer');
    }
    // Every 503 is a state that passes (a lock released, the database back, a start finished).
    if (mapped.status === 503) {
      void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    }

    const body: ErrorEnvelope = {
      error: {
        code: errorCodeFor(mapped.status),
        message: mapped.message,
        ...(mapped.details ? { details: mapped.details } : {}),
        request_id: String(request.id),
      },
    };
    void reply
      .status(mapped.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }

  private map(exception: unknown): MappedError {
    if (exception instanceof ValidationFailedException) {
      return { status: 422, message: exception.message, details: exception.details };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, message: this.httpExceptionMessage(exception, status) };
    }
    if (isUniqueViolation(exception)) {
      return {
        status: HttpStatus.CONFLICT,
        message: 'A resource with these unique values already exists',
      };
    }
    const retryable = retryableDatabaseError(exception);
    if (retryable) return { status: HttpStatus.SERVICE_UNAVAILABLE, message: retryable };
    // Fastify's own errors (FST_ERR_CTP_*: bad JSON, empty body, unsupported media type, body
    // too large) carry a 4xx statusCode; their text is generic, the status is what matters.
    const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return {
        status: statusCode,
        message: DEFAULT_MESSAGE_BY_STATUS[statusCode] ?? 'Bad request',
      };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }

  private httpExceptionMessage(exception: HttpException, status: number): string {
    // A 500 never tells why; a 503 carries the service's own reason (not ready, database down).
    if (status >= 500 && status !== 503)
      return DEFAULT_MESSAGE_BY_STATUS[status] ?? 'Internal server error';
    const response = exception.getResponse();
    const message =
      typeof response === 'string' ? response : (response as { message?: unknown }).message;
    if (typeof message === 'string' && message.length > 0) return message;
    return DEFAULT_MESSAGE_BY_STATUS[status] ?? exception.message;
  }
}
