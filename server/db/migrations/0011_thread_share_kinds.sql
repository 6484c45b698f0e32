ALTER TYPE "public"."share_kind" ADD VALUE 'thread_started';--> statement-breakpoint
ALTER TYPE "public"."share_kind" ADD VALUE 'participant_added';