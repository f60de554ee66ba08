import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, map } from 'rxjs';
import { Page } from '../pagination/page.js';

/** Wraps every successful result in the envelope of API.md: `{ data }` or `{ data, meta }`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    return next.handle().pipe(
      map((result) => {
        if (result === undefined) return undefined; // 204 No Content
        if (result instanceof Page) return { data: result.items, meta: result.meta };
        return { data: result };
      }),
    );
  }
}
