/**
 * Turns the demo world into Cost and Usage rows. Rows advance through the data window in time order (row i falls
 * in hour i x hours / rows); each one is a charge of a kind drawn by weight. Resources, commitments and scopes are
 * marked when they are charged so that none is charged twice for the same hour (or day, for daily charges); when
 * the drawn kind has nothing left to charge in that period, the row falls back to ordinary usage.
 */
import { SPLIT_PATTERNS } from './catalog.ts';
import { COST } from './cells.ts';
import { formatScaled, pow10 } from './decimal.ts';
import { Random, streamSeed } from './random.ts';
import type { BillingMonth } from './calendar.ts';
import type { ChargeScope, CommitmentDiscount, UsageLine, World } from './world.ts';

/** Share of draws per charge kind. Split draws produce 3-4 rows each; kinds that run out fall back to usage. */
const KIND_WEIGHTS = {
  usage: 0.7,
  committed: 0.13,
  unused: 0.012,
  capacityUnused: 0.004,
  split: 0.025,
  purchase: 0.01,
  tax: 0.025,
  credit: 0.012,
  adjustment: 0.004,
  correction: 0.012,
} as const;

type Kind = keyof typeof KIND_WEIGHTS;

const KINDS = Object.keys(KIND_WEIGHTS) as Kind[];
const KIND_THRESHOLDS = (() => {
  const total = KINDS.reduce((sum, kind) => sum + KIND_WEIGHTS[kind], 0);
  let running = 0;
  return KINDS.map((kind) => (running += KIND_WEIGHTS[kind] / total));
})();

const ADJUSTMENTS: readonly { description: string; sign: 1 | -1 }[] = [
  { description: 'Invoice rounding adjustment', sign: 1 },
  { description: 'Refund for duplicate metering records', sign: -1 },
  { description: 'Goodwill adjustment for service disruption', sign: -1 },
];

const {
  AllocatedMethodDetails,
  AllocatedMethodId,
  AllocatedResourceId,
  AllocatedResourceName,
  AllocatedTags,
  BilledCost,
  BillingPeriodEnd,
  BillingPeriodStart,
  ChargeDescription,
  ChargePeriodEnd,
  ChargePeriodStart,
  CommitmentDiscountQuantity,
  ConsumedQuantity,
  ContractApplied,
  ContractedCost,
  EffectiveCost,
  InvoiceId,
  ListCost,
  PricingCurrencyEffectiveCost,
  PricingQuantity,
} = COST;

/** Resources per hour of data one unit of world density supports (see buildWorld). */
export const ROWS_PER_HOUR_PER_DENSITY = 450;

class CostRowWriter {
  private readonly random: Random;
  private readonly calendar: World['calendar'];
  private readonly hoursPerRow: number;
  /** Share of all resources charged in an average hour, to size daily taxes and credits like the usage they follow. */
  private readonly hourlyCoverage: number;
  /** Per entity: 1 + the last hour (or day) it was charged in. */
  private readonly lineCharged: Int32Array;
  private readonly unusedCharged: Int32Array;
  private readonly purchaseCharged: Int32Array;
  private readonly reservationCharged: Int32Array;
  private readonly taxCharged: Int32Array;
  private readonly creditCharged: Int32Array;
  private readonly adjustmentCharged: Int32Array;
  private readonly oneTimePurchases: CommitmentDiscount[];
  private nextOneTimePurchase = 0;
  /** Rows produced by the last call to `produce`. */
  readonly out: string[][] = [];

