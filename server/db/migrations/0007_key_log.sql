CREATE TABLE "key_log_heads" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"timestamp" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "key_log_leaves" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"entry" jsonb NOT NULL,
	"leaf_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "server_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "key_log_leaves" ADD CONSTRAINT "key_log_leaves_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "key_log_leaves_user_idx" ON "key_log_leaves" USING btree ("user_id","seq");