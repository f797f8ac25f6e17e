/**
 * Builds the demo estate from the catalog and a seed: billing and sub accounts, resources with their SKUs, prices,
 * tags and prefilled row templates, commitment discounts, capacity reservations, Kubernetes clusters, contracts and
 * families. Everything per-row work needs is precomputed here so that generating a row is only picking and formatting.
 */
import { CONTRACT_COMMITMENT_COLUMNS } from '../focus/columns.ts';
import { DemoCalendar } from './calendar.ts';
import {
  BILLING_ACCOUNTS,
  CAPACITY_RESERVATIONS,
  COMMITMENT_DISCOUNTS,
  CONTRACTS,
  FAMILIES,
  PROFILES,
  PROVIDERS,
  SERVICES,
  TEAMS,
  WORKLOADS,
  type BillingAccountSpec,
  type CommitmentDiscountSpec,
  type ContractSpec,
  type ProviderKey,
  type ProviderSpec,
  type RegionSpec,
  type ServiceSpec,
  type SkuVariant,
  type SubAccountSpec,
  type Team,
} from './catalog.ts';
import { COMMITMENT, COST, blankCostRow, setCells } from './cells.ts';
import { formatScaled, pow10, toScaled } from './decimal.ts';
import { Random, streamSeed } from './random.ts';

/** Prices of the EUR billing account are USD list prices converted at this rate. */
const EUR_PER_USD = 0.92;
/** Spot prices as a share of the on-demand list price. */
const SPOT_PRICE_SHARE = 0.32;
const HOURS_PER_YEAR = 8760;

export interface BillingAccount {
  index: number;
  spec: BillingAccountSpec;
  provider: ProviderSpec;
  id: string;
  /** InvoiceId per billing month for the account's own charges. */
  invoiceIds: string[];
  /** Scopes (sub account x service) the account's taxes and adjustments are charged on. */
  chargeScopes: ChargeScope[];
}

export interface SubAccount {
  spec: SubAccountSpec;
  account: BillingAccount;
  id: string;
  region: RegionSpec;
}

export interface UsageLine {
  index: number;
  provider: ProviderSpec;
  account: BillingAccount;
  sub: SubAccount;
  service: ServiceSpec;
  variant: SkuVariant;
  region: RegionSpec | null;
  /** A usage row with every cell that does not vary per row filled in. */
  template: string[];
  /** Integers at priceScale. */
  listPrice: number;
  contractedPrice: number;
  priceScale: number;
  quantityScale: number;
  /** priceScale + quantityScale: costs are exact integer products at this scale. */
  costScale: number;
  /** Usage per row in integers at quantityScale: quantityMax with probability fullShare, otherwise uniform in between. */
  quantityMin: number;
  quantityMax: number;
  fullShare: number;
  /** Expected cost of one hourly row in the billing currency, to size taxes and credits. */
  hourlyCost: number;
  invoiceIds: string[];
  /** Opening of each ContractApplied element up to the applied cost, and the closing unit part. */
  contractElementHeads: string[];
  contractElementTail: string;
  /** Neither spot, Kubernetes node nor capacity-reserved: a commitment discount may cover it. */
  plain: boolean;
  commitment: CommitmentDiscount | null;
  /** Usage row covered by the commitment discount (CommitmentDiscountStatus Used). */
  committedTemplate: string[] | null;
  correctionTemplate: string[];
  /** Credit row template, for resources that receive credits. */
  creditTemplate: string[] | null;
  cluster: Cluster | null;
}

export interface CommitmentDiscount {
  index: number;
  spec: CommitmentDiscountSpec;
  effectiveRate: number;
  /** Hour from which the commitment covers usage (the purchase hour of one-time purchases). */
  activeFromHour: number;
  unusedTemplate: string[];
  /** Unused rows: price per unit (1 for spend commitments, the covered on-demand rate for usage commitments). */
  unusedListPrice: number;
  unusedContractedPrice: number;
  unusedPriceScale: number;
  /** Unused quantity per hour: integers at unusedQuantityScale. */
  unusedQuantityMax: number;
  unusedQuantityScale: number;
  purchaseTemplate: string[];
  invoiceIds: string[];
}

export interface CapacityReservation {
  index: number;
  count: number;
  unusedTemplate: string[];
  line: UsageLine;
}

export interface ClusterWorkload {
  resourceId: string;
  resourceName: string;
  tags: string;
}

export interface Cluster {
  methodId: string;
  workloads: ClusterWorkload[];
}

/** Where account-level charges (taxes, adjustments) land: one sub account and service of a billing account. */
export interface ChargeScope {
  index: number;
  account: BillingAccount;
  taxTemplate: string[];
  adjustmentTemplate: string[];
  invoiceIds: string[];
  hourlyCost: number;
}

export interface ContractCommitment {
  billingAccountId: string;
  contractId: string;
  commitmentId: string;
  cells: string[];
}

export interface Family {
  name: string;
  description: string;
  accountIds: string[];
}

export interface World {
  calendar: DemoCalendar;
  accounts: BillingAccount[];
  /** All usage lines except Kubernetes nodes, whose cost is always split. */
  standardLines: UsageLine[];
  lineCount: number;
  committedLines: UsageLine[];
  nodeLines: UsageLine[];
  creditLines: UsageLine[];
  commitments: CommitmentDiscount[];
  capacityReservations: CapacityReservation[];
  chargeScopes: ChargeScope[];
  contracts: ContractCommitment[];
  families: Family[];
}

