import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  type ResponseHeader,
  responseHeadersOf,
} from '../common/http/api-response-header.decorator.js';
import { AUTH_RATE_LIMITED, SIGNUP_RATE_LIMITED } from '../rate-limit/auth-rate-limit.decorator.js';

/** Where a route stands, read from the same metadata the global guards read. */
export interface RouteFacts {
  /** Counted by the rate limiter (every route but the probes: @SkipThrottle()). */
  throttled: boolean;
  /** Also counted against the stricter AUTH_RATE_LIMIT_MAX budget (POST /auth/token). */
  authLimited: boolean;
  /** False for the routes that answer without the database (/docs): no 503 then. */
  readsDatabase?: boolean;
  /** Also counted against the SIGNUP_RATE_LIMIT_MAX budget (POST /users). */
  signupLimited?: boolean;
  /** Headers of particular responses, from @ApiResponseHeader(). */
  responseHeaders: ResponseHeader[];
}

/** The facts of an operation nobody described: rate limited like every route but the probes. */
export const DEFAULT_ROUTE_FACTS: Readonly<RouteFacts> = {
  throttled: true,
  authLimited: false,
  responseHeaders: [],
};

/** @nestjs/throttler's metadata key for @SkipThrottle() of the `default` throttler (not exported). */
const SKIP_DEFAULT_THROTTLER = 'THROTTLER:SKIPdefault';

/** `users_list`, `userPosts_create`: the controller's name without "Controller", and the method. */
export function operationIdFor(controllerKey: string, methodKey: string): string {
  const controller = controllerKey.replace(/Controller$/, '');
  return `${controller.charAt(0).toLowerCase()}${controller.slice(1)}_${methodKey}`;
}

/** RouteFacts of every handler of the application, by operationId. */
export function routeFactsOf(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const skip: unknown =
          Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, handler) ??
          Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, controller);
        facts.set(operationIdFor(controller.name, name), {
          throttled: skip !== true,
          authLimited: Reflect.getMetadata(AUTH_RATE_LIMITED, handler) === true,
          signupLimited: Reflect.getMetadata(SIGNUP_RATE_LIMITED, handler) === true,
          responseHeaders: responseHeadersOf(handler),
        });
      }
    }
  }
  return facts;
}
