ALTER TABLE "customer_sync_states" ADD COLUMN "create_claim_name" text;--> statement-breakpoint
ALTER TABLE "customer_sync_states" ADD COLUMN "create_claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customer_sync_states" ADD COLUMN "create_claim_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "customer_sync_states_create_claim_idx" ON "customer_sync_states" USING btree ("create_claim_name");