-- AlterTable
ALTER TABLE "cost_daily_rollups" ADD COLUMN "billing_period_end" DATETIME;

-- CreateTable
CREATE TABLE "cost_daily_account_rollups" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "batch_id" INTEGER NOT NULL,
    "charge_day" DATETIME NOT NULL,
    "row_count" INTEGER NOT NULL,
    "billing_currency" TEXT,
    "billing_account_id" TEXT,
    "billing_period_start" DATETIME,
    "billing_period_end" DATETIME,
    "sub_account_id" TEXT,
    "charge_category" TEXT,
    "billed_cost_high" BIGINT,
    "billed_cost_low" BIGINT,
    "billed_cost_rest" TEXT,
    "billed_cost_count" INTEGER NOT NULL,
    "effective_cost_high" BIGINT,
    "effective_cost_low" BIGINT,
    "effective_cost_rest" TEXT,
    "effective_cost_count" INTEGER NOT NULL,
    "list_cost_high" BIGINT,
    "list_cost_low" BIGINT,
    "list_cost_rest" TEXT,
    "list_cost_count" INTEGER NOT NULL,
    "contracted_cost_high" BIGINT,
    "contracted_cost_low" BIGINT,
    "contracted_cost_rest" TEXT,
    "contracted_cost_count" INTEGER NOT NULL,
    "consumed_quantity_high" BIGINT,
    "consumed_quantity_low" BIGINT,
    "consumed_quantity_rest" TEXT,
    "consumed_quantity_count" INTEGER NOT NULL,
    "pricing_quantity_high" BIGINT,
    "pricing_quantity_low" BIGINT,
    "pricing_quantity_rest" TEXT,
    "pricing_quantity_count" INTEGER NOT NULL,
    CONSTRAINT "cost_daily_account_rollups_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "ingest_batches" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "cost_daily_service_rollups" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "batch_id" INTEGER NOT NULL,
    "charge_day" DATETIME NOT NULL,
    "row_count" INTEGER NOT NULL,
    "billing_currency" TEXT,
    "billing_period_start" DATETIME,
    "billing_period_end" DATETIME,
    "service_provider_name" TEXT,
    "service_category" TEXT,
    "service_subcategory" TEXT,
    "service_name" TEXT,
    "charge_category" TEXT,
    "billed_cost_high" BIGINT,
    "billed_cost_low" BIGINT,
    "billed_cost_rest" TEXT,
    "billed_cost_count" INTEGER NOT NULL,
    "effective_cost_high" BIGINT,
    "effective_cost_low" BIGINT,
    "effective_cost_rest" TEXT,
    "effective_cost_count" INTEGER NOT NULL,
    "list_cost_high" BIGINT,
    "list_cost_low" BIGINT,
    "list_cost_rest" TEXT,
    "list_cost_count" INTEGER NOT NULL,
    "contracted_cost_high" BIGINT,
    "contracted_cost_low" BIGINT,
    "contracted_cost_rest" TEXT,
    "contracted_cost_count" INTEGER NOT NULL,
    "consumed_quantity_high" BIGINT,
    "consumed_quantity_low" BIGINT,
    "consumed_quantity_rest" TEXT,
    "consumed_quantity_count" INTEGER NOT NULL,
    "pricing_quantity_high" BIGINT,
    "pricing_quantity_low" BIGINT,
    "pricing_quantity_rest" TEXT,
    "pricing_quantity_count" INTEGER NOT NULL,
    CONSTRAINT "cost_daily_service_rollups_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "ingest_batches" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "cost_daily_account_rollups_batch_id_idx" ON "cost_daily_account_rollups"("batch_id");

-- CreateIndex
CREATE INDEX "cost_daily_service_rollups_batch_id_idx" ON "cost_daily_service_rollups"("batch_id");
