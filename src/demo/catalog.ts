/**
 * Static description of the demo estate: providers, regions, services with their FOCUS categories and list prices,
 * billing accounts with their sub accounts, commitment discounts, capacity reservations, contracts and families.
 * Prices are public list prices in USD (rounded); everything random (ids, sizes, which resources exist) is drawn
 * from the seed in world.ts.
 */
import type { Random } from './random.ts';

export type CloudKey = 'aws' | 'azure' | 'gcp' | 'oci';
export type ProviderKey = CloudKey | 'datadog';

export interface RegionSpec {
  id: string;
  name: string;
  /** Availability zone names; empty when the provider's cost data carries no zone. */
  zones: readonly string[];
  /** Regional price multiplier against the provider's reference region. */
  priceFactor: number;
  /** Short code used inside OCIDs. */
  code?: string;
}

export interface ProviderSpec {
  key: ProviderKey;
  /** ServiceProviderName, and the deprecated ProviderName/PublisherName. */
  name: string;
  hostName: string;
  invoiceIssuer: string;
  regions: readonly RegionSpec[];
}

export const PROVIDERS: Readonly<Record<ProviderKey, ProviderSpec>> = {
  aws: {
    key: 'aws',
    name: 'AWS',
    hostName: 'AWS',
    invoiceIssuer: 'AWS',
    regions: [
      { id: 'us-east-1', name: 'US East (N. Virginia)', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'], priceFactor: 1 },
      { id: 'us-west-2', name: 'US West (Oregon)', zones: ['us-west-2a', 'us-west-2b', 'us-west-2c'], priceFactor: 1 },
      { id: 'eu-west-1', name: 'Europe (Ireland)', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], priceFactor: 1.08 },
      { id: 'eu-central-1', name: 'Europe (Frankfurt)', zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'], priceFactor: 1.15 },
      { id: 'ap-southeast-1', name: 'Asia Pacific (Singapore)', zones: ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'], priceFactor: 1.2 },
    ],
  },
  azure: {
    key: 'azure',
    name: 'Microsoft',
    hostName: 'Microsoft',
    invoiceIssuer: 'Microsoft',
    regions: [
      { id: 'eastus', name: 'East US', zones: [], priceFactor: 1 },
      { id: 'eastus2', name: 'East US 2', zones: [], priceFactor: 1 },
      { id: 'westus2', name: 'West US 2', zones: [], priceFactor: 1 },
      { id: 'westeurope', name: 'West Europe', zones: [], priceFactor: 1.12 },
      { id: 'northeurope', name: 'North Europe', zones: [], priceFactor: 1.08 },
      { id: 'germanywestcentral', name: 'Germany West Central', zones: [], priceFactor: 1.15 },
    ],
  },
  gcp: {
    key: 'gcp',
    name: 'Google Cloud',
    hostName: 'Google Cloud',
    invoiceIssuer: 'Google Cloud',
    regions: [
      { id: 'us-central1', name: 'Iowa', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'], priceFactor: 1 },
      { id: 'us-east4', name: 'Northern Virginia', zones: ['us-east4-a', 'us-east4-b', 'us-east4-c'], priceFactor: 1.12 },
      { id: 'europe-west1', name: 'Belgium', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'], priceFactor: 1.1 },
      { id: 'europe-west4', name: 'Netherlands', zones: ['europe-west4-a', 'europe-west4-b', 'europe-west4-c'], priceFactor: 1.1 },
      { id: 'asia-southeast1', name: 'Singapore', zones: ['asia-southeast1-a', 'asia-southeast1-b', 'asia-southeast1-c'], priceFactor: 1.23 },
    ],
  },
  oci: {
    key: 'oci',
    name: 'Oracle',
    hostName: 'Oracle',
    invoiceIssuer: 'Oracle',
    regions: [
      { id: 'us-ashburn-1', name: 'US East (Ashburn)', zones: ['qIZq:US-ASHBURN-AD-1', 'qIZq:US-ASHBURN-AD-2', 'qIZq:US-ASHBURN-AD-3'], priceFactor: 1, code: 'iad' },
      { id: 'us-phoenix-1', name: 'US West (Phoenix)', zones: ['qIZq:PHX-AD-1', 'qIZq:PHX-AD-2', 'qIZq:PHX-AD-3'], priceFactor: 1, code: 'phx' },
      { id: 'eu-frankfurt-1', name: 'Germany Central (Frankfurt)', zones: ['qIZq:EU-FRANKFURT-1-AD-1', 'qIZq:EU-FRANKFURT-1-AD-2'], priceFactor: 1, code: 'fra' },
      { id: 'uk-london-1', name: 'UK South (London)', zones: ['qIZq:UK-LONDON-1-AD-1'], priceFactor: 1, code: 'lhr' },
    ],
  },
  // Bought through AWS Marketplace: AWS hosts it and issues the invoice, Datadog provides the service.
  datadog: { key: 'datadog', name: 'Datadog', hostName: 'AWS', invoiceIssuer: 'AWS', regions: [] },
};

export type ServiceKey =
  | 'vm'
  | 'blockStorage'
  | 'objectStorage'
  | 'sql'
  | 'nosql'
  | 'serverless'
  | 'k8sControl'
  | 'cdn'
  | 'logs'
  | 'cache'
  | 'warehouse'
  | 'mlTraining'
  | 'genai'
  | 'nat'
  | 'lb'
  | 'threat'
  | 'secrets'
  | 'stream'
  | 'dataProcessing'
  | 'messaging'
  | 'monitoring';

/** How much of a pricing unit one hourly usage row carries. */
export type QuantityShape =
  /** Instance hours: usually a whole hour, sometimes a partial one (instance started or stopped). */
  | { kind: 'hour' }
  /** Whole units per hour (nodes, shards, OCPUs, GB-seconds...). */
  | { kind: 'count'; min: number; max: number }
  /** A measured amount per hour with `scale` decimals (GB transferred, tokens, requests...). */
  | { kind: 'range'; min: number; max: number; scale: number }
  /** GB-Months accrued per hour by storage of a fixed size per resource. */
  | { kind: 'storage'; minGb: number; maxGb: number };

export interface SkuVariant {
  /** Short label used in descriptions and to select variants (for example an instance type). */
  label: string;
  meter: string;
  /** List price per pricing unit in USD in the provider's reference region. */
  usdPrice: number;
  details: Readonly<Record<string, string | number>> | null;
  /** Variants reserved for GPU workloads or Kubernetes nodes; plain variants have none. */
  role?: 'gpu' | 'node';
  /** Virtual CPUs, for split allocation by CPU share. */
  vcpus?: number;
}

export interface ResourceContext {
  random: Random;
  /** AWS account id, Azure subscription GUID, GCP project id or OCI compartment OCID. */
  accountId: string;
  subAccountName: string;
  region: RegionSpec;
  zone: string;
  /** A readable base name such as "checkout-api-03". */
  baseName: string;
}

export interface ServiceSpec {
  key: ServiceKey;
  serviceName: string;
  category: string;
  subcategory: string;
  resourceType: string | null;
  pricingUnit: string;
  /** Decimals of unit prices; price scale + quantity scale must not exceed 10. */
  priceScale: number;
  quantity: QuantityShape;
  regional: boolean;
  /** ChargeDescription, with {label} replaced by the variant label. */
  description: string;
  variants: readonly SkuVariant[];
  /** Resource id and display name; absent when charges are not tied to a resource. */
  resource?: (context: ResourceContext) => { id: string; name: string };
}

const vm = (label: string, usdPrice: number, vcpus: number, memoryGb: number, role?: 'gpu' | 'node'): SkuVariant => ({
  label,
  meter: 'Compute Hours',
  usdPrice,
  vcpus,
  role,
  details: { InstanceType: label, CoreCount: vcpus, MemorySize: memoryGb, OperatingSystem: 'Linux' },
});

const single = (label: string, meter: string, usdPrice: number, details: Record<string, string | number> | null = null): SkuVariant => ({
  label,
  meter,
  usdPrice,
  details,
});

const compact = (name: string, length: number) => name.replace(/[^a-z0-9]/g, '').slice(0, length);

const arn = (service: string, c: ResourceContext, resource: string) => `arn:aws:${service}:${c.region.id}:${c.accountId}:${resource}`;
const azureId = (c: ResourceContext, type: string, name: string) =>
  `/subscriptions/${c.accountId}/resourceGroups/rg-${c.subAccountName}/providers/${type}/${name}`;
const gcpId = (service: string, c: ResourceContext, path: string) => `//${service}.googleapis.com/projects/${c.accountId}/${path}`;
const ocid = (type: string, c: ResourceContext) => `ocid1.${type}.oc1.${c.region.code}.a${c.random.lowerAlnum(59)}`;

const named = (id: string, name: string) => ({ id, name });
const lastSegment = (id: string) => ({ id, name: id.slice(id.lastIndexOf('/') + 1) });

const HOURLY: QuantityShape = { kind: 'hour' };

export const SERVICES: Readonly<Record<ProviderKey, Partial<Record<ServiceKey, ServiceSpec>>>> = {
  aws: {
    vm: {
      key: 'vm', serviceName: 'Amazon Elastic Compute Cloud', category: 'Compute', subcategory: 'Virtual Machines', resourceType: 'Instance',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'On Demand Linux {label} Instance Hour',
      variants: [
        vm('m6i.large', 0.096, 2, 8), vm('m6i.xlarge', 0.192, 4, 16), vm('m6i.2xlarge', 0.384, 8, 32),
        vm('c6i.xlarge', 0.17, 4, 8), vm('c6i.4xlarge', 0.68, 16, 32), vm('r6i.2xlarge', 0.504, 8, 64), vm('m7g.2xlarge', 0.3264, 8, 32),
        vm('g5.2xlarge', 1.212, 8, 32, 'gpu'), vm('g5.12xlarge', 5.672, 48, 192, 'gpu'), vm('m6i.4xlarge', 0.768, 16, 64, 'node'),
      ],
      resource: (c) => named(arn('ec2', c, `instance/i-0${c.random.hex(16)}`), c.baseName),
    },
    blockStorage: {
      key: 'blockStorage', serviceName: 'Amazon Elastic Block Store', category: 'Storage', subcategory: 'Block Storage', resourceType: 'Volume',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 50, maxGb: 2000 }, regional: true,
      description: 'EBS {label} volume storage',
      variants: [single('gp3', 'Storage', 0.08, { DiskType: 'gp3' }), single('io2', 'Storage', 0.125, { DiskType: 'io2' })],
      resource: (c) => named(arn('ec2', c, `volume/vol-0${c.random.hex(16)}`), `${c.baseName}-data`),
    },
    objectStorage: {
      key: 'objectStorage', serviceName: 'Amazon Simple Storage Service', category: 'Storage', subcategory: 'Object Storage', resourceType: 'Bucket',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 500, maxGb: 80_000 }, regional: true,
      description: 'S3 {label} storage',
      variants: [
        single('Standard', 'Storage', 0.023, { StorageClass: 'Standard' }),
        single('Standard-IA', 'Storage', 0.0125, { StorageClass: 'Standard-IA' }),
        single('Glacier Instant Retrieval', 'Storage', 0.004, { StorageClass: 'Glacier Instant Retrieval' }),
      ],
      resource: (c) => {
        const bucket = `acme-${c.baseName}-${c.random.hex(6)}`;
        return named(`arn:aws:s3:::${bucket}`, bucket);
      },
    },
    sql: {
      key: 'sql', serviceName: 'Amazon Relational Database Service', category: 'Databases', subcategory: 'Relational Databases', resourceType: 'DB Instance',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'RDS for PostgreSQL {label} Multi-AZ instance hour',
      variants: [
        single('db.m6g.large', 'Database Instance', 0.304, { InstanceType: 'db.m6g.large', CoreCount: 2, MemorySize: 8 }),
        single('db.r6g.xlarge', 'Database Instance', 0.86, { InstanceType: 'db.r6g.xlarge', CoreCount: 4, MemorySize: 32 }),
        single('db.r6g.2xlarge', 'Database Instance', 1.722, { InstanceType: 'db.r6g.2xlarge', CoreCount: 8, MemorySize: 64 }),
      ],
      resource: (c) => named(arn('rds', c, `db:${c.baseName}-db`), `${c.baseName}-db`),
    },
    nosql: {
      key: 'nosql', serviceName: 'Amazon DynamoDB', category: 'Databases', subcategory: 'NoSQL Databases', resourceType: 'Table',
      pricingUnit: 'CapacityUnit-Hours', priceScale: 8, quantity: { kind: 'count', min: 200, max: 4000 }, regional: true,
      description: 'DynamoDB provisioned {label} capacity unit hour',
      variants: [single('read', 'Read Capacity', 0.00013), single('write', 'Write Capacity', 0.00065)],
      resource: (c) => named(arn('dynamodb', c, `table/${c.baseName}`), c.baseName),
    },
    serverless: {
      key: 'serverless', serviceName: 'AWS Lambda', category: 'Compute', subcategory: 'Serverless Compute', resourceType: 'Function',
      pricingUnit: 'GB-Seconds', priceScale: 10, quantity: { kind: 'count', min: 1000, max: 400_000 }, regional: true,
      description: 'Lambda {label} compute duration',
      variants: [single('x86', 'Duration', 0.0000166667, { x_Architecture: 'x86_64' }), single('arm64', 'Duration', 0.0000133334, { x_Architecture: 'arm64' })],
      resource: (c) => named(arn('lambda', c, `function:${c.baseName}`), c.baseName),
    },
    k8sControl: {
      key: 'k8sControl', serviceName: 'Amazon Elastic Kubernetes Service', category: 'Compute', subcategory: 'Containers', resourceType: 'Cluster',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'EKS cluster {label} hour',
      variants: [single('standard support', 'Cluster Hours', 0.1)],
      resource: (c) => named(arn('eks', c, `cluster/${c.baseName}`), c.baseName),
    },
    cdn: {
      key: 'cdn', serviceName: 'Amazon CloudFront', category: 'Networking', subcategory: 'Content Delivery', resourceType: 'Distribution',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 120, scale: 3 }, regional: false,
      description: 'CloudFront data transfer out to {label}',
      variants: [single('North America', 'Data Transfer Out', 0.085), single('Europe', 'Data Transfer Out', 0.085)],
      resource: (c) => named(`arn:aws:cloudfront::${c.accountId}:distribution/E${c.random.upperAlnum(13)}`, `${c.baseName}-cdn`),
    },
    logs: {
      key: 'logs', serviceName: 'Amazon CloudWatch', category: 'Management and Governance', subcategory: 'Observability', resourceType: 'Log Group',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.05, max: 4, scale: 4 }, regional: true,
      description: 'CloudWatch Logs {label} ingestion',
      variants: [single('standard', 'Log Ingestion', 0.5)],
      resource: (c) => named(arn('logs', c, `log-group:/acme/${c.baseName}`), `/acme/${c.baseName}`),
    },
    cache: {
      key: 'cache', serviceName: 'Amazon ElastiCache', category: 'Databases', subcategory: 'Caching', resourceType: 'Cache Cluster',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'ElastiCache {label} node hour',
      variants: [single('cache.r6g.large', 'Cache Node', 0.206, { InstanceType: 'cache.r6g.large' }), single('cache.m6g.large', 'Cache Node', 0.149, { InstanceType: 'cache.m6g.large' })],
      resource: (c) => named(arn('elasticache', c, `cluster:${c.baseName}-cache`), `${c.baseName}-cache`),
    },
    warehouse: {
      key: 'warehouse', serviceName: 'Amazon Redshift', category: 'Databases', subcategory: 'Data Warehouses', resourceType: 'Cluster',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 2, max: 4 }, regional: true, description: 'Redshift {label} node hours',
      variants: [single('ra3.4xlarge', 'Node Hours', 3.26, { InstanceType: 'ra3.4xlarge', CoreCount: 12, MemorySize: 96 })],
      resource: (c) => named(arn('redshift', c, `cluster:${c.baseName}-dw`), `${c.baseName}-dw`),
    },
    mlTraining: {
      key: 'mlTraining', serviceName: 'Amazon SageMaker', category: 'AI and Machine Learning', subcategory: 'Machine Learning', resourceType: 'Endpoint',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'SageMaker real-time inference {label} hour',
      variants: [single('ml.g5.2xlarge', 'Hosting', 1.515, { InstanceType: 'ml.g5.2xlarge' }), single('ml.m5.xlarge', 'Hosting', 0.23, { InstanceType: 'ml.m5.xlarge' })],
      resource: (c) => named(arn('sagemaker', c, `endpoint/${c.baseName}`), c.baseName),
    },
    genai: {
      key: 'genai', serviceName: 'Amazon Bedrock', category: 'AI and Machine Learning', subcategory: 'Generative AI', resourceType: 'Inference Profile',
      pricingUnit: '1000 Tokens', priceScale: 6, quantity: { kind: 'count', min: 5, max: 800 }, regional: true,
      description: 'Bedrock Claude Sonnet {label} tokens',
      variants: [single('input', 'Input Tokens', 0.003), single('output', 'Output Tokens', 0.015)],
      resource: (c) => named(arn('bedrock', c, `application-inference-profile/${c.random.lowerAlnum(12)}`), c.baseName),
    },
    nat: {
      key: 'nat', serviceName: 'Amazon Virtual Private Cloud', category: 'Networking', subcategory: 'Network Connectivity', resourceType: 'NAT Gateway',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'NAT Gateway {label} hour',
      variants: [single('regional', 'NAT Gateway Hours', 0.045)],
      resource: (c) => named(arn('ec2', c, `natgateway/nat-0${c.random.hex(16)}`), `${c.baseName}-nat`),
    },
    lb: {
      key: 'lb', serviceName: 'Elastic Load Balancing', category: 'Networking', subcategory: 'Application Networking', resourceType: 'Load Balancer',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: '{label} Load Balancer hour',
      variants: [single('Application', 'Load Balancer Hours', 0.0225)],
      resource: (c) => named(arn('elasticloadbalancing', c, `loadbalancer/app/${c.baseName}/${c.random.hex(16)}`), c.baseName),
    },
    threat: {
      key: 'threat', serviceName: 'Amazon GuardDuty', category: 'Security', subcategory: 'Threat Detection and Response', resourceType: 'Detector',
      pricingUnit: '1000000 Events', priceScale: 2, quantity: { kind: 'range', min: 0.01, max: 2, scale: 6 }, regional: true,
      description: 'GuardDuty {label} analysis',
      variants: [single('CloudTrail management event', 'Event Analysis', 4)],
      resource: (c) => named(arn('guardduty', c, `detector/${c.random.hex(32)}`), `${c.subAccountName}-guardduty`),
    },
    secrets: {
      key: 'secrets', serviceName: 'AWS Secrets Manager', category: 'Security', subcategory: 'Secret Management', resourceType: 'Secret',
      pricingUnit: '10000 Requests', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 30, scale: 4 }, regional: true,
      description: 'Secrets Manager {label} API requests',
      variants: [single('GetSecretValue', 'API Requests', 0.05)],
      resource: (c) => named(arn('secretsmanager', c, `secret:${c.baseName}-${c.random.chars(6, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}`), c.baseName),
    },
    stream: {
      key: 'stream', serviceName: 'Amazon Kinesis', category: 'Analytics', subcategory: 'Streaming Analytics', resourceType: 'Stream',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 2, max: 24 }, regional: true, description: 'Kinesis Data Streams {label} shard hours',
      variants: [single('provisioned', 'Shard Hours', 0.015)],
      resource: (c) => named(arn('kinesis', c, `stream/${c.baseName}`), c.baseName),
    },
    dataProcessing: {
      key: 'dataProcessing', serviceName: 'AWS Glue', category: 'Analytics', subcategory: 'Data Processing', resourceType: 'Job',
      pricingUnit: 'DPU-Hours', priceScale: 4, quantity: { kind: 'range', min: 0.25, max: 12, scale: 4 }, regional: true, description: 'Glue {label} ETL job DPU hours',
      variants: [single('Spark', 'ETL Job', 0.44)],
      resource: (c) => named(arn('glue', c, `job/${c.baseName}`), c.baseName),
    },
    messaging: {
      key: 'messaging', serviceName: 'Amazon Simple Queue Service', category: 'Integration', subcategory: 'Messaging', resourceType: 'Queue',
      pricingUnit: '1000000 Requests', priceScale: 4, quantity: { kind: 'range', min: 0.01, max: 5, scale: 4 }, regional: true, description: 'SQS {label} queue requests',
      variants: [single('Standard', 'Requests', 0.4)],
      resource: (c) => named(`https://sqs.${c.region.id}.amazonaws.com/${c.accountId}/${c.baseName}`, c.baseName),
    },
  },
  datadog: {
    monitoring: {
      key: 'monitoring', serviceName: 'Datadog Infrastructure Monitoring', category: 'Management and Governance', subcategory: 'Observability', resourceType: null,
      pricingUnit: 'Host-Hours', priceScale: 6, quantity: { kind: 'count', min: 40, max: 220 }, regional: false, description: 'Datadog Infrastructure {label} host hours',
      variants: [single('Enterprise', 'Hosts', 0.031)],
    },
    logs: {
      key: 'logs', serviceName: 'Datadog Log Management', category: 'Management and Governance', subcategory: 'Observability', resourceType: null,
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 1, max: 80, scale: 3 }, regional: false, description: 'Datadog Log Management {label} ingestion',
      variants: [single('standard', 'Ingested Logs', 0.1)],
    },
  },
  azure: {
    vm: {
      key: 'vm', serviceName: 'Virtual Machines', category: 'Compute', subcategory: 'Virtual Machines', resourceType: 'Virtual machine',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: '{label} Linux virtual machine hours',
      variants: [
        vm('Standard_B2ms', 0.0832, 2, 8), vm('Standard_D2s_v5', 0.096, 2, 8), vm('Standard_D4s_v5', 0.192, 4, 16), vm('Standard_D8s_v5', 0.384, 8, 32),
        vm('Standard_E8s_v5', 0.504, 8, 64), vm('Standard_F16s_v2', 0.677, 16, 32), vm('Standard_NC6s_v3', 3.06, 6, 112, 'gpu'), vm('Standard_D16s_v5', 0.768, 16, 64, 'node'),
      ],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Compute/virtualMachines', `vm-${c.baseName}`)),
    },
    blockStorage: {
      key: 'blockStorage', serviceName: 'Managed Disks', category: 'Storage', subcategory: 'Block Storage', resourceType: 'Disk',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 64, maxGb: 2048 }, regional: true, description: '{label} managed disk storage',
      variants: [single('Premium SSD', 'Disk Storage', 0.132, { DiskType: 'Premium SSD' }), single('Standard SSD', 'Disk Storage', 0.075, { DiskType: 'Standard SSD' })],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Compute/disks', `disk-${c.baseName}`)),
    },
    objectStorage: {
      key: 'objectStorage', serviceName: 'Azure Blob Storage', category: 'Storage', subcategory: 'Object Storage', resourceType: 'Storage account',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 500, maxGb: 60_000 }, regional: true, description: 'Blob Storage {label} LRS data stored',
      variants: [single('Hot', 'Data Stored', 0.0184, { StorageClass: 'Hot' }), single('Cool', 'Data Stored', 0.01, { StorageClass: 'Cool' })],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Storage/storageAccounts', `st${compact(c.baseName, 14)}${c.random.hex(4)}`)),
    },
    sql: {
      key: 'sql', serviceName: 'Azure SQL Database', category: 'Databases', subcategory: 'Relational Databases', resourceType: 'SQL database',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'SQL Database {label} hours',
      variants: [single('General Purpose Gen5 4 vCore', 'vCore', 1.0096, { CoreCount: 4 }), single('Business Critical Gen5 4 vCore', 'vCore', 2.7168, { CoreCount: 4 })],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Sql/servers', `sql-${c.baseName}/databases/${compact(c.baseName, 20)}db`)),
    },
    nosql: {
      key: 'nosql', serviceName: 'Azure Cosmos DB', category: 'Databases', subcategory: 'NoSQL Databases', resourceType: 'Azure Cosmos DB account',
      pricingUnit: '100 RequestUnit-Hours', priceScale: 6, quantity: { kind: 'count', min: 4, max: 200 }, regional: true, description: 'Cosmos DB {label} throughput',
      variants: [single('provisioned', '100 RU/s', 0.008)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.DocumentDB/databaseAccounts', `cosmos-${c.baseName}`)),
    },
    serverless: {
      key: 'serverless', serviceName: 'Azure Functions', category: 'Compute', subcategory: 'Serverless Compute', resourceType: 'Function App',
      pricingUnit: 'GB-Seconds', priceScale: 10, quantity: { kind: 'count', min: 1000, max: 400_000 }, regional: true, description: 'Functions {label} execution time',
      variants: [single('Consumption', 'Execution Time', 0.000016)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Web/sites', `func-${c.baseName}`)),
    },
    k8sControl: {
      key: 'k8sControl', serviceName: 'Azure Kubernetes Service', category: 'Compute', subcategory: 'Containers', resourceType: 'Kubernetes service',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'AKS {label} tier cluster hours',
      variants: [single('Standard', 'Uptime SLA', 0.1)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.ContainerService/managedClusters', `aks-${c.baseName}`)),
    },
    cdn: {
      key: 'cdn', serviceName: 'Azure Front Door', category: 'Networking', subcategory: 'Content Delivery', resourceType: 'Front Door profile',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 120, scale: 3 }, regional: false, description: 'Front Door {label} data transfer out',
      variants: [single('Zone 1', 'Data Transfer Out', 0.083)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Cdn/profiles', `afd-${c.baseName}`)),
    },
    logs: {
      key: 'logs', serviceName: 'Azure Monitor', category: 'Management and Governance', subcategory: 'Observability', resourceType: 'Log Analytics workspace',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.02, max: 2, scale: 4 }, regional: true, description: 'Log Analytics {label} data ingestion',
      variants: [single('Analytics Logs', 'Data Ingestion', 2.3)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.OperationalInsights/workspaces', `log-${c.baseName}`)),
    },
    cache: {
      key: 'cache', serviceName: 'Azure Cache for Redis', category: 'Databases', subcategory: 'Caching', resourceType: 'Azure Cache for Redis',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Azure Cache for Redis {label} cache hours',
      variants: [single('C2 Standard', 'Cache Instance', 0.202), single('P1 Premium', 'Cache Instance', 0.554)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Cache/Redis', `redis-${c.baseName}`)),
    },
    warehouse: {
      key: 'warehouse', serviceName: 'Azure Synapse Analytics', category: 'Databases', subcategory: 'Data Warehouses', resourceType: 'Dedicated SQL pool',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Synapse dedicated SQL pool {label} hours',
      variants: [single('DW500c', 'Compute Optimized Gen2', 6)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Synapse/workspaces', `syn-${c.baseName}`)),
    },
    mlTraining: {
      key: 'mlTraining', serviceName: 'Azure Machine Learning', category: 'AI and Machine Learning', subcategory: 'Machine Learning', resourceType: 'Machine learning workspace',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Machine Learning compute {label} hours',
      variants: [single('NC6s v3', 'Compute Hours', 3.06, { InstanceType: 'Standard_NC6s_v3' })],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.MachineLearningServices/workspaces', `mlw-${c.baseName}`)),
    },
    genai: {
      key: 'genai', serviceName: 'Azure OpenAI', category: 'AI and Machine Learning', subcategory: 'Generative AI', resourceType: 'Azure OpenAI',
      pricingUnit: '1000 Tokens', priceScale: 6, quantity: { kind: 'count', min: 5, max: 1000 }, regional: true, description: 'Azure OpenAI gpt-4o {label} tokens',
      variants: [single('input', 'Input Tokens', 0.0025), single('output', 'Output Tokens', 0.01)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.CognitiveServices/accounts', `oai-${c.baseName}`)),
    },
    nat: {
      key: 'nat', serviceName: 'Azure NAT Gateway', category: 'Networking', subcategory: 'Network Connectivity', resourceType: 'NAT gateway',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'NAT Gateway {label} hours',
      variants: [single('Standard', 'Gateway Hours', 0.045)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Network/natGateways', `ng-${c.baseName}`)),
    },
    lb: {
      key: 'lb', serviceName: 'Application Gateway', category: 'Networking', subcategory: 'Application Networking', resourceType: 'Application gateway',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Application Gateway {label} fixed hours',
      variants: [single('Standard_v2', 'Fixed Cost', 0.246)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Network/applicationGateways', `agw-${c.baseName}`)),
    },
    threat: {
      key: 'threat', serviceName: 'Microsoft Defender for Cloud', category: 'Security', subcategory: 'Security Posture Management', resourceType: 'Defender plan',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 5, max: 60 }, regional: false, description: 'Defender for Servers {label} server hours',
      variants: [single('Plan 2', 'Protected Servers', 0.02)],
      resource: (c) => named(`/subscriptions/${c.accountId}/providers/Microsoft.Security/pricings/VirtualMachines`, 'VirtualMachines'),
    },
    secrets: {
      key: 'secrets', serviceName: 'Key Vault', category: 'Security', subcategory: 'Secret Management', resourceType: 'Key vault',
      pricingUnit: '10000 Requests', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 40, scale: 4 }, regional: true, description: 'Key Vault {label} operations',
      variants: [single('Standard', 'Operations', 0.03)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.KeyVault/vaults', `kv-${compact(c.baseName, 16)}${c.random.hex(3)}`)),
    },
    stream: {
      key: 'stream', serviceName: 'Event Hubs', category: 'Analytics', subcategory: 'Streaming Analytics', resourceType: 'Event Hubs namespace',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 1, max: 20 }, regional: true, description: 'Event Hubs {label} throughput unit hours',
      variants: [single('Standard', 'Throughput Unit', 0.03)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.EventHub/namespaces', `evh-${c.baseName}`)),
    },
    dataProcessing: {
      key: 'dataProcessing', serviceName: 'Azure Databricks', category: 'Analytics', subcategory: 'Data Processing', resourceType: 'Azure Databricks Service',
      pricingUnit: 'DBU-Hours', priceScale: 4, quantity: { kind: 'range', min: 1, max: 40, scale: 4 }, regional: true, description: 'Databricks {label} DBU hours',
      variants: [single('Premium Jobs Compute', 'DBU', 0.3)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.Databricks/workspaces', `dbw-${c.baseName}`)),
    },
    messaging: {
      key: 'messaging', serviceName: 'Service Bus', category: 'Integration', subcategory: 'Messaging', resourceType: 'Service Bus Namespace',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 1, max: 4 }, regional: true, description: 'Service Bus {label} messaging unit hours',
      variants: [single('Premium', 'Messaging Unit', 0.928)],
      resource: (c) => lastSegment(azureId(c, 'Microsoft.ServiceBus/namespaces', `sb-${c.baseName}`)),
    },
  },
  gcp: {
    vm: {
      key: 'vm', serviceName: 'Compute Engine', category: 'Compute', subcategory: 'Virtual Machines', resourceType: 'Instance',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: '{label} instance running in {region}',
      variants: [
        vm('e2-standard-4', 0.134012, 4, 16), vm('n2-standard-4', 0.194236, 4, 16), vm('n2-standard-8', 0.388472, 8, 32),
        vm('c3-standard-8', 0.41856, 8, 32), vm('n2-standard-16', 0.776944, 16, 64), vm('n2-highmem-8', 0.524072, 8, 64), vm('a2-highgpu-1g', 3.673385, 12, 85, 'gpu'),
        vm('e2-standard-16', 0.536048, 16, 64, 'node'),
      ],
      resource: (c) => named(gcpId('compute', c, `zones/${c.zone}/instances/${c.baseName}`), c.baseName),
    },
    blockStorage: {
      key: 'blockStorage', serviceName: 'Persistent Disk', category: 'Storage', subcategory: 'Block Storage', resourceType: 'Disk',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 50, maxGb: 2000 }, regional: true, description: '{label} capacity',
      variants: [single('SSD PD', 'Storage', 0.17, { DiskType: 'pd-ssd' }), single('Balanced PD', 'Storage', 0.1, { DiskType: 'pd-balanced' })],
      resource: (c) => named(gcpId('compute', c, `zones/${c.zone}/disks/${c.baseName}-disk`), `${c.baseName}-disk`),
    },
    objectStorage: {
      key: 'objectStorage', serviceName: 'Cloud Storage', category: 'Storage', subcategory: 'Object Storage', resourceType: 'Bucket',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 500, maxGb: 80_000 }, regional: true, description: '{label} Storage',
      variants: [
        single('Standard', 'Storage', 0.02, { StorageClass: 'Standard' }),
        single('Nearline', 'Storage', 0.01, { StorageClass: 'Nearline' }),
        single('Archive', 'Storage', 0.0012, { StorageClass: 'Archive' }),
      ],
      resource: (c) => {
        const bucket = `${c.accountId}-${c.baseName}-${c.random.hex(4)}`;
        return named(`//storage.googleapis.com/projects/_/buckets/${bucket}`, bucket);
      },
    },
    sql: {
      key: 'sql', serviceName: 'Cloud SQL', category: 'Databases', subcategory: 'Relational Databases', resourceType: 'Cloud SQL instance',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Cloud SQL for PostgreSQL {label} instance hours',
      variants: [single('4 vCPU 16 GB', 'Instance', 0.2772, { CoreCount: 4, MemorySize: 16 }), single('8 vCPU 32 GB', 'Instance', 0.5544, { CoreCount: 8, MemorySize: 32 })],
      resource: (c) => named(gcpId('cloudsql', c, `instances/${c.baseName}-pg`), `${c.baseName}-pg`),
    },
    nosql: {
      key: 'nosql', serviceName: 'Firestore', category: 'Databases', subcategory: 'NoSQL Databases', resourceType: 'Database',
      pricingUnit: '100000 Requests', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 40, scale: 2 }, regional: true, description: 'Firestore {label}',
      variants: [single('document reads', 'Read Ops', 0.03), single('document writes', 'Write Ops', 0.09)],
      resource: (c) => named(gcpId('firestore', c, `databases/${c.baseName}`), c.baseName),
    },
    serverless: {
      key: 'serverless', serviceName: 'Cloud Run', category: 'Compute', subcategory: 'Serverless Compute', resourceType: 'Service',
      pricingUnit: 'Core-Seconds', priceScale: 10, quantity: { kind: 'count', min: 2000, max: 300_000 }, regional: true, description: 'Cloud Run {label} CPU allocation time',
      variants: [single('tier 1', 'CPU Allocation Time', 0.000024)],
      resource: (c) => named(gcpId('run', c, `locations/${c.region.id}/services/${c.baseName}`), c.baseName),
    },
    k8sControl: {
      key: 'k8sControl', serviceName: 'Kubernetes Engine', category: 'Compute', subcategory: 'Containers', resourceType: 'Cluster',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'GKE {label} cluster management fee',
      variants: [single('Standard', 'Cluster Management', 0.1)],
      resource: (c) => named(gcpId('container', c, `locations/${c.region.id}/clusters/${c.baseName}`), c.baseName),
    },
    cdn: {
      key: 'cdn', serviceName: 'Cloud CDN', category: 'Networking', subcategory: 'Content Delivery', resourceType: 'Backend bucket',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 120, scale: 3 }, regional: false, description: 'Cloud CDN {label} cache egress',
      variants: [single('North America', 'Cache Egress', 0.08)],
      resource: (c) => named(gcpId('compute', c, `global/backendBuckets/${c.baseName}-cdn`), `${c.baseName}-cdn`),
    },
    logs: {
      key: 'logs', serviceName: 'Cloud Logging', category: 'Management and Governance', subcategory: 'Observability', resourceType: 'Log bucket',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.05, max: 4, scale: 4 }, regional: false, description: 'Cloud Logging {label} storage',
      variants: [single('log', 'Log Storage', 0.5)],
      resource: (c) => named(`//logging.googleapis.com/projects/${c.accountId}/locations/global/buckets/${c.baseName}`, c.baseName),
    },
    cache: {
      key: 'cache', serviceName: 'Memorystore for Redis', category: 'Databases', subcategory: 'Caching', resourceType: 'Instance',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Memorystore for Redis {label} instance hours',
      variants: [single('Standard M2', 'Capacity', 0.35)],
      resource: (c) => named(gcpId('redis', c, `locations/${c.region.id}/instances/${c.baseName}-redis`), `${c.baseName}-redis`),
    },
    warehouse: {
      key: 'warehouse', serviceName: 'BigQuery', category: 'Databases', subcategory: 'Data Warehouses', resourceType: 'Dataset',
      pricingUnit: 'TiB', priceScale: 2, quantity: { kind: 'range', min: 0.002, max: 1.5, scale: 6 }, regional: true, description: 'BigQuery {label} analysis',
      variants: [single('on-demand', 'Analysis', 6.25)],
      resource: (c) => named(gcpId('bigquery', c, `datasets/${c.baseName.replace(/-/g, '_')}`), c.baseName.replace(/-/g, '_')),
    },
    mlTraining: {
      key: 'mlTraining', serviceName: 'Vertex AI', category: 'AI and Machine Learning', subcategory: 'AI Platforms', resourceType: 'Endpoint',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'Vertex AI online prediction {label} node hours',
      variants: [single('n1-standard-8 with T4', 'Prediction Node', 1.08, { InstanceType: 'n1-standard-8' })],
      resource: (c) => named(gcpId('aiplatform', c, `locations/${c.region.id}/endpoints/${c.random.digits(19)}`), c.baseName),
    },
    genai: {
      key: 'genai', serviceName: 'Vertex AI', category: 'AI and Machine Learning', subcategory: 'AI Platforms', resourceType: 'Model',
      pricingUnit: '1000000 Tokens', priceScale: 4, quantity: { kind: 'range', min: 0.005, max: 0.8, scale: 4 }, regional: true, description: 'Gemini 2.5 Pro {label} tokens',
      variants: [single('input', 'Input Tokens', 1.25), single('output', 'Output Tokens', 10)],
      resource: (c) => named(gcpId('aiplatform', c, `locations/${c.region.id}/publishers/google/models/gemini-2.5-pro`), 'gemini-2.5-pro'),
    },
    nat: {
      key: 'nat', serviceName: 'Cloud NAT', category: 'Networking', subcategory: 'Network Connectivity', resourceType: 'Router',
      pricingUnit: 'GB', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 60, scale: 3 }, regional: true, description: 'Cloud NAT {label} data processing',
      variants: [single('gateway', 'Data Processing', 0.045)],
      resource: (c) => named(gcpId('compute', c, `regions/${c.region.id}/routers/${c.baseName}-nat`), `${c.baseName}-nat`),
    },
    lb: {
      key: 'lb', serviceName: 'Cloud Load Balancing', category: 'Networking', subcategory: 'Application Networking', resourceType: 'Forwarding rule',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: '{label} forwarding rule hours',
      variants: [single('Global external Application Load Balancer', 'Forwarding Rule', 0.025)],
      resource: (c) => named(gcpId('compute', c, `global/forwardingRules/${c.baseName}-lb`), `${c.baseName}-lb`),
    },
    threat: {
      key: 'threat', serviceName: 'Security Command Center', category: 'Security', subcategory: 'Security Posture Management', resourceType: 'Project',
      pricingUnit: 'Hours', priceScale: 6, quantity: { kind: 'count', min: 1, max: 1 }, regional: false, description: 'Security Command Center {label} tier',
      variants: [single('Premium', 'Project Subscription', 0.35)],
      resource: (c) => named(`//cloudresourcemanager.googleapis.com/projects/${c.accountId}`, c.accountId),
    },
    secrets: {
      key: 'secrets', serviceName: 'Secret Manager', category: 'Security', subcategory: 'Secret Management', resourceType: 'Secret',
      pricingUnit: '10000 Requests', priceScale: 4, quantity: { kind: 'range', min: 0.5, max: 30, scale: 4 }, regional: false, description: 'Secret Manager {label} operations',
      variants: [single('access', 'Access Operations', 0.03)],
      resource: (c) => named(gcpId('secretmanager', c, `secrets/${c.baseName}`), c.baseName),
    },
    stream: {
      key: 'stream', serviceName: 'Dataflow', category: 'Analytics', subcategory: 'Streaming Analytics', resourceType: 'Job',
      pricingUnit: 'Core-Hours', priceScale: 6, quantity: { kind: 'count', min: 4, max: 64 }, regional: true, description: 'Dataflow {label} vCPU time',
      variants: [single('streaming', 'Streaming vCPU', 0.069)],
      resource: (c) => named(gcpId('dataflow', c, `locations/${c.region.id}/jobs/${c.baseName}-stream`), `${c.baseName}-stream`),
    },
    dataProcessing: {
      key: 'dataProcessing', serviceName: 'Dataproc', category: 'Analytics', subcategory: 'Data Processing', resourceType: 'Cluster',
      pricingUnit: 'Core-Hours', priceScale: 6, quantity: { kind: 'count', min: 16, max: 256 }, regional: true, description: 'Dataproc {label} vCPU hours',
      variants: [single('standard', 'Licensing Fee', 0.01)],
      resource: (c) => named(gcpId('dataproc', c, `regions/${c.region.id}/clusters/${c.baseName}`), c.baseName),
    },
    messaging: {
      key: 'messaging', serviceName: 'Pub/Sub', category: 'Integration', subcategory: 'Messaging', resourceType: 'Topic',
      pricingUnit: 'TiB', priceScale: 2, quantity: { kind: 'range', min: 0.0005, max: 0.08, scale: 6 }, regional: false, description: 'Pub/Sub {label} message delivery',
      variants: [single('basic', 'Message Delivery', 40)],
      resource: (c) => named(gcpId('pubsub', c, `topics/${c.baseName}`), c.baseName),
    },
  },
  oci: {
    vm: {
      key: 'vm', serviceName: 'Compute', category: 'Compute', subcategory: 'Virtual Machines', resourceType: 'Instance',
      pricingUnit: 'OCPU-Hours', priceScale: 6, quantity: { kind: 'count', min: 2, max: 32 }, regional: true, description: 'Compute {label} OCPU hours',
      variants: [
        single('VM.Standard.E4.Flex', 'OCPU', 0.025, { InstanceType: 'VM.Standard.E4.Flex' }),
        single('VM.Standard.E5.Flex', 'OCPU', 0.03, { InstanceType: 'VM.Standard.E5.Flex' }),
        single('VM.Standard3.Flex', 'OCPU', 0.04, { InstanceType: 'VM.Standard3.Flex' }),
      ],
      resource: (c) => named(ocid('instance', c), c.baseName),
    },
    blockStorage: {
      key: 'blockStorage', serviceName: 'Block Volume', category: 'Storage', subcategory: 'Block Storage', resourceType: 'Volume',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 100, maxGb: 4000 }, regional: true, description: 'Block Volume {label} storage',
      variants: [single('Balanced', 'Storage', 0.0255, { DiskType: 'Balanced' })],
      resource: (c) => named(ocid('volume', c), `${c.baseName}-vol`),
    },
    objectStorage: {
      key: 'objectStorage', serviceName: 'Object Storage', category: 'Storage', subcategory: 'Object Storage', resourceType: 'Bucket',
      pricingUnit: 'GB-Months', priceScale: 4, quantity: { kind: 'storage', minGb: 500, maxGb: 80_000 }, regional: true, description: 'Object Storage {label} storage',
      variants: [single('Standard', 'Storage', 0.0255, { StorageClass: 'Standard' })],
      resource: (c) => named(ocid('bucket', c), `${c.baseName}-bucket`),
    },
    sql: {
      key: 'sql', serviceName: 'Autonomous Database', category: 'Databases', subcategory: 'Relational Databases', resourceType: 'Autonomous Database',
      pricingUnit: 'ECPU-Hours', priceScale: 6, quantity: { kind: 'count', min: 2, max: 16 }, regional: true, description: 'Autonomous {label} ECPU hours',
      variants: [single('Transaction Processing', 'ECPU', 0.336), single('Data Warehouse', 'ECPU', 0.336)],
      resource: (c) => named(ocid('autonomousdatabase', c), `${c.baseName}-adb`),
    },
    nat: {
      key: 'nat', serviceName: 'Networking', category: 'Networking', subcategory: 'Network Connectivity', resourceType: 'Virtual Circuit',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: 'FastConnect {label} port hours',
      variants: [single('1 Gbps', 'Port Hours', 0.2125)],
      resource: (c) => named(ocid('virtualcircuit', c), `${c.baseName}-fastconnect`),
    },
    lb: {
      key: 'lb', serviceName: 'Load Balancer', category: 'Networking', subcategory: 'Application Networking', resourceType: 'Load Balancer',
      pricingUnit: 'Hours', priceScale: 6, quantity: HOURLY, regional: true, description: '{label} load balancer base hours',
      variants: [single('Flexible', 'Load Balancer Base', 0.0113)],
      resource: (c) => named(ocid('loadbalancer', c), `${c.baseName}-lb`),
    },
  },
};

