/**
 * Attach the subsystems (persistence, replication, pub/sub) to a Server.
 * Each subsystem registers its hooks, cron tasks and propagation sinks.
 */
import type { Server } from './server';
import { installReplication } from '../replication/index';
import { installPubSub } from './pubsub';
import { installPersistence } from '../persistence/persistence';

/** Subsystem installers, run in order before start(). */
export const installers: Array<(server: Server) => void> = [];
installers.push(installReplication);
installers.push(installPubSub);
installers.push(installPersistence);

/** Install every subsystem on a server. */
export function installSubsystems(server: Server): void {
  for (const install of installers) install(server);
}
