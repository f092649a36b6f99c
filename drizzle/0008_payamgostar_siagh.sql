CREATE TABLE "payamgostar_siagh_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payamgostar_siagh_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" uuid,
	"transaction_id" text,
	"entity_type" text NOT NULL,
	"crm_id" text,
	"siagh_id" text,
	"direction" text NOT NULL,
	"action" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "payamgostar_siagh_mappings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entity_type" text NOT NULL,
	"crm_id" text,
	"crm_kind" text,
	"siagh_id" text,
	"state" text NOT NULL,
	"reason" text,
	"last_error" jsonb,
	"suid" text,
	"crm_state" jsonb,
	"crm_checksum" text,
	"siagh_state" jsonb,
	"siagh_checksum" text,
	"last_sync_transaction_id" text,
	"last_sync_source" text,
	"last_synced_at" timestamp with time zone,
	"pending_transaction_id" text,
	"pending_target" text,
	"pending_checksum" text,
	"pending_since" timestamp with time zone,
	"crm_written_at" timestamp with time zone,
	"crm_written_fields" jsonb,
	"siagh_written_at" timestamp with time zone,
	"siagh_written_fields" jsonb,
	"checked_at" timestamp with time zone,
	"drift_checksum" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payamgostar_siagh_queued_notifications" (
	"record_key" text PRIMARY KEY NOT NULL,
	"run_id" uuid,
	"notifications" integer DEFAULT 1 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "payamgostar_siagh_log_crm_idx" ON "payamgostar_siagh_log" USING btree ("crm_id","id");--> statement-breakpoint
CREATE INDEX "payamgostar_siagh_log_siagh_idx" ON "payamgostar_siagh_log" USING btree ("siagh_id","id");--> statement-breakpoint
CREATE INDEX "payamgostar_siagh_log_run_idx" ON "payamgostar_siagh_log" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payamgostar_siagh_mappings_crm_uq" ON "payamgostar_siagh_mappings" USING btree ("entity_type","crm_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payamgostar_siagh_mappings_siagh_uq" ON "payamgostar_siagh_mappings" USING btree ("entity_type","siagh_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payamgostar_siagh_mappings_suid_uq" ON "payamgostar_siagh_mappings" USING btree ("suid");--> statement-breakpoint
CREATE INDEX "payamgostar_siagh_mappings_state_idx" ON "payamgostar_siagh_mappings" USING btree ("entity_type","state");--> statement-breakpoint
CREATE INDEX "payamgostar_siagh_mappings_checked_idx" ON "payamgostar_siagh_mappings" USING btree ("entity_type","checked_at");