  constructor(
    private readonly world: World,
    rows: number,
    seed: number,
  ) {
    this.random = new Random(streamSeed(seed, 3));
    this.calendar = world.calendar;
    this.hoursPerRow = this.calendar.totalHours / rows;
    const rowsPerHour = rows / this.calendar.totalHours;
    this.hourlyCoverage = Math.min(1, (rowsPerHour * KIND_WEIGHTS.usage) / world.standardLines.length);
    this.lineCharged = new Int32Array(world.lineCount);
    this.unusedCharged = new Int32Array(world.commitments.length);
    this.purchaseCharged = new Int32Array(world.commitments.length);
    this.reservationCharged = new Int32Array(world.capacityReservations.length);
    this.taxCharged = new Int32Array(world.chargeScopes.length);
    this.creditCharged = new Int32Array(world.lineCount);
    this.adjustmentCharged = new Int32Array(world.accounts.length);
    this.oneTimePurchases = world.commitments
      .filter((commitment) => commitment.spec.payment === 'One-Time')
      .sort((a, b) => a.activeFromHour - b.activeFromHour);
  }

  /** Fills `out` with the rows for position `index` (usually one; a split charge yields several) and returns how many. */
  produce(index: number, remaining: number): number {
    const out = this.out;
    out.length = 0;
    const hour = Math.min(this.calendar.totalHours - 1, Math.floor(index * this.hoursPerRow));
    const oneTime = this.oneTimePurchases[this.nextOneTimePurchase];
    if (oneTime && oneTime.activeFromHour <= hour) {
      this.nextOneTimePurchase++;
      out.push(this.purchaseRow(oneTime, oneTime.activeFromHour, oneTime.activeFromHour + 1));
      return 1;
    }
    const draw = this.random.next();
    let kind = 0;
    while (draw >= KIND_THRESHOLDS[kind] && kind < KINDS.length - 1) kind++;
    let row: string[] | null = null;
    switch (KINDS[kind]) {
      case 'usage':
        break;
      case 'committed':
        row = this.committedRow(hour);
        break;
      case 'unused':
        row = this.unusedRow(hour);
        break;
      case 'capacityUnused':
        row = this.capacityUnusedRow(hour);
        break;
      case 'split':
        if (this.splitRows(hour, remaining)) return out.length;
        break;
      case 'purchase':
        row = this.recurringPurchaseRow(hour);
        break;
      case 'tax':
        row = this.taxRow(hour);
        break;
      case 'credit':
        row = this.creditRow(hour);
        break;
      case 'adjustment':
        row = this.adjustmentRow(hour);
        break;
      case 'correction':
        row = this.correctionRow(hour);
        break;
    }
    out.push(row ?? this.usageRow(hour));
    return 1;
  }

