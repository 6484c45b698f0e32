import { z } from 'zod';

/**
 * Every background job Haven runs: its name, payload schema and schedule. A worker refuses to
 * start unless each name here has exactly one handler (see registry.ts).
 */
export const jobDefinitions = {
  'housekeeping.purge-expired': {
    payload: z.strictObject({}),
    // Expired sessions and throttle windows are useless to keep and are bearer-token hashes.
    every: { ms: 15 * 60_000 },
  },
  'retention.run': {
    payload: z.strictObject({}),
    // Daily; on demand from the admin screen too. Idempotent and resumable (runRetention).
    every: { ms: 24 * 3_600_000 },
  },
  'audit.anchor': {
    payload: z.strictObject({}),
    // Hourly: truncating the log after an anchor is detectable against it.
    every: { ms: 3_600_000 },
  },
  'obligations.sweep': {
    payload: z.strictObject({}),
    // Reminders and escalations are decided from the database at each sweep (see sweepObligations).
    every: { ms: 60_000 },
  },
  'attachments.sweep': {
    payload: z.strictObject({}),
    // Uploads never attached to a message are deleted 24 hours after they started (docs/attachments.md).
    every: { ms: 3_600_000 },
  },
  'mail.sweep': {
    payload: z.strictObject({}),
    // Hands queued notices to the mail queue again (lost wake-ups) and gives up on sends that died
    // half-way; every HAVEN_MAIL_SWEEP_SECONDS (see schedules.ts).
    every: { ms: 30_000 },
  },
} as const;

export type JobName = keyof typeof jobDefinitions;
export const JOB_NAMES = Object.keys(jobDefinitions) as JobName[];
export const QUEUE_NAME = 'haven';