/** Which services a sub account runs, and how many resources of each at density 1. "gpuVm" is a vm of a GPU variant. */
export type ProfileKey = 'web' | 'payments' | 'data' | 'ml' | 'shared' | 'security' | 'sandbox' | 'erp' | 'observability';
export type ProfileEntry = readonly [ServiceKey | 'gpuVm', number];

export const PROFILES: Readonly<Record<ProfileKey, readonly ProfileEntry[]>> = {
  web: [['vm', 5], ['blockStorage', 4], ['objectStorage', 2], ['lb', 1], ['cdn', 1], ['sql', 1], ['cache', 1], ['logs', 1]],
  payments: [['vm', 5], ['blockStorage', 4], ['sql', 2], ['nosql', 1], ['cache', 1], ['serverless', 2], ['logs', 1], ['secrets', 1], ['lb', 1], ['messaging', 1]],
  data: [['warehouse', 1], ['objectStorage', 4], ['dataProcessing', 2], ['stream', 1], ['vm', 2], ['blockStorage', 2], ['messaging', 1], ['logs', 1]],
  ml: [['mlTraining', 2], ['gpuVm', 2], ['genai', 2], ['objectStorage', 2], ['serverless', 1], ['vm', 1]],
  shared: [['vm', 3], ['blockStorage', 2], ['nat', 2], ['logs', 2], ['lb', 1], ['objectStorage', 1], ['secrets', 1]],
  security: [['threat', 1], ['logs', 2], ['objectStorage', 1]],
  sandbox: [['vm', 2], ['blockStorage', 2], ['objectStorage', 1], ['serverless', 1]],
  erp: [['vm', 4], ['blockStorage', 4], ['sql', 2], ['objectStorage', 1], ['nat', 1], ['lb', 1]],
  // "monitoring" is the Datadog subscription bought through AWS Marketplace on the AWS account running this profile.
  observability: [['logs', 2], ['objectStorage', 1], ['monitoring', 1]],
};

