-- For a statement that appends to the audit chain after a head it saw earlier (the message group
-- commit, server/audit/audit.store.ts `auditAfterHead`): takes the chain's lock, as every append
-- does, then reads the head afresh (a volatile function's query sees what committed while the
-- calling statement waited for the lock). True when the chain still ends where the caller thinks;
-- otherwise an error, so that the whole statement — the messages with their entries — rolls back.
CREATE FUNCTION haven_chain_continues(lock_key bigint, expected_seq bigint, expected_hash text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT seq, hash INTO head_seq, head_hash FROM audit_entries ORDER BY seq DESC LIMIT 1;
  IF head_seq IS NOT DISTINCT FROM expected_seq AND head_hash IS NOT DISTINCT FROM expected_hash THEN
    RETURN true;
  END IF;
  RAISE EXCEPTION 'the audit chain has moved on from entry %', expected_seq USING ERRCODE = 'HV001';
END
$$;
