CREATE TABLE "case_officers" (
	"child_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"added_by" uuid NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_officers_child_id_user_id_pk" PRIMARY KEY("child_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"obligation_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "obligations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL,
	"verbal_share_id" uuid NOT NULL,
	"officer_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"remind_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"escalations" integer DEFAULT 0 NOT NULL,
	"last_escalated_at" timestamp with time zone,
	"discharged_at" timestamp with time zone,
	"discharged_by_message_id" uuid,
	"cancelled_at" timestamp with time zone,
	"cancelled_by" uuid,
	"cancel_reason" text,
	CONSTRAINT "obligations_one_ending" CHECK (not ("obligations"."discharged_at" is not null and "obligations"."cancelled_at" is not null)),
	CONSTRAINT "obligations_cancel_reason" CHECK (("obligations"."cancelled_at" is null) = ("obligations"."cancel_reason" is null))
);
--> statement-breakpoint
ALTER TABLE "children" ADD COLUMN "offending_risk_marked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "children" ADD COLUMN "offending_risk_marked_by" uuid;--> statement-breakpoint
ALTER TABLE "case_officers" ADD CONSTRAINT "case_officers_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_officers" ADD CONSTRAINT "case_officers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_officers" ADD CONSTRAINT "case_officers_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_obligation_id_obligations_id_fk" FOREIGN KEY ("obligation_id") REFERENCES "public"."obligations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_verbal_share_id_share_log_id_fk" FOREIGN KEY ("verbal_share_id") REFERENCES "public"."share_log"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_officer_id_users_id_fk" FOREIGN KEY ("officer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_officers_user_idx" ON "case_officers" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notices_once" ON "notices" USING btree ("obligation_id","kind","round","user_id");--> statement-breakpoint
CREATE INDEX "notices_user_idx" ON "notices" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "obligations_open_idx" ON "obligations" USING btree ("due_at") WHERE "obligations"."discharged_at" is null and "obligations"."cancelled_at" is null;--> statement-breakpoint
CREATE INDEX "obligations_officer_idx" ON "obligations" USING btree ("officer_id");--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_offending_risk_marked_by_users_id_fk" FOREIGN KEY ("offending_risk_marked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;