export type Team = 'payments' | 'storefront' | 'mobile' | 'search' | 'identity' | 'data' | 'ml' | 'platform' | 'security' | 'finance-it';

export const TEAMS: Readonly<Record<Team, { costCenter: string; apps: readonly string[] }>> = {
  payments: { costCenter: 'cc-1100', apps: ['checkout-api', 'payment-gateway', 'fraud-scorer', 'ledger-service'] },
  storefront: { costCenter: 'cc-1200', apps: ['web-frontend', 'catalog-api', 'cart-service', 'cms'] },
  mobile: { costCenter: 'cc-1250', apps: ['mobile-bff', 'push-notifier'] },
  search: { costCenter: 'cc-1300', apps: ['search-indexer', 'query-api'] },
  identity: { costCenter: 'cc-1400', apps: ['auth-service', 'user-directory'] },
  data: { costCenter: 'cc-2100', apps: ['data-lake', 'etl-pipeline', 'bi-dashboards', 'event-stream'] },
  ml: { costCenter: 'cc-2200', apps: ['recommender', 'model-training', 'feature-store', 'llm-assistant'] },
  platform: { costCenter: 'cc-9000', apps: ['ingress', 'observability-stack', 'ci-runners', 'bastion'] },
  security: { costCenter: 'cc-9100', apps: ['siem-ingest', 'audit-trail'] },
  'finance-it': { costCenter: 'cc-3100', apps: ['erp-core', 'hr-payroll', 'general-ledger'] },
};