const upperHex = (random: Random, length: number) => random.hex(length).toUpperCase();

function billingAccountId(spec: BillingAccountSpec, random: Random): string {
  switch (spec.idFormat) {
    case 'aws':
      return random.digits(12);
    case 'azureEnrollment':
      return `/providers/Microsoft.Billing/billingAccounts/${random.digits(8)}`;
    case 'azureBillingProfile':
      return `/providers/Microsoft.Billing/billingAccounts/${random.uuid()}:${random.uuid()}_2019-05-31/billingProfiles/${random.upperAlnum(4)}-${random.upperAlnum(4)}-${random.upperAlnum(3)}-${random.upperAlnum(3)}`;
    case 'gcp':
      return `${upperHex(random, 6)}-${upperHex(random, 6)}-${upperHex(random, 6)}`;
    case 'oci':
      return `ocid1.tenancy.oc1..aaaaaaaa${random.lowerAlnum(52)}`;
  }
}

function subAccountId(account: BillingAccountSpec, sub: SubAccountSpec, random: Random): string {
  switch (account.provider) {
    case 'aws':
      return random.digits(12);
    case 'azure':
      return `/subscriptions/${random.uuid()}`;
    case 'gcp':
      return `${sub.name}-${random.digits(4)}`;
    case 'oci':
      return `ocid1.compartment.oc1..aaaaaaaa${random.lowerAlnum(52)}`;
  }
}

/** The id inside resource ids: the bare GUID for Azure subscriptions. */
const resourceAccountId = (sub: SubAccount) => (sub.account.provider.key === 'azure' ? sub.id.slice('/subscriptions/'.length) : sub.id);

function invoiceId(provider: ProviderKey, random: Random): string {
  switch (provider) {
    case 'azure':
      return `G0${random.digits(8)}`;
    case 'oci':
      return random.digits(8);
    default:
      return random.digits(10);
  }
}

function regionById(provider: ProviderSpec, id: string): RegionSpec {
  const region = provider.regions.find((candidate) => candidate.id === id);
  if (!region) throw new Error(`Unknown ${provider.key} region ${id}`);
  return region;
}

const json = (value: unknown) => JSON.stringify(value);
const percent = (rate: number) => `${Number((rate * 100).toFixed(2))}%`;

/** Everything needed to turn the catalog into accounts and resources, with the random streams kept apart. */
class WorldBuilder {
  /** Accounts, contracts and commitment ids: independent of how many resources are generated. */
  private readonly accountRandom: Random;
  private readonly resourceRandom: Random;
  private readonly skuIds = new Map<string, string>();
  private readonly skuPriceIds = new Map<string, string>();
  private readonly nameCounters = new Map<string, number>();
  readonly calendar: DemoCalendar;
  readonly accounts: BillingAccount[] = [];
  readonly subAccounts: SubAccount[] = [];
  readonly lines: UsageLine[] = [];
  readonly commitments: CommitmentDiscount[] = [];
  readonly capacityReservations: CapacityReservation[] = [];
  readonly chargeScopes: ChargeScope[] = [];
  readonly contracts: ContractCommitment[] = [];
  private readonly contractSpecsByCommitmentId = new Map<string, ContractSpec['commitments'][number]>();
  private marketplaceInvoiceIds: string[] = [];

  constructor(seed: number, start: Date) {
    this.accountRandom = new Random(streamSeed(seed, 1));
    this.resourceRandom = new Random(streamSeed(seed, 2));
    this.calendar = new DemoCalendar(start);
  }

  buildAccounts(): void {
    const random = this.accountRandom;
    const monthCount = this.calendar.months.length;
    for (const spec of BILLING_ACCOUNTS) {
      const provider = PROVIDERS[spec.provider];
      const account: BillingAccount = {
        index: this.accounts.length,
        spec,
        provider,
        id: billingAccountId(spec, random),
        invoiceIds: Array.from({ length: monthCount }, () => invoiceId(spec.provider, random)),
        chargeScopes: [],
      };
      this.accounts.push(account);
      for (const subSpec of spec.subAccounts) {
        this.subAccounts.push({ spec: subSpec, account, id: subAccountId(spec, subSpec, random), region: regionById(provider, subSpec.region) });
      }
    }
    this.marketplaceInvoiceIds = Array.from({ length: monthCount }, () => invoiceId('aws', random));
  }

  account(key: string): BillingAccount {
    const account = this.accounts.find((candidate) => candidate.spec.key === key);
    if (!account) throw new Error(`Unknown demo billing account ${key}`);
    return account;
  }

  subAccount(accountKey: string, name: string): SubAccount {
    const found = this.subAccounts.find((candidate) => candidate.account.spec.key === accountKey && candidate.spec.name === name);
    if (!found) throw new Error(`Unknown demo sub account ${accountKey}/${name}`);
    return found;
  }

