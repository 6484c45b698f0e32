-- Rate-limit counters need no durability: after a database crash they start again from zero,
-- which only forgives at most one minute of counting. Unlogged, a hit writes no WAL, so its
-- commit does not wait for a disk flush; every sign-in and every send counts hits.
ALTER TABLE "throttles" SET UNLOGGED;
