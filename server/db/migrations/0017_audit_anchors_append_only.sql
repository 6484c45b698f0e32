-- Anchors are evidence: never changed or removed.
CREATE TRIGGER audit_anchors_no_update_delete BEFORE UPDATE OR DELETE ON audit_anchors
  FOR EACH ROW EXECUTE FUNCTION haven_audit_append_only();
