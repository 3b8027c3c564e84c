/**
 * Runs the phone simulator in its own process for benchmarks, so the server and the client under
 * test do not share one event loop. Argument: JSON `{ cameraRoll, phones: [{ name, link?, latencyMs? }] }`.
 * Prints one JSON line `{ address, udids: { name: udid } }` when ready; exits when stdin closes.
 */
import { PhoneSimulator } from '../../src/simulator/phone-simulator';
import type { LinkPreset } from '../../src/simulator/link';

interface Spec {
  cameraRoll: string;
  phones: Array<{ name: string; udid?: string; link?: LinkPreset; latencyMs?: number }>;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
  const sim = await PhoneSimulator.start();
  const udids: Record<string, string> = {};
  for (const phone of spec.phones) {
    const added = sim.addPhone({
      cameraRoll: spec.cameraRoll,
      udid: phone.udid,
      name: phone.name,
      link: phone.link,
      latencyMs: phone.latencyMs,
    });
    udids[phone.name] = added.udid;
  }
  process.stdout.write(`${JSON.stringify({ address: sim.address, udids })}\n`);
  const stop = (): void => void sim.close().then(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

void main();
