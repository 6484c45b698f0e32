-- A message's header is stored on its own only once its envelope is dropped (revocation): until
-- then it is read from inside the envelope. Rows stored before keep both. A row never has neither.
ALTER TABLE "messages" ALTER COLUMN "header" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_header_kept" CHECK ("messages"."envelope" is not null or "messages"."header" is not null);