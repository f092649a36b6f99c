CREATE TABLE "portal_item_counts" (
	"source" text NOT NULL,
	"code" text NOT NULL,
	"item_id" uuid NOT NULL,
	"on_hand" numeric(18, 4) NOT NULL,
	"on_order" numeric(18, 4),
	"counted_at" timestamp with time zone NOT NULL,
	"missing_since" timestamp with time zone,
	CONSTRAINT "portal_item_counts_source_code_pk" PRIMARY KEY("source","code")
);
--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "type" text;--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "category" text;--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "cost" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "price" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "items" ADD COLUMN "described_by" text;--> statement-breakpoint
ALTER TABLE "portal_item_counts" ADD CONSTRAINT "portal_item_counts_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portal_item_counts_item_idx" ON "portal_item_counts" USING btree ("item_id");