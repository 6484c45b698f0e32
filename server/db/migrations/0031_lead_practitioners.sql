CREATE TABLE "lead_practitioners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"child_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	"appointed_by" uuid NOT NULL,
	"appointed_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" uuid,
	CONSTRAINT "lead_practitioners_ended" CHECK (("lead_practitioners"."ended_at" is null) = ("lead_practitioners"."ended_by" is null))
);
--> statement-breakpoint
ALTER TABLE "lead_practitioners" ADD CONSTRAINT "lead_practitioners_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_practitioners" ADD CONSTRAINT "lead_practitioners_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_practitioners" ADD CONSTRAINT "lead_practitioners_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_practitioners" ADD CONSTRAINT "lead_practitioners_appointed_by_users_id_fk" FOREIGN KEY ("appointed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_practitioners" ADD CONSTRAINT "lead_practitioners_ended_by_users_id_fk" FOREIGN KEY ("ended_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lead_practitioners_one_current_per_child" ON "lead_practitioners" USING btree ("child_id") WHERE "lead_practitioners"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "lead_practitioners_child_idx" ON "lead_practitioners" USING btree ("child_id","appointed_at");--> statement-breakpoint
CREATE INDEX "lead_practitioners_user_idx" ON "lead_practitioners" USING btree ("user_id");--> statement-breakpoint
-- An appointment records who was lead practitioner, who appointed them and why: it is ended,
-- once, and never edited or deleted — except by the retention worker, which sets
-- `haven.allow_destruction = on` for its own transaction when the child's records are due.
CREATE OR REPLACE FUNCTION haven_lead_practitioners_kept() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF current_setting('haven.allow_destruction', true) = 'on' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'lead practitioner appointments cannot be deleted: end them instead';
  END IF;
  IF OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
    AND (NEW.id, NEW.child_id, NEW.user_id, NEW.agency_id, NEW.appointed_by, NEW.appointed_at, NEW.reason)
      IS NOT DISTINCT FROM (OLD.id, OLD.child_id, OLD.user_id, OLD.agency_id, OLD.appointed_by, OLD.appointed_at, OLD.reason) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'a lead practitioner appointment is only ever ended, once';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER lead_practitioners_kept BEFORE UPDATE OR DELETE ON lead_practitioners
  FOR EACH ROW EXECUTE FUNCTION haven_lead_practitioners_kept();
