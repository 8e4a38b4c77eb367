/** String commands. */
import { cmd, type CommandSpec } from './spec';
import { readString } from './util';

/** String command specs. */
export const stringCommands: CommandSpec[] = [
  cmd('get', 2, 'readonly fast', 1, 1, 1, (c, argv) => c.reply.bulkOrNull(readString(c, argv[1]))),
  cmd('set', -3, 'write denyoom', 1, 1, 1, (c, argv) => {
    c.db.set(argv[1], argv[2]);
    c.server.dirty++;
    c.reply.ok();
  }),
];
