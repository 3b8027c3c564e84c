/**
 * Starts the phone simulator in its own process (bench/lib/simulator-process.ts), so the server
 * and the client under test do not share one event loop, and reads what CPU it spends.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { LinkPreset } from '../../src/simulator/link';

export interface SimulatedPhoneSpec {
  name: string;
  udid?: string;
  link?: LinkPreset;
  latencyMs?: number;
}

export interface SimulatorProcess {
  /** The USBMUXD_SOCKET_ADDRESS of the simulated usbmuxd. */
  address: string;
  /** Each phone's UDID by its spec name. */
  udids: Record<string, string>;
  pid: number;
  /** CPU seconds (user + system) the simulator has used so far; undefined where /proc is missing. */
  cpuSeconds(): number | undefined;
  /** Closes the simulator; resolves when its process has exited. */
  stop(): Promise<void>;
}

export async function startSimulatorProcess(
  cameraRoll: string,
  phones: SimulatedPhoneSpec[],
): Promise<SimulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('bench/lib/simulator-process.ts'), JSON.stringify({ cameraRoll, phones })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const pid = child.pid!;
  return {
    ...(JSON.parse(line) as { address: string; udids: Record<string, string> }),
    pid,
    cpuSeconds: () => processCpuSeconds(pid),
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * CPU seconds (user + system) a process, or one of its threads (`tid`), has used so far, from
 * /proc (Linux); undefined elsewhere. A process's main thread has tid = pid.
 */
export function processCpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}
