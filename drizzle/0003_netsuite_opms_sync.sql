CREATE TABLE "netsuite_opms_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_opms_item_states" (
	"item_id" text PRIMARY KEY NOT NULL,
	"item_code" text NOT NULL,
	"source_modified_at" timestamp with time zone,
	"outcome" text NOT NULL,
	"run_id" uuid,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_opms_price_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"item_id" text NOT NULL,
	"item_code" text NOT NULL,
	"field" text NOT NULL,
	"target" text NOT NULL,
	"old_value" numeric,
	"new_value" numeric NOT NULL,
	"run_id" uuid,
	"trigger" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_opms_quarantine" (
	"item_id" text PRIMARY KEY NOT NULL,
	"item_code" text,
	"reason" text NOT NULL,
	"values" jsonb NOT NULL,
	"run_id" uuid,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_opms_webhook_receipts" (
	"dedup_key" text PRIMARY KEY NOT NULL,
	"item_id" text NOT NULL,
	"run_id" uuid,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "netsuite_opms_price_changes_item_idx" ON "netsuite_opms_price_changes" USING btree ("item_id","id");--> statement-breakpoint
CREATE INDEX "netsuite_opms_price_changes_run_idx" ON "netsuite_opms_price_changes" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "netsuite_opms_webhook_receipts_received_idx" ON "netsuite_opms_webhook_receipts" USING btree ("received_at");