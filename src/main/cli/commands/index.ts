import type { Command } from '../command';
import { serveCommand } from './serve';

/** Every `rollkeeper` command, in the order `--help` lists them. Add only commands that work. */
export const commands: Command[] = [serveCommand];
