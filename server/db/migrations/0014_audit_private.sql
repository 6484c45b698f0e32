CREATE TABLE "audit_private" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"salt" text NOT NULL,
	"detail" jsonb NOT NULL,
	"child_ids" uuid[] NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_private_children_idx" ON "audit_private" USING gin ("child_ids");