  buildContracts(): void {
    const random = this.accountRandom;
    for (const contract of CONTRACTS) {
      const account = this.account(contract.billingAccountKey);
      const contractId = this.contractId(contract, random);
      for (const commitment of contract.commitments) {
        const commitmentId = `${contractId}/${commitment.idSuffix}`;
        this.contractSpecsByCommitmentId.set(commitmentId, commitment);
        const cells = new Array<string>(CONTRACT_COMMITMENT_COLUMNS.length).fill('');
        setCells(cells, COMMITMENT, {
          BillingCurrency: account.spec.currency,
          ContractCommitmentCategory: commitment.category,
          ContractCommitmentCost: commitment.cost === undefined ? '' : formatScaled(toScaled(commitment.cost, 2), 2),
          ContractCommitmentDescription: commitment.description,
          ContractCommitmentId: commitmentId,
          ContractCommitmentPeriodStart: this.calendar.monthStart(commitment.periodMonths[0]),
          ContractCommitmentPeriodEnd: this.calendar.monthStart(commitment.periodMonths[1]),
          ContractCommitmentQuantity: commitment.quantity === undefined ? '' : String(commitment.quantity),
          ContractCommitmentType: commitment.type,
          ContractCommitmentUnit: commitment.unit ?? '',
          ContractId: contractId,
          ContractPeriodStart: this.calendar.monthStart(contract.periodMonths[0]),
          ContractPeriodEnd: this.calendar.monthStart(contract.periodMonths[1]),
        });
        this.contracts.push({ billingAccountId: account.id, contractId, commitmentId, cells });
      }
    }
  }

  private contractId(contract: ContractSpec, random: Random): string {
    switch (contract.idFormat) {
      case 'awsPrivatePricing':
        return `aws-edp-${random.digits(10)}`;
      case 'azureMacc':
        return `MACC-${random.uuid()}`;
      case 'gcpCommit':
        return `gcp-commit-${random.hex(12)}`;
      case 'ociUniversalCredits':
        return `OCI-UC-${random.digits(9)}`;
      case 'marketplaceOffer':
        return `agmt-${random.lowerAlnum(25)}`;
    }
  }

  /** Resources of every sub account, `density` times the profile's counts. */
  buildLines(density: number): void {
    for (const sub of this.subAccounts) {
      const provider = sub.account.provider;
      for (const [entry, count] of PROFILES[sub.spec.profile]) {
        const isMarketplace = entry === 'monitoring';
        const lineProvider = isMarketplace ? PROVIDERS.datadog : provider;
        const service = SERVICES[lineProvider.key][entry === 'gpuVm' ? 'vm' : entry];
        if (!service) continue;
        const role = entry === 'gpuVm' ? 'gpu' : undefined;
        const variants = service.variants.filter((variant) => variant.role === role);
        for (let n = 0; n < count * density; n++) {
          const variant = this.resourceRandom.pick(variants);
          const spot =
            service.key === 'vm' &&
            (provider.key === 'aws' || provider.key === 'gcp') &&
            ['ml', 'data', 'sandbox'].includes(sub.spec.profile) &&
            this.resourceRandom.chance(0.3);
          this.addLine(sub, lineProvider, service, variant, { spot });
          // Datadog's second product rides along with each monitoring subscription.
          if (isMarketplace) this.addLine(sub, lineProvider, SERVICES.datadog.logs!, SERVICES.datadog.logs!.variants[0], {});
        }
      }
    }
  }

  buildCapacityReservations(): void {
    for (const spec of CAPACITY_RESERVATIONS) {
      const sub = this.subAccount(spec.billingAccountKey, spec.subAccountName);
      const service = SERVICES.aws.vm!;
      const variant = service.variants.find((candidate) => candidate.label === spec.instanceType);
      if (!variant) throw new Error(`Unknown instance type ${spec.instanceType}`);
      const zone = this.accountRandom.pick(sub.region.zones);
      const id = `arn:aws:ec2:${sub.region.id}:${sub.id}:capacity-reservation/cr-0${this.accountRandom.hex(16)}`;
      const reserved = { id, zone };
      let first: UsageLine | null = null;
      for (let n = 0; n < spec.count; n++) {
        const line = this.addLine(sub, PROVIDERS.aws, service, variant, { capacityReservation: reserved, region: sub.region });
        first ??= line;
      }
      const line = first!;
      const unusedTemplate = setCells(line.template.slice(), COST, {
        ChargeDescription: `Unused capacity reservation ${variant.label} instance hours`,
        ResourceId: id,
        ResourceName: id.slice(id.lastIndexOf('/') + 1),
        ResourceType: 'Capacity Reservation',
        CapacityReservationStatus: 'Unused',
      });
      this.capacityReservations.push({ index: this.capacityReservations.length, count: spec.count, unusedTemplate, line });
    }
  }

