/**
 * Destinations of the sample. SAMPLE_PREFIX lets tests run it on shared brokers without
 * colliding with other runs.
 */
const prefix = process.env.SAMPLE_PREFIX ?? 'sample';

export const QUEUES = {
  orders: `/queue/${prefix}.orders`,
  invoices: `/queue/${prefix}.invoices`,
  prices: `/queue/${prefix}.prices`,
  audit: `/topic/${prefix}.audit`,
} as const;
