CREATE TABLE "key_claims" (
	"public_key" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_keys" ADD COLUMN "possession_proof" text;--> statement-breakpoint
ALTER TABLE "key_claims" ADD CONSTRAINT "key_claims_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Claims for every key already published: in the key log's order, so the first user to log a key keeps it.
INSERT INTO "key_claims" ("public_key", "user_id", "claimed_at")
SELECT "key", "user_id", "logged_at" FROM (
  SELECT "entry"->>'signPublicKey' AS "key", "user_id", ("entry"->>'loggedAt')::timestamptz AS "logged_at", "seq", 0 AS "part" FROM "key_log_leaves"
  UNION ALL
  SELECT "entry"->>'boxPublicKey', "user_id", ("entry"->>'loggedAt')::timestamptz, "seq", 1 FROM "key_log_leaves"
) AS "logged"
WHERE "key" IS NOT NULL
ORDER BY "seq", "part"
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "key_claims" ("public_key", "user_id", "claimed_at")
SELECT "sign_public_key", "user_id", "created_at" FROM "user_keys"
UNION ALL
SELECT "box_public_key", "user_id", "created_at" FROM "user_keys"
ON CONFLICT DO NOTHING;
