-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_billing_accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "type" TEXT,
    "provider" TEXT,
    "setup_status" TEXT NOT NULL DEFAULT 'NOT_CONFIGURED',
    "data_source" TEXT,
    "setup_updated_at" DATETIME,
    "first_seen_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cloud_provider" TEXT,
    "cost_intelligence_status" TEXT NOT NULL DEFAULT 'NOT_CONFIGURED',
    "cost_intelligence_updated_at" DATETIME
);
INSERT INTO "new_billing_accounts" ("data_source", "first_seen_at", "id", "name", "provider", "setup_status", "setup_updated_at", "type") SELECT "data_source", "first_seen_at", "id", "name", "provider", "setup_status", "setup_updated_at", "type" FROM "billing_accounts";
DROP TABLE "billing_accounts";
ALTER TABLE "new_billing_accounts" RENAME TO "billing_accounts";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
