/**
 * Jest cannot yet let a CommonJS package require() an ES module (Node 20 can, natively). The one
 * CommonJS package here that requires Nest's ES modules is @nestjs/throttler: its files go through
 * cjs-require-esm.transformer.cjs, which reads these modules from here instead.
 */
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';

(globalThis as { __esmForCjs?: Record<string, unknown> }).__esmForCjs = {
  '@nestjs/common': common,
  '@nestjs/core': core,
};
