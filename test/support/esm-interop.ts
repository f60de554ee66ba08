/**
 * Jest cannot yet let a CommonJS package require() an ES module (Node 20 can, natively). The
 * CommonJS packages here that require ES modules are @nestjs/throttler (Nest's) and
 * @fastify/static (content-disposition; Swagger UI's assets when DOCS_ENABLED): their files go
 * through cjs-require-esm.transformer.cjs, which reads these modules from here instead.
 */
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as contentDisposition from 'content-disposition';

(globalThis as { __esmForCjs?: Record<string, unknown> }).__esmForCjs = {
  '@nestjs/common': common,
  '@nestjs/core': core,
  'content-disposition': contentDisposition,
};
