-- The key log is append-only: leaves and signed heads are never changed or removed.
CREATE OR REPLACE FUNCTION haven_key_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER key_log_leaves_append_only BEFORE UPDATE OR DELETE ON key_log_leaves
  FOR EACH ROW EXECUTE FUNCTION haven_key_log_append_only();
--> statement-breakpoint
CREATE TRIGGER key_log_heads_append_only BEFORE UPDATE OR DELETE ON key_log_heads
  FOR EACH ROW EXECUTE FUNCTION haven_key_log_append_only();
