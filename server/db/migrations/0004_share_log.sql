CREATE TYPE "public"."share_kind" AS ENUM('verbal', 'decision_not_to_share', 'decision_reopened');--> statement-breakpoint
CREATE TYPE "public"."share_tier" AS ENUM('welfare', 'offending_risk');--> statement-breakpoint
CREATE TABLE "share_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "share_kind" NOT NULL,
	"child_id" uuid NOT NULL,
	"tier" "share_tier" NOT NULL,
	"sender_id" uuid NOT NULL,
	"sender_agency_id" uuid NOT NULL,
	"sender_role" "user_role" NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"record" jsonb NOT NULL,
	"corrects_id" uuid,
	"correction_reason" text,
	CONSTRAINT "share_log_correction" CHECK (("share_log"."corrects_id" is null) = ("share_log"."correction_reason" is null))
);
--> statement-breakpoint
CREATE TABLE "share_participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"share_id" uuid NOT NULL,
	"user_id" uuid,
	"external_name" text,
	"agency_id" uuid NOT NULL,
	"need_to_know_reason" text,
	CONSTRAINT "share_participants_who" CHECK (("share_participants"."user_id" is null) <> ("share_participants"."external_name" is null))
);
--> statement-breakpoint
ALTER TABLE "share_log" ADD CONSTRAINT "share_log_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_log" ADD CONSTRAINT "share_log_sender_id_users_id_fk" FOREIGN KEY ("sender_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_log" ADD CONSTRAINT "share_log_sender_agency_id_agencies_id_fk" FOREIGN KEY ("sender_agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_participants" ADD CONSTRAINT "share_participants_share_id_share_log_id_fk" FOREIGN KEY ("share_id") REFERENCES "public"."share_log"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_participants" ADD CONSTRAINT "share_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "share_participants" ADD CONSTRAINT "share_participants_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "share_log_child_idx" ON "share_log" USING btree ("child_id","occurred_at");--> statement-breakpoint
CREATE INDEX "share_log_sender_idx" ON "share_log" USING btree ("sender_id");--> statement-breakpoint
CREATE INDEX "share_participants_share_idx" ON "share_participants" USING btree ("share_id");--> statement-breakpoint
CREATE INDEX "share_participants_user_idx" ON "share_participants" USING btree ("user_id");