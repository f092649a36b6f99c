CREATE TABLE "items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"unit" text DEFAULT 'each' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"reorder_point" numeric(18, 4),
	"unmapped" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "items_sku_unique" UNIQUE("sku"),
	CONSTRAINT "items_sku_upper" CHECK ("items"."sku" = upper("items"."sku") AND "items"."sku" <> '')
);
--> statement-breakpoint
CREATE TABLE "sku_aliases" (
	"source" text NOT NULL,
	"code" text NOT NULL,
	"item_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sku_aliases_source_code_pk" PRIMARY KEY("source","code")
);
--> statement-breakpoint
CREATE TABLE "purchase_order_lines" (
	"purchase_order_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"sku" text NOT NULL,
	"item_id" uuid NOT NULL,
	"name" text NOT NULL,
	"qty" numeric(18, 4) NOT NULL,
	"unit_price" numeric(18, 4),
	"line_total" numeric(18, 4),
	CONSTRAINT "purchase_order_lines_purchase_order_id_line_no_pk" PRIMARY KEY("purchase_order_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "purchase_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"order_number" text NOT NULL,
	"po_number" text,
	"vendor" text,
	"status" text NOT NULL,
	"order_date" date,
	"subtotal" numeric(18, 4),
	"tax" numeric(18, 4),
	"shipping" numeric(18, 4),
	"total" numeric(18, 4),
	"detail_url" text,
	"raw" jsonb,
	"list_checksum" text NOT NULL,
	"header_checksum" text NOT NULL,
	"lines_checksum" text,
	"line_count" integer DEFAULT 0 NOT NULL,
	"posting_revision" integer DEFAULT 1 NOT NULL,
	"posted_revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "purchase_orders_source_number_key" UNIQUE("source","order_number")
);
--> statement-breakpoint
CREATE TABLE "sales_invoice_lines" (
	"sales_invoice_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"item_name" text NOT NULL,
	"item_id" uuid NOT NULL,
	"description" text,
	"qty" numeric(18, 4) NOT NULL,
	"rate" numeric(18, 4),
	"amount" numeric(18, 4),
	"class" text,
	"warehouse" text,
	"tax_code" text,
	"location" text,
	CONSTRAINT "sales_invoice_lines_sales_invoice_id_line_no_pk" PRIMARY KEY("sales_invoice_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "sales_invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"invoice_number" text NOT NULL,
	"list_type" text NOT NULL,
	"status" text NOT NULL,
	"is_complete" boolean NOT NULL,
	"is_posted" boolean NOT NULL,
	"customer" text,
	"invoice_date" date,
	"date_completed" text,
	"last_modified" text,
	"subtotal" numeric(18, 4),
	"tax" numeric(18, 4),
	"total" numeric(18, 4),
	"detail_url" text,
	"raw" jsonb,
	"list_checksum" text NOT NULL,
	"header_checksum" text NOT NULL,
	"lines_checksum" text,
	"line_count" integer DEFAULT 0 NOT NULL,
	"missing_since" timestamp with time zone,
	"quarantine_reason" text,
	"posting_revision" integer DEFAULT 1 NOT NULL,
	"posted_revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sales_invoices_source_number_key" UNIQUE("source","invoice_number")
);
--> statement-breakpoint
CREATE TABLE "stock_balances" (
	"item_id" uuid PRIMARY KEY NOT NULL,
	"on_hand" numeric(18, 4) DEFAULT '0' NOT NULL,
	"last_restock_on" date,
	"last_restock_qty" numeric(18, 4),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stock_movements" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"item_id" uuid NOT NULL,
	"qty" numeric(18, 4) NOT NULL,
	"type" text NOT NULL,
	"document_type" text NOT NULL,
	"document_id" uuid,
	"document_number" text,
	"line_no" integer,
	"seq" integer,
	"reason" text NOT NULL,
	"run_id" uuid,
	"occurred_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sku_aliases" ADD CONSTRAINT "sku_aliases_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_purchase_order_id_purchase_orders_id_fk" FOREIGN KEY ("purchase_order_id") REFERENCES "public"."purchase_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_invoice_lines" ADD CONSTRAINT "sales_invoice_lines_sales_invoice_id_sales_invoices_id_fk" FOREIGN KEY ("sales_invoice_id") REFERENCES "public"."sales_invoices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_invoice_lines" ADD CONSTRAINT "sales_invoice_lines_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_balances" ADD CONSTRAINT "stock_balances_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "items_unmapped_idx" ON "items" USING btree ("sku") WHERE "items"."unmapped";--> statement-breakpoint
CREATE INDEX "sku_aliases_item_idx" ON "sku_aliases" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "purchase_order_lines_item_idx" ON "purchase_order_lines" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "purchase_orders_unposted_idx" ON "purchase_orders" USING btree ("id") WHERE "purchase_orders"."posting_revision" <> "purchase_orders"."posted_revision";--> statement-breakpoint
CREATE INDEX "purchase_orders_date_idx" ON "purchase_orders" USING btree ("order_date");--> statement-breakpoint
CREATE INDEX "sales_invoice_lines_item_idx" ON "sales_invoice_lines" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "sales_invoices_unposted_idx" ON "sales_invoices" USING btree ("id") WHERE "sales_invoices"."posting_revision" <> "sales_invoices"."posted_revision";--> statement-breakpoint
CREATE INDEX "sales_invoices_date_idx" ON "sales_invoices" USING btree ("invoice_date");--> statement-breakpoint
CREATE UNIQUE INDEX "stock_movements_posting_key" ON "stock_movements" USING btree ("document_type","document_id","line_no","item_id","seq");--> statement-breakpoint
CREATE INDEX "stock_movements_item_idx" ON "stock_movements" USING btree ("item_id","id");--> statement-breakpoint
CREATE INDEX "stock_movements_occurred_idx" ON "stock_movements" USING btree ("occurred_on");