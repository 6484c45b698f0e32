CREATE TABLE "integrity_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reporter_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"thread_id" uuid,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integrity_reports" ADD CONSTRAINT "integrity_reports_reporter_id_users_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "integrity_reports_once" ON "integrity_reports" USING btree ("reporter_id","kind","subject_id","reason");--> statement-breakpoint
CREATE INDEX "integrity_reports_reporter_idx" ON "integrity_reports" USING btree ("reporter_id","created_at");