  buildClusters(density: number): void {
    for (const sub of this.subAccounts) {
      const clusterName = sub.spec.cluster;
      if (!clusterName) continue;
      const provider = sub.account.provider;
      const control = this.addLine(sub, provider, SERVICES[provider.key].k8sControl!, SERVICES[provider.key].k8sControl!.variants[0], {
        baseName: clusterName,
        team: 'platform',
        region: sub.region,
      });
      const clusterResourceId = control.template[COST.ResourceId];
      const workloads = this.resourceRandom.sample(WORKLOADS, this.resourceRandom.between(6, 9)).map(({ namespace, workload, team }) => ({
        resourceId: this.workloadId(sub, clusterName, clusterResourceId, namespace, workload),
        resourceName: `${namespace}/${workload}`,
        tags: json({ app: workload, 'k8s-namespace': namespace, 'k8s-team': team }),
      }));
      const methodIds: Partial<Record<ProviderKey, string>> = { aws: 'eks-split-cost-allocation', azure: 'aks-cost-allocation', gcp: 'gke-cost-allocation' };
      const cluster: Cluster = { methodId: methodIds[provider.key] ?? 'k8s-cost-allocation', workloads };
      const nodeService = SERVICES[provider.key].vm!;
      const nodeVariant = nodeService.variants.find((variant) => variant.role === 'node')!;
      const nodeTags = json({ team: 'platform', env: sub.spec.env, 'cost-center': TEAMS.platform.costCenter, 'k8s-cluster': clusterName });
      for (let n = 0; n < 6 * density; n++) {
        this.addLine(sub, provider, nodeService, nodeVariant, { cluster, tags: nodeTags, region: sub.region, baseName: `${clusterName}-node-${n + 1}` });
      }
    }
  }

  private workloadId(sub: SubAccount, cluster: string, clusterResourceId: string, namespace: string, workload: string): string {
    switch (sub.account.provider.key) {
      case 'aws':
        return `arn:aws:eks:${sub.region.id}:${sub.id}:pod/${cluster}/${namespace}/${workload}-${this.resourceRandom.hex(10)}-${this.resourceRandom.lowerAlnum(5)}/${this.resourceRandom.uuid()}`;
      case 'gcp':
        return `${clusterResourceId}/k8s/namespaces/${namespace}/apps/deployments/${workload}`;
      default:
        return `${clusterResourceId}/namespaces/${namespace}/deployments/${workload}`;
    }
  }

  private uniqueBaseName(sub: SubAccount, app: string): string {
    const key = `${sub.id}|${app}`;
    const next = (this.nameCounters.get(key) ?? 0) + 1;
    this.nameCounters.set(key, next);
    return `${app}-${String(next).padStart(2, '0')}`;
  }

  /** Resource tags: mostly team/env/cost-center/app, with the untagged share real estates have (more outside prod). */
  private tagsFor(sub: SubAccount, provider: ProviderSpec, app: string, baseName: string): string {
    const random = this.resourceRandom;
    const env = sub.spec.env;
    const untaggedChance = env === 'prod' ? 0.1 : env === 'sandbox' ? 0.55 : 0.3;
    if (random.chance(untaggedChance)) {
      const shape = random.next();
      if (shape < 0.4) return '';
      if (shape < 0.75 || provider.key !== 'aws') return json({ env });
      return json({ Name: baseName });
    }
    const team = sub.spec.team;
    // A few resources carry a mis-cased key, which tag-based chargeback does not recognise as the team tag.
    const teamKey = random.chance(0.03) ? 'Team' : 'team';
    return json({ [teamKey]: team, env, 'cost-center': TEAMS[team].costCenter, app });
  }

  private skuId(provider: ProviderSpec, service: ServiceSpec, variant: SkuVariant, region: RegionSpec | null, spot: boolean): string {
    const key = `${provider.key}|${service.serviceName}|${variant.label}|${provider.key === 'oci' ? '' : (region?.id ?? '')}|${spot}`;
    let id = this.skuIds.get(key);
    if (id === undefined) {
      const random = this.resourceRandom;
      switch (provider.key) {
        case 'aws':
          id = random.upperAlnum(16);
          break;
        case 'azure':
          id = `${random.upperAlnum(12)}/${random.upperAlnum(4)}`;
          break;
        case 'gcp':
          id = `${upperHex(random, 4)}-${upperHex(random, 4)}-${upperHex(random, 4)}`;
          break;
        case 'oci':
          id = `B${random.digits(5)}`;
          break;
        case 'datadog':
          id = `prod-${random.lowerAlnum(13)}`;
          break;
      }
      this.skuIds.set(key, id);
    }
    return id;
  }

  private skuPriceId(provider: ProviderSpec, skuId: string, offer: string, currency: string): string {
    const key = `${skuId}|${offer}|${currency}`;
    let id = this.skuPriceIds.get(key);
    if (id === undefined) {
      const random = this.resourceRandom;
      switch (provider.key) {
        case 'aws':
          id = `${skuId}.${random.upperAlnum(10)}.${random.upperAlnum(10)}`;
          break;
        case 'azure':
          id = `${skuId}/${random.uuid()}`;
          break;
        default:
          id = `${skuId}/${offer}/${currency}`;
      }
      this.skuPriceIds.set(key, id);
    }
    return id;
  }