export type Environment = 'prod' | 'staging' | 'dev' | 'sandbox';

export interface SubAccountSpec {
  name: string;
  /** Display name; defaults to `name`. */
  displayName?: string;
  team: Team;
  env: Environment;
  profile: ProfileKey;
  region: string;
  /** Runs a shared Kubernetes cluster whose node costs are split across workloads. */
  cluster?: string;
}

export type BillingAccountIdFormat = 'aws' | 'azureEnrollment' | 'azureBillingProfile' | 'gcp' | 'oci';

export interface BillingAccountSpec {
  key: string;
  provider: CloudKey;
  name: string;
  type: string;
  idFormat: BillingAccountIdFormat;
  currency: 'USD' | 'EUR';
  /** Negotiated discount off list prices (ContractedUnitPrice = ListUnitPrice x (1 - discount)). */
  negotiatedDiscount: number;
  /** Sales tax or VAT rate applied to the account's charges. */
  taxRate: number;
  taxLabel: string;
  subAccountType: string;
  subAccounts: readonly SubAccountSpec[];
}

const sub = (name: string, team: Team, env: Environment, profile: ProfileKey, region: string, cluster?: string): SubAccountSpec => ({
  name,
  team,
  env,
  profile,
  region,
  cluster,
});

export const BILLING_ACCOUNTS: readonly BillingAccountSpec[] = [
  {
    key: 'aws-main', provider: 'aws', name: 'Acme Corp AWS Organization', type: 'Payer Account', idFormat: 'aws', currency: 'USD',
    negotiatedDiscount: 0.06, taxRate: 0.0625, taxLabel: 'Sales tax', subAccountType: 'Linked Account',
    subAccounts: [
      sub('payments-prod', 'payments', 'prod', 'payments', 'us-east-1'),
      sub('payments-staging', 'payments', 'staging', 'payments', 'us-east-1'),
      sub('storefront-prod', 'storefront', 'prod', 'web', 'us-east-1', 'storefront-eks'),
      sub('storefront-dev', 'storefront', 'dev', 'web', 'us-west-2'),
      sub('mobile-api-prod', 'mobile', 'prod', 'web', 'us-east-1'),
      sub('search-prod', 'search', 'prod', 'web', 'us-west-2'),
      sub('identity-prod', 'identity', 'prod', 'payments', 'us-east-1'),
      sub('shared-services', 'platform', 'prod', 'shared', 'us-east-1', 'prod-shared-eks'),
      sub('network-hub', 'platform', 'prod', 'shared', 'us-east-1'),
      sub('observability', 'platform', 'prod', 'observability', 'us-east-1'),
      sub('security-audit', 'security', 'prod', 'security', 'us-east-1'),
      sub('log-archive', 'security', 'prod', 'security', 'eu-west-1'),
      sub('sandbox-alice', 'platform', 'sandbox', 'sandbox', 'us-west-2'),
      sub('sandbox-bob', 'storefront', 'sandbox', 'sandbox', 'eu-central-1'),
    ],
  },
  {
    key: 'aws-data', provider: 'aws', name: 'Acme Data Platform AWS Organization', type: 'Payer Account', idFormat: 'aws', currency: 'USD',
    negotiatedDiscount: 0.03, taxRate: 0.0625, taxLabel: 'Sales tax', subAccountType: 'Linked Account',
    subAccounts: [
      sub('data-lake-prod', 'data', 'prod', 'data', 'us-east-1'),
      sub('data-lake-dev', 'data', 'dev', 'data', 'us-east-1'),
      sub('ml-training', 'ml', 'dev', 'ml', 'us-west-2'),
      sub('ml-inference-prod', 'ml', 'prod', 'ml', 'us-east-1'),
      sub('analytics-bi', 'data', 'prod', 'data', 'eu-west-1'),
      sub('streaming-prod', 'data', 'prod', 'data', 'us-east-1'),
      sub('data-sandbox', 'data', 'sandbox', 'sandbox', 'us-west-2'),
    ],
  },
  {
    key: 'azure-ea', provider: 'azure', name: 'Acme Corp Enterprise Agreement', type: 'Billing Account', idFormat: 'azureEnrollment', currency: 'USD',
    negotiatedDiscount: 0.04, taxRate: 0.06, taxLabel: 'Sales tax', subAccountType: 'Subscription',
    subAccounts: [
      sub('corp-it-prod', 'finance-it', 'prod', 'shared', 'eastus'),
      sub('payments-azure-prod', 'payments', 'prod', 'payments', 'eastus2'),
      sub('storefront-cdn-prod', 'storefront', 'prod', 'web', 'eastus'),
      sub('data-warehouse-prod', 'data', 'prod', 'data', 'eastus2'),
      sub('ml-openai-prod', 'ml', 'prod', 'ml', 'eastus'),
      sub('identity-entra-prod', 'identity', 'prod', 'security', 'eastus'),
      sub('dev-test-shared', 'platform', 'dev', 'shared', 'westus2', 'devtest-aks'),
      sub('sandbox-carol', 'ml', 'sandbox', 'sandbox', 'westus2'),
      sub('analytics-databricks', 'data', 'prod', 'data', 'eastus2'),
    ],
  },
  {
    key: 'azure-eu', provider: 'azure', name: 'Acme Europe GmbH', type: 'Billing Profile', idFormat: 'azureBillingProfile', currency: 'EUR',
    negotiatedDiscount: 0, taxRate: 0.19, taxLabel: 'VAT', subAccountType: 'Subscription',
    subAccounts: [
      sub('eu-storefront-prod', 'storefront', 'prod', 'web', 'germanywestcentral', 'eu-storefront-aks'),
      sub('eu-payments-prod', 'payments', 'prod', 'payments', 'westeurope'),
      sub('eu-data-prod', 'data', 'prod', 'data', 'westeurope'),
      sub('eu-dev-sandbox', 'storefront', 'sandbox', 'sandbox', 'northeurope'),
    ],
  },
  {
    key: 'gcp-main', provider: 'gcp', name: 'Acme Corp GCP Billing', type: 'Billing Account', idFormat: 'gcp', currency: 'USD',
    negotiatedDiscount: 0.05, taxRate: 0.0625, taxLabel: 'Sales tax', subAccountType: 'Project',
    subAccounts: [
      sub('acme-ml-research', 'ml', 'dev', 'ml', 'us-central1'),
      sub('acme-ml-serving', 'ml', 'prod', 'ml', 'us-central1'),
      sub('acme-bigquery-analytics', 'data', 'prod', 'data', 'us-central1'),
      sub('acme-payments-risk', 'payments', 'prod', 'payments', 'us-east4'),
      sub('acme-web-prod', 'storefront', 'prod', 'web', 'us-central1'),
      sub('acme-gke-shared', 'platform', 'prod', 'shared', 'us-central1', 'gke-shared'),
      sub('acme-security-logs', 'security', 'prod', 'security', 'us-central1'),
    ],
  },
  {
    key: 'gcp-labs', provider: 'gcp', name: 'Acme Labs GCP Billing', type: 'Billing Account', idFormat: 'gcp', currency: 'USD',
    negotiatedDiscount: 0, taxRate: 0.0625, taxLabel: 'Sales tax', subAccountType: 'Project',
    subAccounts: [
      sub('acme-labs-genai', 'ml', 'dev', 'ml', 'us-central1'),
      sub('acme-labs-data', 'data', 'dev', 'data', 'europe-west1'),
      sub('acme-labs-sandbox', 'ml', 'sandbox', 'sandbox', 'us-central1'),
    ],
  },
  {
    key: 'oci', provider: 'oci', name: 'Acme Corp OCI Tenancy', type: 'Tenancy', idFormat: 'oci', currency: 'USD',
    negotiatedDiscount: 0.1, taxRate: 0.0625, taxLabel: 'Sales tax', subAccountType: 'Compartment',
    subAccounts: [
      sub('erp-prod', 'finance-it', 'prod', 'erp', 'us-ashburn-1'),
      sub('erp-dev', 'finance-it', 'dev', 'erp', 'us-phoenix-1'),
      sub('oracle-db-prod', 'finance-it', 'prod', 'erp', 'us-ashburn-1'),
      sub('oci-network', 'platform', 'prod', 'shared', 'us-ashburn-1'),
      sub('oci-shared-infra', 'platform', 'prod', 'shared', 'eu-frankfurt-1'),
    ],
  },
];

