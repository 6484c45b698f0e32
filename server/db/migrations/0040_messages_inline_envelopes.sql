-- A message row (its envelope of about 3 KB for a 1 KiB body, and the header kept beside it) went
-- over PostgreSQL's default 2 KB toast threshold, so every insert tried to compress the envelope
-- (base64 ciphertext barely compresses) and then moved it out of line into the TOAST table: a
-- second heap and index insert per message on the hot path, and a second lookup for every read.
-- Rows up to a page now stay inline, uncompressed; larger ones are toasted as before.
ALTER TABLE "messages" SET (toast_tuple_target = 8160);