  private addLine(
    sub: SubAccount,
    provider: ProviderSpec,
    service: ServiceSpec,
    variant: SkuVariant,
    options: {
      spot?: boolean;
      region?: RegionSpec;
      baseName?: string;
      team?: Team;
      tags?: string;
      cluster?: Cluster;
      capacityReservation?: { id: string; zone: string };
    },
  ): UsageLine {
    const random = this.resourceRandom;
    const account = sub.account;
    const currency = account.spec.currency;
    const spot = options.spot ?? false;
    const region = !service.regional
      ? null
      : (options.region ?? (random.chance(0.8) ? sub.region : random.pick(account.provider.regions)));
    const zone = options.capacityReservation?.zone ?? (region && region.zones.length > 0 ? random.pick(region.zones) : '');
    const team = options.team ?? sub.spec.team;
    const app = random.pick(TEAMS[team].apps);
    const baseName = options.baseName ?? this.uniqueBaseName(sub, app);
    const resource = service.resource?.({
      random,
      accountId: resourceAccountId(sub),
      subAccountName: sub.spec.name,
      region: region ?? sub.region,
      zone,
      baseName,
    });

    const priceScale = service.priceScale;
    const fx = currency === 'EUR' ? EUR_PER_USD : 1;
    const listPrice = Math.max(1, toScaled(variant.usdPrice * (region?.priceFactor ?? 1) * fx, priceScale));
    const contractedPrice = spot
      ? Math.max(1, Math.floor(listPrice * SPOT_PRICE_SHARE))
      : Math.max(1, Math.floor(listPrice * (1 - account.spec.negotiatedDiscount)));
    const { quantityScale, quantityMin, quantityMax, fullShare } = this.quantityRange(service);
    const costScale = priceScale + quantityScale;
    const meanQuantity = fullShare * quantityMax + (1 - fullShare) * ((quantityMin + quantityMax) / 2);
    const hourlyCost = (contractedPrice * meanQuantity) / pow10(costScale);

    const skuId = this.skuId(provider, service, variant, region, spot);
    const offer = spot ? 'spot' : 'on-demand';
    const description = (spot ? `Spot ${service.description}` : service.description)
      .replace('{label}', variant.label)
      .replace('{region}', region?.id ?? 'global');
    const listText = formatScaled(listPrice, priceScale);
    const contractedText = formatScaled(contractedPrice, priceScale);
    const template = setCells(blankCostRow(), COST, {
      ProviderName: provider.name,
      PublisherName: provider.name,
      ServiceProviderName: provider.name,
      HostProviderName: provider.hostName,
      InvoiceIssuerName: provider.invoiceIssuer,
      BillingAccountId: account.id,
      BillingAccountName: account.spec.name,
      BillingAccountType: account.spec.type,
      BillingCurrency: currency,
      SubAccountId: sub.id,
      SubAccountName: sub.spec.name,
      SubAccountType: account.spec.subAccountType,
      ChargeCategory: 'Usage',
      ChargeFrequency: 'Usage-Based',
      ChargeDescription: description,
      ServiceName: service.serviceName,
      ServiceCategory: service.category,
      ServiceSubcategory: service.subcategory,
      SkuId: skuId,
      SkuMeter: variant.meter,
      SkuPriceId: this.skuPriceId(provider, skuId, offer, currency),
      SkuPriceDetails: variant.details ? json(variant.details) : '',
      ResourceId: resource?.id ?? '',
      ResourceName: resource?.name ?? '',
      ResourceType: resource ? (service.resourceType ?? '') : '',
      RegionId: region?.id ?? '',
      RegionName: region?.name ?? '',
      AvailabilityZone: zone,
      PricingCategory: spot ? 'Dynamic' : 'Standard',
      PricingUnit: service.pricingUnit,
      ConsumedUnit: service.pricingUnit,
      PricingCurrency: currency,
      ListUnitPrice: listText,
      ContractedUnitPrice: contractedText,
      PricingCurrencyListUnitPrice: listText,
      PricingCurrencyContractedUnitPrice: contractedText,
      CapacityReservationId: options.capacityReservation?.id ?? '',
      CapacityReservationStatus: options.capacityReservation ? 'Used' : '',
      Tags: resource ? (options.tags ?? this.tagsFor(sub, provider, app, baseName)) : '',
    });

    const marketplace = provider.key === 'datadog';
    const contractHeads = this.contracts
      .filter((contract) => {
        const applies = this.contractSpecsByCommitmentId.get(contract.commitmentId)!.appliesTo;
        return applies.provider === provider.key && applies.billingAccountKey === account.spec.key && (!applies.services || applies.services.includes(service.key));
      })
      .map((contract) => `{"ContractId":${json(contract.contractId)},"ContractCommitmentId":${json(contract.commitmentId)},"ContractCommitmentAppliedCost":`);

    const creditDescription = this.creditDescription(account, provider, service, spot, options);
    const line: UsageLine = {
      index: this.lines.length,
      provider,
      account,
      sub,
      service,
      variant,
      region,
      template,
      listPrice,
      contractedPrice,
      priceScale,
      quantityScale,
      costScale,
      quantityMin,
      quantityMax,
      fullShare,
      hourlyCost,
      invoiceIds: marketplace ? this.marketplaceInvoiceIds : account.invoiceIds,
      contractElementHeads: contractHeads,
      contractElementTail: `,"ContractCommitmentAppliedUnit":${json(service.pricingUnit)}}`,
      plain: !spot && !options.cluster && !options.capacityReservation && !marketplace,
      commitment: null,
      committedTemplate: null,
      correctionTemplate: setCells(template.slice(), COST, { ChargeClass: 'Correction', ChargeDescription: `Correction: re-rated ${description}` }),
      creditTemplate: creditDescription ? this.creditTemplate(template, creditDescription) : null,
      cluster: options.cluster ?? null,
    };
    this.lines.push(line);
    return line;
  }