  /** A random entity of the pool not yet charged in period `stamp - 1`, marked as charged; null after `attempts` misses. */
  private pickUncharged<T extends { index: number }>(pool: readonly T[], charged: Int32Array, stamp: number, attempts: number): T | null {
    if (pool.length === 0) return null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const candidate = pool[this.random.int(pool.length)];
      if (charged[candidate.index] !== stamp) {
        charged[candidate.index] = stamp;
        return candidate;
      }
    }
    return null;
  }

  private month(hour: number): BillingMonth {
    return this.calendar.months[this.calendar.monthOfHour[hour]];
  }

  private setHour(row: string[], chargeHour: number, billingHour: number, invoiceIds: readonly string[]): void {
    const stamps = this.calendar.hourStamps;
    row[ChargePeriodStart] = stamps[chargeHour];
    row[ChargePeriodEnd] = stamps[chargeHour + 1];
    this.setBillingPeriod(row, billingHour, invoiceIds);
  }

  private setDay(row: string[], day: number, invoiceIds: readonly string[]): void {
    const stamps = this.calendar.dayStamps;
    row[ChargePeriodStart] = stamps[day];
    row[ChargePeriodEnd] = stamps[day + 1];
    this.setBillingPeriod(row, day * 24, invoiceIds);
  }

  private setBillingPeriod(row: string[], hour: number, invoiceIds: readonly string[]): void {
    const month = this.month(hour);
    row[BillingPeriodStart] = month.start;
    row[BillingPeriodEnd] = month.end;
    row[InvoiceId] = invoiceIds[month.index];
  }

  private sampleQuantity(line: UsageLine): number {
    if (line.fullShare > 0 && this.random.next() < line.fullShare) return line.quantityMax;
    return this.random.between(line.quantityMin, line.quantityMax);
  }

  /** A usage line not yet charged this hour; after many misses (very dense data) any line. */
  private usageLine(hour: number): UsageLine {
    const lines = this.world.standardLines;
    return this.pickUncharged(lines, this.lineCharged, hour + 1, 24) ?? lines[this.random.int(lines.length)];
  }

  /** Fills quantities and costs of a row charged at the line's contracted price; returns the cost text. */
  private fillCharged(row: string[], line: UsageLine, quantity: number): string {
    const quantityText = formatScaled(quantity, line.quantityScale);
    const costText = formatScaled(line.contractedPrice * quantity, line.costScale);
    row[PricingQuantity] = quantityText;
    row[ConsumedQuantity] = quantityText;
    row[ListCost] = formatScaled(line.listPrice * quantity, line.costScale);
    row[ContractedCost] = costText;
    row[BilledCost] = costText;
    row[EffectiveCost] = costText;
    row[PricingCurrencyEffectiveCost] = costText;
    row[ContractApplied] = this.contractApplied(line, costText, quantityText);
    return costText;
  }

  private contractApplied(line: UsageLine, cost: string, quantity: string): string {
    const heads = line.contractElementHeads;
    if (heads.length === 0) return '';
    const elementRest = `${cost},"ContractCommitmentAppliedQuantity":${quantity}${line.contractElementTail}`;
    let text = `{"Elements":[${heads[0]}${elementRest}`;
    for (let i = 1; i < heads.length; i++) text += `,${heads[i]}${elementRest}`;
    return `${text}]}`;
  }

  private usageRow(hour: number, line: UsageLine = this.usageLine(hour)): string[] {
    const row = line.template.slice();
    this.setHour(row, hour, hour, line.invoiceIds);
    this.fillCharged(row, line, this.sampleQuantity(line));
    return row;
  }

  /** Usage covered by a commitment discount: nothing billed, the amortized commitment cost as EffectiveCost. */
  private committedRow(hour: number): string[] | null {
    const line = this.pickUncharged(this.world.committedLines, this.lineCharged, hour + 1, 8);
    if (!line) return null;
    const commitment = line.commitment!;
    if (hour < commitment.activeFromHour) return this.usageRow(hour, line);
    const row = line.committedTemplate!.slice();
    this.setHour(row, hour, hour, line.invoiceIds);
    const quantity = this.sampleQuantity(line);
    const quantityText = formatScaled(quantity, line.quantityScale);
    const list = line.listPrice * quantity;
    const effectiveText = formatScaled(Math.max(1, Math.floor(list * commitment.effectiveRate)), line.costScale);
    row[PricingQuantity] = quantityText;
    row[ConsumedQuantity] = quantityText;
    row[ListCost] = formatScaled(list, line.costScale);
    row[ContractedCost] = formatScaled(line.contractedPrice * quantity, line.costScale);
    row[EffectiveCost] = effectiveText;
    row[PricingCurrencyEffectiveCost] = effectiveText;
    row[CommitmentDiscountQuantity] = commitment.spec.category === 'Spend' ? effectiveText : quantityText;
    return row;
  }

  /** The part of a commitment discount left unused in an hour. */
  private unusedRow(hour: number): string[] | null {
    const commitment = this.pickUncharged(this.world.commitments, this.unusedCharged, hour + 1, 4);
    if (!commitment || hour < commitment.activeFromHour) return null;
    const row = commitment.unusedTemplate.slice();
    this.setHour(row, hour, hour, commitment.invoiceIds);
    const quantity = this.random.between(1, commitment.unusedQuantityMax);
    const scale = commitment.unusedPriceScale + commitment.unusedQuantityScale;
    const list = commitment.unusedListPrice * quantity;
    const quantityText = formatScaled(quantity, commitment.unusedQuantityScale);
    const effectiveText = formatScaled(Math.max(1, Math.floor(list * commitment.effectiveRate)), scale);
    row[PricingQuantity] = quantityText;
    row[CommitmentDiscountQuantity] = quantityText;
    row[ListCost] = formatScaled(list, scale);
    row[ContractedCost] = formatScaled(commitment.unusedContractedPrice * quantity, scale);
    // A spend commitment's unused dollars are its amortized cost; a usage commitment's unused hours cost the amortized rate.
    const unusedCost = commitment.spec.category === 'Spend' ? quantityText : effectiveText;
    row[EffectiveCost] = unusedCost;
    row[PricingCurrencyEffectiveCost] = unusedCost;
    return row;
  }

  /** Reserved capacity nobody ran on, billed at the on-demand rate. */
  private capacityUnusedRow(hour: number): string[] | null {
    const reservation = this.pickUncharged(this.world.capacityReservations, this.reservationCharged, hour + 1, 2);
    if (!reservation) return null;
    const line = reservation.line;
    const row = reservation.unusedTemplate.slice();
    this.setHour(row, hour, hour, line.invoiceIds);
    const hours = this.random.between(1, Math.max(1, Math.floor(reservation.count / 2)));
    this.fillCharged(row, line, hours * pow10(line.quantityScale));
    return row;
  }

  /**
   * One node hour of a shared Kubernetes cluster split across workloads by CPU share, possibly with an idle remainder.
   * Skipped when fewer rows remain than the split has parts, so every split in the output is complete.
   */
  private splitRows(hour: number, remaining: number): boolean {
    const pattern = SPLIT_PATTERNS[this.random.int(SPLIT_PATTERNS.length)];
    if (pattern.ratios.length > remaining) return false;
    const node = this.pickUncharged(this.world.nodeLines, this.lineCharged, hour + 1, 8);
    if (!node) return false;
    const cluster = node.cluster!;
    const allocatedCount = pattern.ratios.length - (pattern.idle ? 1 : 0);
    const workloads = this.random.sample(cluster.workloads, allocatedCount);
    const hundredthOfHour = pow10(node.quantityScale - 2);
    const vcpus = node.variant.vcpus ?? 1;
    for (let slot = 0; slot < pattern.ratios.length; slot++) {
      const ratio = pattern.ratios[slot];
      const workload = slot < allocatedCount ? workloads[slot] : null;
      const row = node.template.slice();
      this.setHour(row, hour, hour, node.invoiceIds);
      this.fillCharged(row, node, ratio * hundredthOfHour);
      row[AllocatedMethodId] = cluster.methodId;
      row[AllocatedMethodDetails] =
        `{"Elements":[{"AllocatedRatio":${formatScaled(ratio, 2)},"UsageUnit":"Core-Hours","UsageQuantity":${formatScaled(ratio * vcpus, 2)},` +
        `"x_Basis":"${workload ? 'cpu-requests' : 'unallocated-capacity'}"}]}`;
      if (workload) {
        row[AllocatedResourceId] = workload.resourceId;
        row[AllocatedResourceName] = workload.resourceName;
        row[AllocatedTags] = workload.tags;
      }
      this.out.push(row);
    }
    return true;
  }

  private purchaseRow(commitment: CommitmentDiscount, startHour: number, endHour: number): string[] {
    const row = commitment.purchaseTemplate.slice();
    row[ChargePeriodStart] = this.calendar.hourStamps[startHour];
    row[ChargePeriodEnd] = this.calendar.hourStamps[endHour];
    this.setBillingPeriod(row, startHour, commitment.invoiceIds);
    return row;
  }

  /** The daily fee of a commitment paid in installments. */
  private recurringPurchaseRow(hour: number): string[] | null {
    const day = Math.floor(hour / 24);
    const commitment = this.pickUncharged(this.world.commitments, this.purchaseCharged, day + 1, 4);
    if (!commitment || commitment.spec.payment !== 'Recurring') return null;
    return this.purchaseRow(commitment, day * 24, day * 24 + 24);
  }

  private accountCharge(template: string[], scope: ChargeScope, day: number, cents: number, description?: string): string[] {
    const row = template.slice();
    this.setDay(row, day, scope.invoiceIds);
    const amount = formatScaled(cents, 2);
    row[BilledCost] = amount;
    row[EffectiveCost] = amount;
    row[ListCost] = amount;
    row[ContractedCost] = amount;
    row[PricingCurrencyEffectiveCost] = amount;
    if (description) row[ChargeDescription] = description;
    return row;
  }

  /** A day's tax on one service of a sub account, in proportion to its usage. */
  private taxRow(hour: number): string[] | null {
    const day = Math.floor(hour / 24);
    const scope = this.pickUncharged(this.world.chargeScopes, this.taxCharged, day + 1, 4);
    if (!scope) return null;
    const taxable = scope.hourlyCost * 24 * this.hourlyCoverage * this.random.range(0.85, 1.15);
    const cents = Math.max(1, Math.round(taxable * scope.account.spec.taxRate * 100));
    return this.accountCharge(scope.taxTemplate, scope, day, cents);
  }

  private creditRow(hour: number): string[] | null {
    const day = Math.floor(hour / 24);
    const line = this.pickUncharged(this.world.creditLines, this.creditCharged, day + 1, 4);
    if (!line) return null;
    const row = line.creditTemplate!.slice();
    this.setDay(row, day, line.invoiceIds);
    const credited = line.hourlyCost * 24 * this.hourlyCoverage * this.random.range(0.05, 0.25);
    const amount = formatScaled(-Math.max(1, Math.round(credited * 100)), 2);
    row[BilledCost] = amount;
    row[EffectiveCost] = amount;
    row[ListCost] = amount;
    row[ContractedCost] = amount;
    row[PricingCurrencyEffectiveCost] = amount;
    return row;
  }

  private adjustmentRow(hour: number): string[] | null {
    const day = Math.floor(hour / 24);
    const account = this.pickUncharged(this.world.accounts, this.adjustmentCharged, day + 1, 3);
    if (!account || account.chargeScopes.length === 0) return null;
    const scope = account.chargeScopes[this.random.int(account.chargeScopes.length)];
    const adjustment = ADJUSTMENTS[this.random.int(ADJUSTMENTS.length)];
    const cents = adjustment.sign * this.random.between(50, 7500);
    return this.accountCharge(scope.adjustmentTemplate, scope, day, cents, adjustment.description);
  }

  /** Usage of the previous billing period re-rated on this period's invoice: mostly refunds, sometimes back-billing. */
  private correctionRow(hour: number): string[] | null {
    const monthIndex = this.calendar.monthOfHour[hour];
    if (monthIndex === 0) return null;
    const previous = this.calendar.months[monthIndex - 1];
    const lines = this.world.standardLines;
    const line = lines[this.random.int(lines.length)];
    const chargeHour = this.random.between(previous.firstHour, previous.endHour - 1);
    const row = line.correctionTemplate.slice();
    this.setHour(row, chargeHour, hour, line.invoiceIds);
    const quantity = this.sampleQuantity(line);
    this.fillCharged(row, line, this.random.chance(0.75) ? -quantity : quantity);
    return row;
  }
}

export function* costRows(world: World, rows: number, seed: number): Generator<string[], void, undefined> {
  if (rows <= 0) return;
  const writer = new CostRowWriter(world, rows, seed);
  let index = 0;
  while (index < rows) {
    const produced = writer.produce(index, rows - index);
    for (let i = 0; i < produced; i++, index++) yield writer.out[i];
  }
}