/** Workloads that run on the shared Kubernetes clusters and receive split-allocated node costs. */
export const WORKLOADS: readonly { namespace: string; workload: string; team: Team }[] = [
  { namespace: 'payments', workload: 'checkout-api', team: 'payments' },
  { namespace: 'payments', workload: 'payment-gateway', team: 'payments' },
  { namespace: 'payments', workload: 'fraud-scorer', team: 'payments' },
  { namespace: 'storefront', workload: 'web-frontend', team: 'storefront' },
  { namespace: 'storefront', workload: 'catalog-api', team: 'storefront' },
  { namespace: 'search', workload: 'search-indexer', team: 'search' },
  { namespace: 'search', workload: 'query-api', team: 'search' },
  { namespace: 'identity', workload: 'auth-service', team: 'identity' },
  { namespace: 'data', workload: 'airflow-worker', team: 'data' },
  { namespace: 'ml', workload: 'feature-store', team: 'ml' },
  { namespace: 'mobile', workload: 'mobile-bff', team: 'mobile' },
  { namespace: 'platform', workload: 'ingress-nginx', team: 'platform' },
];

/** Split ratios (hundredths) of one node hour: allocated workloads, and an unallocated remainder when `idle`. */
export const SPLIT_PATTERNS: readonly { ratios: readonly number[]; idle: boolean }[] = [
  { ratios: [50, 30, 20], idle: false },
  { ratios: [40, 25, 20, 15], idle: false },
  { ratios: [45, 35, 20], idle: true },
  { ratios: [60, 25, 15], idle: true },
  { ratios: [35, 35, 30], idle: false },
];