  private quantityRange(service: ServiceSpec): { quantityScale: number; quantityMin: number; quantityMax: number; fullShare: number } {
    const shape = service.quantity;
    switch (shape.kind) {
      case 'hour':
        return { quantityScale: 4, quantityMin: 500, quantityMax: 10_000, fullShare: 0.88 };
      case 'count':
        return { quantityScale: 0, quantityMin: shape.min, quantityMax: shape.max, fullShare: 0 };
      case 'range':
        return { quantityScale: shape.scale, quantityMin: toScaled(shape.min, shape.scale), quantityMax: toScaled(shape.max, shape.scale), fullShare: 0 };
      case 'storage': {
        // Storage accrues GB-Months by the hour (a month counted as 730 hours), constant for a volume of fixed size.
        const perHour = Math.max(1, toScaled(this.resourceRandom.between(shape.minGb, shape.maxGb) / 730, 6));
        return { quantityScale: 6, quantityMin: perHour, quantityMax: perHour, fullShare: 1 };
      }
    }
  }

  /** Sustained use discounts on Google Compute Engine and migration credits in the AWS data organization. */
  private creditDescription(account: BillingAccount, provider: ProviderSpec, service: ServiceSpec, spot: boolean, options: { cluster?: Cluster }): string | null {
    if (provider.key === 'gcp' && service.key === 'vm' && !spot && !options.cluster) return 'Sustained use discount';
    if (account.spec.key === 'aws-data' && provider.key === 'aws') return 'AWS Migration Acceleration Program credit';
    return null;
  }

  private creditTemplate(template: string[], description: string): string[] {
    return setCells(template.slice(), COST, {
      ChargeCategory: 'Credit',
      ChargeFrequency: 'One-Time',
      ChargeDescription: description,
      SkuId: '',
      SkuMeter: '',
      SkuPriceId: '',
      SkuPriceDetails: '',
      PricingCategory: '',
      PricingUnit: '',
      ConsumedUnit: '',
      ListUnitPrice: '',
      ContractedUnitPrice: '',
      PricingCurrencyListUnitPrice: '',
      PricingCurrencyContractedUnitPrice: '',
      CapacityReservationId: '',
      CapacityReservationStatus: '',
    });
  }

