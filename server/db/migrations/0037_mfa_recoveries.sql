CREATE TABLE "mfa_recoveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"requested_by" uuid,
	"identity_check_method" text NOT NULL,
	"identity_checked_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"needs_confirmation" boolean NOT NULL,
	"confirmed_by" uuid,
	"confirmed_at" timestamp with time zone,
	"token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "mfa_recoveries_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "mail_outbox" DROP CONSTRAINT "mail_outbox_kind";--> statement-breakpoint
ALTER TABLE "mfa_recoveries" ADD CONSTRAINT "mfa_recoveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mfa_recoveries" ADD CONSTRAINT "mfa_recoveries_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mfa_recoveries" ADD CONSTRAINT "mfa_recoveries_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mfa_recoveries_user_idx" ON "mfa_recoveries" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD CONSTRAINT "mail_outbox_kind" CHECK (kind in ('new_messages', 'invitation', 'account_verified', 'account_suspended', 'account_reinstated', 'new_sign_in', 'password_reset', 'password_changed', 'passkey_added', 'mfa_recovery_link', 'mfa_recovery_started', 'mfa_recovery_admin_alert', 'mfa_recovered', 'obligation_reminder', 'obligation_overdue', 'obligation_escalation'));