CREATE TABLE "mail_outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel" text DEFAULT 'email' NOT NULL,
	"user_id" uuid,
	"address" text,
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"link_token" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"message_id" text,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "mail_outbox_message_id_unique" UNIQUE("message_id"),
	CONSTRAINT "mail_outbox_one_recipient" CHECK (("mail_outbox"."user_id" is null) <> ("mail_outbox"."address" is null)),
	CONSTRAINT "mail_outbox_channel" CHECK ("mail_outbox"."channel" in ('email')),
	CONSTRAINT "mail_outbox_status" CHECK (status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
	CONSTRAINT "mail_outbox_kind" CHECK (kind in ('new_messages', 'invitation', 'account_verified', 'account_suspended', 'account_reinstated', 'new_sign_in', 'obligation_reminder', 'obligation_overdue', 'obligation_escalation'))
);
--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD CONSTRAINT "mail_outbox_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mail_outbox_one_waiting" ON "mail_outbox" USING btree ("user_id","kind") WHERE "mail_outbox"."status" = 'queued' and "mail_outbox"."kind" in ('new_messages', 'new_sign_in');--> statement-breakpoint
CREATE INDEX "mail_outbox_queued_idx" ON "mail_outbox" USING btree ("next_attempt_at") WHERE "mail_outbox"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "mail_outbox_status_idx" ON "mail_outbox" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "mail_outbox_user_idx" ON "mail_outbox" USING btree ("user_id","kind","sent_at");