-- Trigram matching for the children's index search (tolerates small spelling differences).
-- pg_trgm is a trusted extension: a database owner can create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
