-- Attachment chunks are ciphertext, which never compresses: storing them EXTERNAL (out of line,
-- uncompressed) skips PostgreSQL's compression attempt, which cost about 4 ms of a 9 ms insert of
-- a megabyte (docs/performance.md, "Attachments"). Rows already stored are unchanged and still readable.
ALTER TABLE "attachment_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
