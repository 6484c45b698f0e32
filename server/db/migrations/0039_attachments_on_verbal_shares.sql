-- Files on a verbal share (issue 21): an upload made for a verbal share has no conversation
-- (thread_id null) and, once the share is logged, names it (share_id). Never both a message and a share.
ALTER TABLE "attachments" ALTER COLUMN "thread_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "share_id" uuid;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_share_id_share_log_id_fk" FOREIGN KEY ("share_id") REFERENCES "public"."share_log"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_share_idx" ON "attachments" USING btree ("share_id");--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_message_in_thread" CHECK ("attachments"."message_id" is null or "attachments"."thread_id" is not null);--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_share_without_thread" CHECK ("attachments"."share_id" is null or "attachments"."thread_id" is null);