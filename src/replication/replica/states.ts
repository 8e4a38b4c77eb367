/** The replica's states with Redis's repl_state names, read directly by INFO and ROLE. */

/** Redis's repl_state names. */
export type ReplState =
  | 'none'
  | 'connect'
  | 'connecting'
  | 'receive_ping_reply'
  | 'send_handshake'
  | 'receive_auth_reply'
  | 'receive_port_reply'
  | 'receive_ip_reply'
  | 'receive_capa_reply'
  | 'send_psync'
  | 'receive_psync_reply'
  | 'transfer'
  | 'connected';

const HANDSHAKE_STATES = new Set<ReplState>([
  'receive_ping_reply',
  'send_handshake',
  'receive_auth_reply',
  'receive_port_reply',
  'receive_ip_reply',
  'receive_capa_reply',
  'send_psync',
  'receive_psync_reply',
]);

/** Whether the state is one of the handshake states (ROLE says "handshake"). */
export function isHandshakeState(state: ReplState): boolean {
  return HANDSHAKE_STATES.has(state);
}

/** ROLE's replica state word. */
export function roleStateWord(state: ReplState): string {
  if (isHandshakeState(state)) return 'handshake';
  switch (state) {
    case 'none':
      return 'none';
    case 'connect':
      return 'connect';
    case 'connecting':
      return 'connecting';
    case 'transfer':
      return 'sync';
    case 'connected':
      return 'connected';
    default:
      return 'unknown';
  }
}

/** The state of a master we lost, kept to PSYNC from where we stopped. */
export interface CachedMaster {
  replid: string;
  reploff: number;
  readReploff: number;
  /** the db its stream had selected (-1: any, the stream starts with SELECT) */
  db: number;
  preSync: boolean;
}
