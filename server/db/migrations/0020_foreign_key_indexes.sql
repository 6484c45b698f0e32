CREATE INDEX "admin_alerts_child_idx" ON "admin_alerts" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "involvements_child_idx" ON "involvements" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "shield_overrides_child_idx" ON "shield_overrides" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "messages_child_idx" ON "messages" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "obligations_child_idx" ON "obligations" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "obligations_verbal_share_idx" ON "obligations" USING btree ("verbal_share_id");--> statement-breakpoint
CREATE INDEX "subject_access_requests_child_idx" ON "subject_access_requests" USING btree ("child_id");