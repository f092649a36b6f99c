CREATE TABLE "netsuite_customers" (
	"id" text PRIMARY KEY NOT NULL,
	"entity_id" text NOT NULL,
	"company_name" text,
	"email" text,
	"currency" text,
	"subsidiary" text,
	"inactive" boolean NOT NULL,
	"extra" jsonb,
	"source_modified_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"checksum" text NOT NULL,
	"run_id" uuid,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_records_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "netsuite_records_quarantine" (
	"record_type" text NOT NULL,
	"record_id" text NOT NULL,
	"reason" text NOT NULL,
	"values" jsonb NOT NULL,
	"run_id" uuid,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "netsuite_records_quarantine_record_type_record_id_pk" PRIMARY KEY("record_type","record_id")
);
--> statement-breakpoint
CREATE TABLE "netsuite_transaction_lines" (
	"transaction_id" text NOT NULL,
	"line_id" integer NOT NULL,
	"item" text,
	"memo" text,
	"amount" numeric,
	"net_amount" numeric,
	"revenue_category" text,
	"period_start" date,
	"period_end" date,
	"classification" text NOT NULL,
	"excluded_reason" text,
	CONSTRAINT "netsuite_transaction_lines_transaction_id_line_id_pk" PRIMARY KEY("transaction_id","line_id")
);
--> statement-breakpoint
CREATE TABLE "netsuite_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"number" text NOT NULL,
	"customer_id" text NOT NULL,
	"tran_date" date NOT NULL,
	"status" text NOT NULL,
	"status_code" text NOT NULL,
	"currency" text NOT NULL,
	"total" numeric NOT NULL,
	"applies_to_id" text,
	"extra" jsonb,
	"source_modified_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"checksum" text NOT NULL,
	"run_id" uuid,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "netsuite_customers_entity_idx" ON "netsuite_customers" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "netsuite_transactions_type_date_idx" ON "netsuite_transactions" USING btree ("type","tran_date","id");--> statement-breakpoint
CREATE INDEX "netsuite_transactions_customer_idx" ON "netsuite_transactions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "netsuite_transactions_applies_to_idx" ON "netsuite_transactions" USING btree ("applies_to_id");