export type CommitmentScope =
  /** Covers the listed services anywhere in the billing account. */
  | { kind: 'services'; services: readonly ServiceKey[] }
  /** Covers the most common plain instance type and region of the service in the billing account. */
  | { kind: 'topInstanceType'; service: ServiceKey };

export interface CommitmentDiscountSpec {
  billingAccountKey: string;
  ownerSubAccount: string;
  idFormat: 'awsSavingsPlan' | 'awsEc2Reservation' | 'awsRdsReservation' | 'azureReservation' | 'azureSavingsPlan' | 'gcpCommitment' | 'gcpFlexCommitment';
  type: string;
  category: 'Spend' | 'Usage';
  name: string;
  /** ServiceName and category of purchase and unused rows of spend commitments (usage commitments use the covered service). */
  service?: { serviceName: string; category: string; subcategory: string };
  scope: CommitmentScope;
  /** Share of the list cost that covered usage costs after amortization. */
  effectiveRate: number;
  payment: 'Recurring' | 'One-Time';
  /** One-time purchases happen inside the data window, this many days after the first day. */
  purchaseDay?: number;
  termYears: number;
  /** Spend commitments: amount per hour in the billing currency. Usage commitments: number of instances. */
  size: number;
}

const SAVINGS_PLANS_SERVICE = { serviceName: 'Savings Plans for AWS Compute usage', category: 'Compute', subcategory: 'Other (Compute)' };

