-- CreateTable
CREATE TABLE "cost_records" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "batch_id" INTEGER NOT NULL,
    "extra_columns" JSONB,
    "allocated_method_details" JSONB,
    "allocated_method_id" TEXT,
    "allocated_resource_id" TEXT,
    "allocated_resource_name" TEXT,
    "allocated_tags" JSONB,
    "availability_zone" TEXT,
    "billed_cost" DECIMAL NOT NULL,
    "billing_account_id" TEXT,
    "billing_account_name" TEXT,
    "billing_account_type" TEXT,
    "billing_currency" TEXT,
    "billing_period_end" DATETIME NOT NULL,
    "billing_period_start" DATETIME NOT NULL,
    "capacity_reservation_id" TEXT,
    "capacity_reservation_status" TEXT,
    "charge_category" TEXT,
    "charge_class" TEXT,
    "charge_description" TEXT,
    "charge_frequency" TEXT,
    "charge_period_end" DATETIME NOT NULL,
    "charge_period_start" DATETIME NOT NULL,
    "commitment_discount_category" TEXT,
    "commitment_discount_id" TEXT,
    "commitment_discount_name" TEXT,
    "commitment_discount_quantity" DECIMAL,
    "commitment_discount_status" TEXT,
    "commitment_discount_type" TEXT,
    "commitment_discount_unit" TEXT,
    "consumed_quantity" DECIMAL,
    "consumed_unit" TEXT,
    "contract_applied" JSONB,
    "contracted_cost" DECIMAL,
    "contracted_unit_price" DECIMAL,
    "effective_cost" DECIMAL NOT NULL,
    "host_provider_name" TEXT,
    "invoice_id" TEXT,
    "invoice_issuer_name" TEXT,
    "list_cost" DECIMAL,
    "list_unit_price" DECIMAL,
    "pricing_category" TEXT,
    "pricing_currency" TEXT,
    "pricing_currency_contracted_unit_price" DECIMAL,
    "pricing_currency_effective_cost" DECIMAL,
    "pricing_currency_list_unit_price" DECIMAL,
    "pricing_quantity" DECIMAL,
    "pricing_unit" TEXT,
    "provider_name" TEXT,
    "publisher_name" TEXT,
    "region_id" TEXT,
    "region_name" TEXT,
    "resource_id" TEXT,
    "resource_name" TEXT,
    "resource_type" TEXT,
    "service_category" TEXT,
    "service_name" TEXT,
    "service_provider_name" TEXT,
    "service_subcategory" TEXT,
    "sku_id" TEXT,
    "sku_meter" TEXT,
    "sku_price_details" JSONB,
    "sku_price_id" TEXT,
    "sub_account_id" TEXT,
    "sub_account_name" TEXT,
    "sub_account_type" TEXT,
    "tags" JSONB,
    CONSTRAINT "cost_records_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "ingest_batches" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "contract_applications" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "cost_record_id" INTEGER NOT NULL,
    "contract_id" TEXT,
    "contract_commitment_id" TEXT NOT NULL,
    "applied_cost" DECIMAL,
    "applied_quantity" DECIMAL,
    "applied_unit" TEXT,
    CONSTRAINT "contract_applications_cost_record_id_fkey" FOREIGN KEY ("cost_record_id") REFERENCES "cost_records" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "commitments" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "batch_id" INTEGER NOT NULL,
    "billing_account_id" TEXT,
    "extra_columns" JSONB,
    "billing_currency" TEXT,
    "contract_commitment_category" TEXT,
    "contract_commitment_cost" DECIMAL,
    "contract_commitment_description" TEXT,
    "contract_commitment_id" TEXT NOT NULL,
    "contract_commitment_period_end" DATETIME NOT NULL,
    "contract_commitment_period_start" DATETIME NOT NULL,
    "contract_commitment_quantity" DECIMAL,
    "contract_commitment_type" TEXT,
    "contract_commitment_unit" TEXT,
    "contract_id" TEXT,
    "contract_period_end" DATETIME,
    "contract_period_start" DATETIME,
    CONSTRAINT "commitments_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "ingest_batches" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "billing_accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "type" TEXT,
    "provider" TEXT,
    "setup_status" TEXT NOT NULL DEFAULT 'NOT_CONFIGURED',
    "data_source" TEXT,
    "setup_updated_at" DATETIME,
    "first_seen_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "sub_accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "type" TEXT,
    "billing_account_id" TEXT,
    CONSTRAINT "sub_accounts_billing_account_id_fkey" FOREIGN KEY ("billing_account_id") REFERENCES "billing_accounts" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "families" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "family_members" (
    "account_id" TEXT NOT NULL PRIMARY KEY,
    "family_id" TEXT NOT NULL,
    "added_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "family_members_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "families" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ingest_batches" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "file_name" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
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

-- CreateTable
CREATE TABLE "conformance_findings" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "batch_id" INTEGER NOT NULL,
    "rule_id" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "examples" JSONB NOT NULL,
    CONSTRAINT "conformance_findings_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "ingest_batches" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "cost_records_batch_id_idx" ON "cost_records"("batch_id");

-- CreateIndex
CREATE INDEX "cost_records_charge_period_start_idx" ON "cost_records"("charge_period_start");

-- CreateIndex
CREATE INDEX "cost_records_billing_account_id_billing_period_start_idx" ON "cost_records"("billing_account_id", "billing_period_start");

-- CreateIndex
CREATE INDEX "cost_records_sub_account_id_idx" ON "cost_records"("sub_account_id");

-- CreateIndex
CREATE INDEX "cost_records_service_name_idx" ON "cost_records"("service_name");

-- CreateIndex
CREATE INDEX "cost_records_region_id_idx" ON "cost_records"("region_id");

-- CreateIndex
CREATE INDEX "cost_records_commitment_discount_id_idx" ON "cost_records"("commitment_discount_id");

-- CreateIndex
CREATE INDEX "contract_applications_cost_record_id_idx" ON "contract_applications"("cost_record_id");

-- CreateIndex
CREATE INDEX "contract_applications_contract_commitment_id_idx" ON "contract_applications"("contract_commitment_id");

-- CreateIndex
CREATE INDEX "commitments_billing_account_id_idx" ON "commitments"("billing_account_id");

-- CreateIndex
CREATE INDEX "commitments_contract_id_idx" ON "commitments"("contract_id");

-- CreateIndex
CREATE UNIQUE INDEX "commitments_contract_commitment_id_key" ON "commitments"("contract_commitment_id");

-- CreateIndex
CREATE INDEX "sub_accounts_billing_account_id_idx" ON "sub_accounts"("billing_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "families_name_key" ON "families"("name");

-- CreateIndex
CREATE INDEX "family_members_family_id_idx" ON "family_members"("family_id");

-- CreateIndex
CREATE INDEX "ingest_batches_checksum_idx" ON "ingest_batches"("checksum");

-- CreateIndex
CREATE INDEX "conformance_findings_batch_id_idx" ON "conformance_findings"("batch_id");
