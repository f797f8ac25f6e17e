/** Reading ingest batches and their conformance findings (for the CLI now, the API later). */
import type { PrismaClient } from '../db/client.ts';

export function listBatches(prisma: PrismaClient) {
  return prisma.ingestBatch.findMany({ orderBy: { id: 'asc' }, include: { _count: { select: { findings: true } } } });
}

export function getBatch(prisma: PrismaClient, id: number) {
  return prisma.ingestBatch.findUnique({ where: { id }, include: { findings: { orderBy: [{ severity: 'asc' }, { count: 'desc' }] } } });
}
