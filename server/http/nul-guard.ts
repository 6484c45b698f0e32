import type { RequestHandler } from 'express';
import { ValidationError } from '../errors';

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner, depth + 1));
}

/**
 * PostgreSQL text cannot hold NUL characters; refuse them up front with a clear 400 rather
 * than letting a query fail deep inside a transaction.
 */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  if (containsNul(req.body) || containsNul(req.query) || req.path.includes('\u0000')) {
    next(new ValidationError('The request contains a NUL character, which Haven does not accept in text.', [], 'nul_character'));
    return;
  }
  next();
};
