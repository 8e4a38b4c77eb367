/** The replica side of replication (see replica-side.ts for the map of this folder). */
export { ReplicaSide } from './replica-side';
export { MasterLink } from './master-link';
export type { CachedMaster, ReplState } from './states';
