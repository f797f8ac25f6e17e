-- CreateTable
CREATE TABLE "export_jobs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "owner_key_id" TEXT,
    "format" TEXT NOT NULL,
    "billing_period_start" DATETIME NOT NULL,
    "billing_period_end" DATETIME NOT NULL,
    "filter" JSONB,
    "include_contract_commitments" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" DATETIME,
    "completed_at" DATETIME,
    "record_count" INTEGER,
    "rows_written" INTEGER NOT NULL DEFAULT 0,
    "progress" REAL NOT NULL DEFAULT 0,
    "byte_size" BIGINT,
    "sha256" TEXT,
    "error" TEXT,
    "file_path" TEXT,
    "expires_at" DATETIME,
    "expired_at" DATETIME
);

-- CreateIndex
CREATE INDEX "export_jobs_owner_key_id_created_at_idx" ON "export_jobs"("owner_key_id", "created_at");

-- CreateIndex
CREATE INDEX "export_jobs_created_at_idx" ON "export_jobs"("created_at");

-- CreateIndex
CREATE INDEX "export_jobs_status_idx" ON "export_jobs"("status");
