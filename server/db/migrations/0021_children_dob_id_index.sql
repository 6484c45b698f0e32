DROP INDEX "children_dob_idx";--> statement-breakpoint
CREATE INDEX "children_dob_id_idx" ON "children" USING btree ("date_of_birth","id");