  buildCommitments(): void {
    for (const spec of COMMITMENT_DISCOUNTS) {
      const random = this.accountRandom;
      const account = this.account(spec.billingAccountKey);
      const owner = this.subAccount(spec.billingAccountKey, spec.ownerSubAccount);
      const idParts = { uuid: random.uuid(), uuid2: random.uuid(), hex: random.hex(16), name: random.lowerAlnum(8) };
      const commitmentSkuId = spec.idFormat.startsWith('aws') ? random.upperAlnum(16) : `${upperHex(random, 4)}-${upperHex(random, 4)}-${upperHex(random, 4)}`;

      let eligible = this.lines.filter(
        (line) => line.account === account && line.plain && line.commitment === null && line.provider === account.provider,
      );
      if (spec.scope.kind === 'services') {
        const services = spec.scope.services;
        eligible = eligible.filter((line) => services.includes(line.service.key));
      } else {
        const service = spec.scope.service;
        const counts = new Map<string, number>();
        for (const line of eligible) {
          if (line.service.key !== service) continue;
          const key = `${line.variant.label}|${line.region?.id}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        let top = '';
        for (const [key, count] of counts) if (top === '' || count > counts.get(top)!) top = key;
        eligible = eligible.filter((line) => line.service.key === service && `${line.variant.label}|${line.region?.id}` === top);
      }
      if (eligible.length === 0) throw new Error(`Commitment ${spec.name} covers no demo resources`);
      const covered = eligible[0];
      const region = spec.scope.kind === 'topInstanceType' ? covered.region : null;
      const id = this.commitmentId(spec, account, owner, region, idParts);
      const activeFromHour = spec.payment === 'One-Time' ? (spec.purchaseDay ?? 0) * 24 + 10 : 0;
      const commitment = this.createCommitment(spec, account, owner, covered, region, id, commitmentSkuId, activeFromHour);
      this.commitments.push(commitment);
      for (const line of eligible) {
        line.commitment = commitment;
        line.committedTemplate = setCells(line.template.slice(), COST, {
          ChargeDescription: `${line.template[COST.ChargeDescription]} covered by ${spec.type}`,
          PricingCategory: 'Committed',
          CommitmentDiscountId: id,
          CommitmentDiscountName: spec.name,
          CommitmentDiscountType: spec.type,
          CommitmentDiscountCategory: spec.category,
          CommitmentDiscountStatus: 'Used',
          CommitmentDiscountUnit: spec.category === 'Spend' ? account.spec.currency : line.service.pricingUnit,
          BilledCost: '0',
        });
      }
    }
  }

  private commitmentId(
    spec: CommitmentDiscountSpec,
    account: BillingAccount,
    owner: SubAccount,
    region: RegionSpec | null,
    parts: { uuid: string; uuid2: string; hex: string; name: string },
  ): string {
    switch (spec.idFormat) {
      case 'awsSavingsPlan':
        return `arn:aws:savingsplans::${owner.id}:savingsplan/${parts.uuid}`;
      case 'awsEc2Reservation':
        return `arn:aws:ec2:${region!.id}:${owner.id}:reserved-instances/${parts.uuid}`;
      case 'awsRdsReservation':
        return `arn:aws:rds:${region!.id}:${owner.id}:ri:acme-pg-ri-${parts.name}`;
      case 'azureReservation':
        return `/providers/Microsoft.Capacity/reservationOrders/${parts.uuid}/reservations/${parts.uuid2}`;
      case 'azureSavingsPlan':
        return `/providers/Microsoft.BillingBenefits/savingsPlanOrders/${parts.uuid}/savingsPlans/${parts.uuid2}`;
      case 'gcpCommitment':
        return `//compute.googleapis.com/projects/${owner.id}/regions/${region!.id}/commitments/cud-${parts.name}`;
      case 'gcpFlexCommitment':
        return `//cloudbilling.googleapis.com/billingAccounts/${account.id}/commitments/flex-cud-${parts.hex}`;
    }
  }

  private createCommitment(
    spec: CommitmentDiscountSpec,
    account: BillingAccount,
    owner: SubAccount,
    covered: UsageLine,
    region: RegionSpec | null,
    id: string,
    commitmentSkuId: string,
    activeFromHour: number,
  ): CommitmentDiscount {
    const currency = account.spec.currency;
    const spend = spec.category === 'Spend';
    const paymentOption = spec.payment === 'One-Time' ? 'All Upfront' : 'No Upfront';
    const commitmentTags = json({ team: owner.spec.team, env: owner.spec.env, 'cost-center': TEAMS[owner.spec.team].costCenter });
    const skuDetails = json({ x_Term: `${spec.termYears}yr`, x_PaymentOption: paymentOption, ...(spend ? {} : { InstanceType: covered.variant.label }) });
    const service = spend ? spec.service! : { serviceName: covered.service.serviceName, category: covered.service.category, subcategory: covered.service.subcategory };
    const common = {
      ProviderName: account.provider.name,
      PublisherName: account.provider.name,
      ServiceProviderName: account.provider.name,
      HostProviderName: account.provider.hostName,
      InvoiceIssuerName: account.provider.invoiceIssuer,
      BillingAccountId: account.id,
      BillingAccountName: account.spec.name,
      BillingAccountType: account.spec.type,
      BillingCurrency: currency,
      SubAccountId: owner.id,
      SubAccountName: owner.spec.name,
      SubAccountType: account.spec.subAccountType,
      ServiceName: service.serviceName,
      ServiceCategory: service.category,
      ServiceSubcategory: service.subcategory,
      ResourceId: id,
      ResourceName: spec.name,
      ResourceType: spec.type,
      RegionId: region?.id ?? '',
      RegionName: region?.name ?? '',
      PricingCurrency: currency,
      CommitmentDiscountId: id,
      CommitmentDiscountName: spec.name,
      CommitmentDiscountType: spec.type,
      CommitmentDiscountCategory: spec.category,
      CommitmentDiscountUnit: spend ? currency : 'Hours',
      Tags: commitmentTags,
    };
    const feePriceId = this.skuPriceId(account.provider, commitmentSkuId, 'fee', currency);

    // Unused rows price spend commitments in units of the currency and usage commitments at the covered on-demand rate.
    const unusedTemplate = setCells(
      spend
        ? setCells(blankCostRow(), COST, {
            SkuId: commitmentSkuId,
            SkuMeter: 'Commitment',
            SkuPriceId: feePriceId,
            SkuPriceDetails: skuDetails,
            PricingUnit: currency,
            ListUnitPrice: '1',
            ContractedUnitPrice: '1',
            PricingCurrencyListUnitPrice: '1',
            PricingCurrencyContractedUnitPrice: '1',
          })
        : setCells(covered.template.slice(), COST, { AvailabilityZone: '', ConsumedUnit: '', ContractApplied: '' }),
      COST,
      {
        ...common,
        ChargeCategory: 'Usage',
        ChargeFrequency: 'Usage-Based',
        ChargeDescription: `Unused ${spec.name} commitment`,
        PricingCategory: 'Committed',
        CommitmentDiscountStatus: 'Unused',
        BilledCost: '0',
      },
    );

    // Purchases: recurring fees are charged daily, one-time purchases once for the whole term.
    const hoursPerPeriod = spec.payment === 'Recurring' ? 24 : HOURS_PER_YEAR * spec.termYears;
    const rateScale = covered.priceScale;
    const reservedRate = Math.max(1, Math.floor(covered.listPrice * spec.effectiveRate));
    let purchaseQuantity: string;
    let purchaseCost: string;
    let unitPrice: string;
    if (spend) {
      const amount = toScaled(spec.size * hoursPerPeriod, 2);
      purchaseQuantity = formatScaled(amount, 2);
      purchaseCost = purchaseQuantity;
      unitPrice = '1';
    } else {
      const hours = spec.size * hoursPerPeriod;
      purchaseQuantity = String(hours);
      purchaseCost = formatScaled(reservedRate * hours, rateScale);
      unitPrice = formatScaled(reservedRate, rateScale);
    }
    const purchaseTemplate = setCells(blankCostRow(), COST, {
      ...common,
      ChargeCategory: 'Purchase',
      ChargeFrequency: spec.payment,
      ChargeDescription: `${spec.name} ${spec.payment === 'Recurring' ? 'recurring daily fee' : 'upfront payment'}`,
      SkuId: commitmentSkuId,
      SkuMeter: 'Commitment',
      SkuPriceId: spend ? feePriceId : this.skuPriceId(account.provider, commitmentSkuId, `${spec.termYears}yr`, currency),
      SkuPriceDetails: skuDetails,
      PricingCategory: 'Standard',
      PricingUnit: spend ? currency : 'Hours',
      PricingQuantity: purchaseQuantity,
      ListUnitPrice: unitPrice,
      ContractedUnitPrice: unitPrice,
      PricingCurrencyListUnitPrice: unitPrice,
      PricingCurrencyContractedUnitPrice: unitPrice,
      BilledCost: purchaseCost,
      ListCost: purchaseCost,
      ContractedCost: purchaseCost,
      EffectiveCost: '0',
      PricingCurrencyEffectiveCost: '0',
      CommitmentDiscountQuantity: purchaseQuantity,
    });

    return {
      index: this.commitments.length,
      spec,
      effectiveRate: spec.effectiveRate,
      activeFromHour,
      unusedTemplate,
      unusedListPrice: spend ? 1 : covered.listPrice,
      unusedContractedPrice: spend ? 1 : covered.contractedPrice,
      unusedPriceScale: spend ? 0 : covered.priceScale,
      // Spend: up to a third of the hourly commitment, in hundredths of a cent. Usage: up to a third of the instances.
      unusedQuantityMax: spend ? toScaled(spec.size / 3, 4) : Math.max(1, Math.floor(spec.size / 3)),
      unusedQuantityScale: spend ? 4 : 0,
      purchaseTemplate,
      invoiceIds: account.invoiceIds,
    };
  }

  buildChargeScopes(): void {
    const byKey = new Map<string, ChargeScope>();
    for (const line of this.lines) {
      const key = `${line.sub.id}|${line.service.serviceName}|${line.provider.key}`;
      let scope = byKey.get(key);
      if (!scope) {
        const account = line.account;
        const base = {
          ProviderName: line.provider.name,
          PublisherName: line.provider.name,
          ServiceProviderName: line.provider.name,
          HostProviderName: line.provider.hostName,
          InvoiceIssuerName: line.provider.invoiceIssuer,
          BillingAccountId: account.id,
          BillingAccountName: account.spec.name,
          BillingAccountType: account.spec.type,
          BillingCurrency: account.spec.currency,
          SubAccountId: line.sub.id,
          SubAccountName: line.sub.spec.name,
          SubAccountType: account.spec.subAccountType,
          ServiceName: line.service.serviceName,
          ServiceCategory: line.service.category,
          ServiceSubcategory: line.service.subcategory,
          PricingCurrency: account.spec.currency,
          ChargeFrequency: 'One-Time',
        };
        scope = {
          index: this.chargeScopes.length,
          account,
          taxTemplate: setCells(blankCostRow(), COST, {
            ...base,
            ChargeCategory: 'Tax',
            ChargeDescription: `${account.spec.taxLabel} (${percent(account.spec.taxRate)}) on ${line.service.serviceName}`,
          }),
          adjustmentTemplate: setCells(blankCostRow(), COST, { ...base, ChargeCategory: 'Adjustment' }),
          invoiceIds: line.invoiceIds,
          hourlyCost: 0,
        };
        byKey.set(key, scope);
        this.chargeScopes.push(scope);
        account.chargeScopes.push(scope);
      }
      scope.hourlyCost += line.hourlyCost;
    }
  }

  families(): Family[] {
    const claimed = new Set(FAMILIES.flatMap((family) => family.billingAccountKeys));
    return FAMILIES.map((family) => ({
      name: family.name,
      description: family.description,
      accountIds: [
        ...family.billingAccountKeys.map((key) => this.account(key).id),
        ...this.subAccounts.filter((sub) => family.teams.includes(sub.spec.team) && !claimed.has(sub.account.spec.key)).map((sub) => sub.id),
      ],
    }));
  }
}

/**
 * Builds the demo world. `density` multiplies the number of resources, so that denser data (more rows per hour)
 * spreads over more resources instead of repeating the same resource within an hour.
 */
export function buildWorld(seed: number, start: Date, density: number): World {
  const builder = new WorldBuilder(seed, start);
  builder.buildAccounts();
  builder.buildContracts();
  builder.buildLines(density);
  builder.buildCapacityReservations();
  builder.buildClusters(density);
  builder.buildCommitments();
  builder.buildChargeScopes();
  const lines = builder.lines;
  return {
    calendar: builder.calendar,
    accounts: builder.accounts,
    standardLines: lines.filter((line) => line.cluster === null),
    lineCount: lines.length,
    committedLines: lines.filter((line) => line.commitment !== null),
    nodeLines: lines.filter((line) => line.cluster !== null),
    creditLines: lines.filter((line) => line.creditTemplate !== null),
    commitments: builder.commitments,
    capacityReservations: builder.capacityReservations,
    chargeScopes: builder.chargeScopes,
    contracts: builder.contracts,
    families: builder.families(),
  };
}
