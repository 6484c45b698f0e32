ALTER TABLE "audit_anchors" ADD COLUMN "signature" text;--> statement-breakpoint
ALTER TABLE "audit_anchors" ADD COLUMN "key_id" text;--> statement-breakpoint
ALTER TABLE "audit_anchors" ADD COLUMN "legacy_through" bigint;