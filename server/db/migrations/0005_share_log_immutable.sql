-- Shares are never edited: a correction is a new entry that references the original.
-- Deletion is refused too, except by the retention worker, which sets
-- `haven.allow_destruction = on` for its own transaction (SET LOCAL) when a record is due.
CREATE OR REPLACE FUNCTION haven_share_log_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('haven.allow_destruction', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is immutable: record a correction instead', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER share_log_immutable BEFORE UPDATE OR DELETE ON share_log
  FOR EACH ROW EXECUTE FUNCTION haven_share_log_immutable();
--> statement-breakpoint
CREATE TRIGGER share_participants_immutable BEFORE UPDATE OR DELETE ON share_participants
  FOR EACH ROW EXECUTE FUNCTION haven_share_log_immutable();