/** Ordered by precedence: a resource is covered by the first commitment whose scope includes it. */
export const COMMITMENT_DISCOUNTS: readonly CommitmentDiscountSpec[] = [
  {
    billingAccountKey: 'aws-main', ownerSubAccount: 'shared-services', idFormat: 'awsEc2Reservation', type: 'Reserved Instance', category: 'Usage',
    name: 'EC2 Standard RI 1yr No Upfront', scope: { kind: 'topInstanceType', service: 'vm' }, effectiveRate: 0.6, payment: 'Recurring', termYears: 1, size: 12,
  },
  {
    billingAccountKey: 'aws-main', ownerSubAccount: 'shared-services', idFormat: 'awsRdsReservation', type: 'Reserved Instance', category: 'Usage',
    name: 'RDS PostgreSQL RI 1yr All Upfront', scope: { kind: 'topInstanceType', service: 'sql' }, effectiveRate: 0.58, payment: 'One-Time', purchaseDay: 20,
    termYears: 1, size: 4,
  },
  {
    billingAccountKey: 'aws-main', ownerSubAccount: 'shared-services', idFormat: 'awsSavingsPlan', type: 'Savings Plan', category: 'Spend',
    name: 'Compute Savings Plan 3yr No Upfront', service: SAVINGS_PLANS_SERVICE, scope: { kind: 'services', services: ['vm', 'serverless'] },
    effectiveRate: 0.66, payment: 'Recurring', termYears: 3, size: 4.5,
  },
  {
    billingAccountKey: 'aws-data', ownerSubAccount: 'data-lake-prod', idFormat: 'awsSavingsPlan', type: 'Savings Plan', category: 'Spend',
    name: 'EC2 Instance Savings Plan 1yr All Upfront', service: SAVINGS_PLANS_SERVICE, scope: { kind: 'services', services: ['vm'] },
    effectiveRate: 0.7, payment: 'One-Time', purchaseDay: 35, termYears: 1, size: 1.6,
  },
  {
    billingAccountKey: 'azure-ea', ownerSubAccount: 'corp-it-prod', idFormat: 'azureReservation', type: 'Reservation', category: 'Usage',
    name: 'VM Reserved Instances 1yr Monthly', scope: { kind: 'topInstanceType', service: 'vm' }, effectiveRate: 0.6, payment: 'Recurring', termYears: 1, size: 8,
  },
  {
    billingAccountKey: 'azure-ea', ownerSubAccount: 'corp-it-prod', idFormat: 'azureSavingsPlan', type: 'Savings Plan', category: 'Spend',
    name: 'Azure Savings Plan for Compute 3yr', service: { serviceName: 'Azure Savings Plan for Compute', category: 'Compute', subcategory: 'Other (Compute)' },
    scope: { kind: 'services', services: ['vm', 'serverless'] }, effectiveRate: 0.72, payment: 'Recurring', termYears: 3, size: 1.8,
  },
  {
    billingAccountKey: 'azure-eu', ownerSubAccount: 'eu-storefront-prod', idFormat: 'azureReservation', type: 'Reservation', category: 'Usage',
    name: 'VM Reserved Instances 3yr Upfront', scope: { kind: 'topInstanceType', service: 'vm' }, effectiveRate: 0.45, payment: 'One-Time', purchaseDay: 50,
    termYears: 3, size: 6,
  },
  {
    billingAccountKey: 'gcp-main', ownerSubAccount: 'acme-gke-shared', idFormat: 'gcpCommitment', type: 'Committed Use Discount', category: 'Usage',
    name: 'Resource-based CUD 1yr', scope: { kind: 'topInstanceType', service: 'vm' }, effectiveRate: 0.63, payment: 'Recurring', termYears: 1, size: 10,
  },
  {
    billingAccountKey: 'gcp-main', ownerSubAccount: 'acme-gke-shared', idFormat: 'gcpFlexCommitment', type: 'Committed Use Discount', category: 'Spend',
    name: 'Compute Flexible CUD 3yr', service: { serviceName: 'Compute Engine Flexible CUD', category: 'Compute', subcategory: 'Other (Compute)' },
    scope: { kind: 'services', services: ['vm', 'serverless'] }, effectiveRate: 0.72, payment: 'Recurring', termYears: 3, size: 1.2,
  },
];

