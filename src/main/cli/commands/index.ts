import type { Command } from '../command';
import { devicesCommand } from './devices';
import { serveCommand } from './serve';
import { simulateCommand } from './simulate';
import { makeCameraRollCommand } from './make-camera-roll';
import { scanCommand } from './scan';
import { backupCommand } from './backup';
import { statusCommand } from './status';
import { verifyCommand } from './verify';

/** Every `rollkeeper` command, in the order `--help` lists them. Add only commands that work. */
export const commands: Command[] = [
  serveCommand,
  devicesCommand,
  simulateCommand,
  makeCameraRollCommand,
  scanCommand,
  backupCommand,
  statusCommand,
  verifyCommand,
];
