CREATE TABLE "customer_conflicts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"erpnext_name" text,
	"field" text NOT NULL,
	"base_value" jsonb,
	"local_value" jsonb,
	"remote_value" jsonb,
	"kept" text NOT NULL,
	"policy" text NOT NULL,
	"local_changed_at" timestamp with time zone,
	"remote_changed_at" timestamp with time zone,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"last_error" text,
	"last_request" jsonb,
	"last_response" jsonb
);
--> statement-breakpoint
CREATE TABLE "customer_sync_states" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"erpnext_name" text,
	"address_name" text,
	"contact_name" text,
	"synced_fields" jsonb,
	"synced_checksum" text,
	"remote_modified" text,
	"remote_deleted" boolean DEFAULT false NOT NULL,
	"synced_at" timestamp with time zone,
	CONSTRAINT "customer_sync_states_erpnext_name_unique" UNIQUE("erpnext_name")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"company_name" text,
	"contact_person" text,
	"email" text,
	"phone" text,
	"address" text,
	"city" text,
	"state" text,
	"postal_code" text,
	"country" text,
	"website" text,
	"tax_number" text,
	"vat_number" text,
	"credit_limit" numeric(18, 2),
	"customer_group" text NOT NULL,
	"customer_type" text NOT NULL,
	"territory" text NOT NULL,
	"language" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "erpnext_pull_cursors" (
	"stream" text PRIMARY KEY NOT NULL,
	"modified" text NOT NULL,
	"names_at_modified" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_conflicts" ADD CONSTRAINT "customer_conflicts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_outbox" ADD CONSTRAINT "customer_outbox_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_sync_states" ADD CONSTRAINT "customer_sync_states_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_conflicts_detected_idx" ON "customer_conflicts" USING btree ("detected_at","id");--> statement-breakpoint
CREATE INDEX "customer_outbox_due_idx" ON "customer_outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "customer_outbox_customer_idx" ON "customer_outbox" USING btree ("customer_id","id");--> statement-breakpoint
CREATE INDEX "customers_name_idx" ON "customers" USING btree ("name","id");