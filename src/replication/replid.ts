/**
 * Replication IDs: 40 random hex characters naming a replication history
 * (Redis's server.replid / replid2), plus the all-zero "no ID" value.
 */
import * as crypto from 'node:crypto';

/** Length of a replication ID (CONFIG_RUN_ID_SIZE). */
export const REPLID_LENGTH = 40;

/** The cleared secondary ID: forty '0' characters. */
export const NULL_REPLID = '0'.repeat(REPLID_LENGTH);

/** A fresh random replication ID. */
export function randomReplId(): string {
  return crypto.randomBytes(REPLID_LENGTH / 2).toString('hex');
}

/** Whether s looks like a replication ID (40 hex chars). */
export function isReplId(s: string): boolean {
  return s.length === REPLID_LENGTH && /^[0-9a-fA-F]+$/.test(s);
}
