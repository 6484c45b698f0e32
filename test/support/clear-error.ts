import { expect } from 'vitest';
import type { ApiResponse } from './client';

/** A clear client error: a 4xx, the JSON error shape, and no trace of internals. */
export function expectClearClientError(res: ApiResponse, label: string): void {
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  const body = res.body as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, label).toBe('string');
  expect(typeof body.error?.message, label).toBe('string');
  expectNoInternals(res, label);
}

/** No stack frame, source path or error class name in an answer. */
export function expectNoInternals(res: ApiResponse, label: string): void {
  expect(typeof res.body === 'string' ? res.body : JSON.stringify(res.body), label).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+|Error:|stack/i);
}
