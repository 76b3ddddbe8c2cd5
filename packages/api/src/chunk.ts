/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** gRPC message limit libxmtp and the node use (25 MiB). */
export const MAX_GRPC_MESSAGE_BYTES = 25 * 1024 * 1024;
/**
 * Welcomes per SendWelcomeMessages request at most: libxmtp 1.5.4 chunks by bytes only (a
 * 100-member group is one request, 249 members two), 1.9.1 also caps at 50; we take the fewer
 * calls, bounded by libxmtp's largest group size (400).
 */
export const MAX_WELCOMES_PER_REQUEST = 400;

/**
 * How many welcomes of `largestBytes` each fit one request (libxmtp's `send_welcomes`:
 * 25 MiB divided by the size of one welcome, at least 1 and at most MAX_WELCOMES_PER_REQUEST).
 */
export function welcomeChunkSize(largestBytes: number): number {
  const fit = Math.floor(MAX_GRPC_MESSAGE_BYTES / Math.max(1, largestBytes));
  return Math.min(MAX_WELCOMES_PER_REQUEST, Math.max(1, fit));
}
