-- An obligation to file a written record cannot be deleted: only discharged, or cancelled by an
-- admin with a reason (both are updates that keep the row).
CREATE OR REPLACE FUNCTION haven_obligations_not_deleted() RETURNS trigger AS $$
BEGIN
  IF current_setting('haven.allow_destruction', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'obligations cannot be deleted: discharge or cancel them';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER obligations_not_deleted BEFORE DELETE ON obligations
  FOR EACH ROW EXECUTE FUNCTION haven_obligations_not_deleted();
--> statement-breakpoint
CREATE UNIQUE INDEX threads_one_special_file ON threads (child_id) WHERE tier = 'offending_risk';
