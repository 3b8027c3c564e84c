/** Finding the phone to back up among the ones a DeviceWatcher sees. */
import type { DeviceSession } from '../device/device-session';
import type { DeviceWatcher } from '../device/device-watcher';
import { NoPhoneReadyError } from './errors';
import { delay } from './phone-files';

/**
 * Waits up to `waitMs` for the phone to be ready: the one with `udid`, or the only one attached.
 * Throws NoPhoneReadyError saying what the phone is waiting for (unlock, Trust), or naming the
 * phones when several are attached and none was chosen.
 */
export async function pickReadyPhone(
  watcher: DeviceWatcher,
  options: { udid?: string; waitMs: number; signal?: AbortSignal },
): Promise<DeviceSession> {
  const deadline = performance.now() + options.waitMs;
  for (;;) {
    const attached = watcher.sessions().filter((s) => s.connected && (!options.udid || s.udid === options.udid));
    const ready = attached.filter((s) => s.state === 'ready');
    if (ready.length > 1 && !options.udid) {
      throw new NoPhoneReadyError(
        `Several iPhones are attached: ${ready.map((s) => `${s.info.name || 'iPhone'} (${s.udid})`).join(', ')}.`,
        'Choose one with --udid.',
      );
    }
    // With several attached and one not yet ready, wait a moment: it may become ready too.
    if (ready.length === 1 && (attached.length === 1 || performance.now() >= deadline)) return ready[0]!;
    if (performance.now() >= deadline) {
      const waiting = attached[0];
      if (waiting)
        throw new NoPhoneReadyError(
          `The iPhone ${waiting.info.name || waiting.udid} is not ready: ${waiting.info.message || waiting.state}`,
        );
      throw new NoPhoneReadyError(
        options.udid ? `No iPhone with UDID ${options.udid} is attached.` : 'No iPhone is attached.',
      );
    }
    await delay(50, options.signal);
  }
}
