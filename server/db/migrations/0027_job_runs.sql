CREATE TABLE "job_runs" (
	"name" text PRIMARY KEY NOT NULL,
	"every_ms" integer NOT NULL,
	"declared_at" timestamp with time zone NOT NULL,
	"last_finished_at" timestamp with time zone,
	"redeclared" integer DEFAULT 0 NOT NULL
);