/** On-demand capacity reservations backing some production instances. */
export const CAPACITY_RESERVATIONS: readonly { billingAccountKey: string; subAccountName: string; instanceType: string; count: number }[] = [
  { billingAccountKey: 'aws-main', subAccountName: 'payments-prod', instanceType: 'm6i.2xlarge', count: 4 },
  { billingAccountKey: 'aws-main', subAccountName: 'storefront-prod', instanceType: 'c6i.xlarge', count: 6 },
];

export type ContractIdFormat = 'awsPrivatePricing' | 'azureMacc' | 'gcpCommit' | 'ociUniversalCredits' | 'marketplaceOffer';

export interface ContractCommitmentSpec {
  /** Which cost rows draw the commitment down. */
  appliesTo: { provider: ProviderKey; billingAccountKey: string; services?: readonly ServiceKey[] };
  idSuffix: string;
  type: string;
  category: 'Spend' | 'Usage';
  description: string;
  /** Spend commitments: amount in the billing currency. */
  cost?: number;
  /** Usage commitments: quantity in `unit`, which is also the PricingUnit of the covered rows. */
  quantity?: number;
  unit?: string;
  /** Commitment period in months relative to the first month of data. */
  periodMonths: readonly [number, number];
}

export interface ContractSpec {
  billingAccountKey: string;
  idFormat: ContractIdFormat;
  /** Contract term in months relative to the first month of data. */
  periodMonths: readonly [number, number];
  commitments: readonly ContractCommitmentSpec[];
}

export const CONTRACTS: readonly ContractSpec[] = [
  {
    billingAccountKey: 'aws-main', idFormat: 'awsPrivatePricing', periodMonths: [-6, 30],
    commitments: [
      {
        appliesTo: { provider: 'aws', billingAccountKey: 'aws-main' }, idSuffix: 'spend-y1', type: 'Enterprise Discount Program', category: 'Spend',
        description: 'EDP year 1 minimum spend commitment', cost: 3_600_000, periodMonths: [-6, 6],
      },
      {
        appliesTo: { provider: 'aws', billingAccountKey: 'aws-main', services: ['cdn'] }, idSuffix: 'cloudfront-dto', type: 'Private Pricing Usage Commitment',
        category: 'Usage', description: 'CloudFront data transfer out volume commitment', quantity: 2_500_000, unit: 'GB', periodMonths: [-6, 6],
      },
    ],
  },
  {
    billingAccountKey: 'azure-ea', idFormat: 'azureMacc', periodMonths: [-3, 33],
    commitments: [
      {
        appliesTo: { provider: 'azure', billingAccountKey: 'azure-ea' }, idSuffix: 'macc', type: 'Microsoft Azure Consumption Commitment', category: 'Spend',
        description: 'Azure consumption commitment over the agreement term', cost: 1_800_000, periodMonths: [-3, 33],
      },
    ],
  },
  {
    billingAccountKey: 'gcp-main', idFormat: 'gcpCommit', periodMonths: [0, 12],
    commitments: [
      {
        appliesTo: { provider: 'gcp', billingAccountKey: 'gcp-main' }, idSuffix: 'spend', type: 'Committed Spend', category: 'Spend',
        description: 'Google Cloud annual committed spend', cost: 900_000, periodMonths: [0, 12],
      },
    ],
  },
  {
    billingAccountKey: 'oci', idFormat: 'ociUniversalCredits', periodMonths: [-2, 10],
    commitments: [
      {
        appliesTo: { provider: 'oci', billingAccountKey: 'oci' }, idSuffix: 'annual-credits', type: 'Universal Credits', category: 'Spend',
        description: 'Oracle Universal Credits annual commitment', cost: 420_000, periodMonths: [-2, 10],
      },
    ],
  },
  {
    billingAccountKey: 'aws-main', idFormat: 'marketplaceOffer', periodMonths: [-1, 11],
    commitments: [
      {
        appliesTo: { provider: 'datadog', billingAccountKey: 'aws-main' }, idSuffix: 'datadog', type: 'Marketplace Private Offer', category: 'Spend',
        description: 'Datadog annual committed spend via AWS Marketplace private offer', cost: 150_000, periodMonths: [-1, 11],
      },
    ],
  },
];

/** Chargeback families: whole billing accounts, plus sub accounts of the listed teams in billing accounts no family claims. */
export const FAMILIES: readonly { name: string; description: string; billingAccountKeys: readonly string[]; teams: readonly Team[] }[] = [
  { name: 'Payments', description: 'Checkout, payment processing and fraud detection across all clouds.', billingAccountKeys: [], teams: ['payments'] },
  {
    name: 'Digital Storefront',
    description: 'Customer-facing web, mobile and search experiences.',
    billingAccountKeys: [],
    teams: ['storefront', 'mobile', 'search'],
  },
  {
    name: 'Data and Machine Learning',
    description: 'Data lake, analytics, model training and generative AI, including the whole Acme Labs GCP billing account.',
    billingAccountKeys: ['gcp-labs'],
    teams: ['data', 'ml'],
  },
  {
    name: 'Corporate Systems',
    description: 'ERP, HR and finance systems: the whole OCI tenancy and corporate IT subscriptions.',
    billingAccountKeys: ['oci'],
    teams: ['finance-it'],
  },
];
