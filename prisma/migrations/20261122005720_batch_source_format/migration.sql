-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ingest_batches" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "file_name" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "source_format" TEXT NOT NULL DEFAULT 'csv',
    "focus_version" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "rows_read" INTEGER NOT NULL,
    "rows_loaded" INTEGER NOT NULL,
    "rows_skipped" INTEGER NOT NULL,
    "rows_replaced" INTEGER NOT NULL,
    "billing_period_start" DATETIME,
    "billing_period_end" DATETIME,
    "started_at" DATETIME NOT NULL,
    "completed_at" DATETIME NOT NULL
);
INSERT INTO "new_ingest_batches" ("billing_period_end", "billing_period_start", "checksum", "completed_at", "dataset", "file_name", "focus_version", "id", "rows_loaded", "rows_read", "rows_replaced", "rows_skipped", "started_at", "status") SELECT "billing_period_end", "billing_period_start", "checksum", "completed_at", "dataset", "file_name", "focus_version", "id", "rows_loaded", "rows_read", "rows_replaced", "rows_skipped", "started_at", "status" FROM "ingest_batches";
DROP TABLE "ingest_batches";
ALTER TABLE "new_ingest_batches" RENAME TO "ingest_batches";
CREATE INDEX "ingest_batches_checksum_idx" ON "ingest_batches"("checksum");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
