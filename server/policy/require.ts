import { ForbiddenError } from '../errors';
import type { Decision } from './types';

/** Turns a denial into a ForbiddenError carrying its reason; services call this on their first line. */
export function requireAllowed(decision: Decision): void {
  if (!decision.allow) throw new ForbiddenError(decision.reason.code, decision.reason.message);
}
