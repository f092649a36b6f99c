CREATE TABLE "job_leases" (
	"job" text PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
