import { z } from 'zod';

/** A real calendar date written YYYY-MM-DD (rejects 2025-02-30). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter a date in the format YYYY-MM-DD', abort: true })
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'Enter a real date');

export const uuidParam = z.uuid({ message: 'This identifier is not valid. Go back and choose the item again.' });

export const email = z
  .string()
  .trim()
  .max(254, 'Email address must be 254 characters or fewer')
  .pipe(z.email({ message: 'Enter an email address in the correct format, like name@example.org' }))
  .transform((value) => value.toLowerCase());

export const personName = z.string().trim().min(1, 'Enter a name').max(200, 'Name must be 200 characters or fewer');

export const password = z.string().min(12, 'Password must be at least 12 characters').max(200, 'Password must be 200 characters or fewer');

export const reason = z.string().trim().min(3, 'Enter a reason (at least 3 characters)').max(1000, 'Reason must be 1000 characters or fewer');
