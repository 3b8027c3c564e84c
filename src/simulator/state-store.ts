import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodePlistDict, encodePlist, type PlistDict } from '../main/device/plist';

/**
 * The simulator's persistent state, laid out like Linux usbmuxd's /var/lib/lockdown:
 * `SystemConfiguration.plist` (the host's SystemBUID) and `<UDID>.plist` pair records, plus
 * `phone-<UDID>.plist`: what the simulated phone itself remembers (its key, trusted hosts).
 * Pair records hold private keys: they are written here with mode 0600 and nowhere else.
 */
export class StateStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The host's SystemBUID, made once and kept. */
  systemBuid(): string {
    const file = path.join(this.dir, 'SystemConfiguration.plist');
    const existing = this.read(file);
    if (existing && typeof existing.SystemBUID === 'string') return existing.SystemBUID;
    const buid = randomUUID().toUpperCase();
    this.write(file, { SystemBUID: buid });
    return buid;
  }

  readPairRecord(udid: string): Buffer | undefined {
    try {
      return readFileSync(this.pairRecordFile(udid));
    } catch {
      return undefined;
    }
  }

  /** Stores the record as sent (validated as a plist dictionary first). */
  savePairRecord(udid: string, data: Buffer): void {
    decodePlistDict(data);
    this.writeRaw(this.pairRecordFile(udid), data);
  }

  deletePairRecord(udid: string): boolean {
    const file = this.pairRecordFile(udid);
    const existed = this.readPairRecord(udid) !== undefined;
    rmSync(file, { force: true });
    return existed;
  }

  readPhone(udid: string): PlistDict | undefined {
    return this.read(path.join(this.dir, `phone-${safeName(udid)}.plist`));
  }

  writePhone(udid: string, state: PlistDict): void {
    this.write(path.join(this.dir, `phone-${safeName(udid)}.plist`), state);
  }

  private pairRecordFile(udid: string): string {
    return path.join(this.dir, `${safeName(udid)}.plist`);
  }

  private read(file: string): PlistDict | undefined {
    try {
      return decodePlistDict(readFileSync(file));
    } catch {
      return undefined;
    }
  }

  private write(file: string, value: PlistDict): void {
    this.writeRaw(file, encodePlist(value));
  }

  private writeRaw(file: string, data: Buffer): void {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
  }
}

/** A UDID from a client becomes a file name: refuse anything that could climb out of the folder. */
function safeName(udid: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(udid)) throw new Error(`"${udid.slice(0, 80)}" is not a UDID`);
  return udid;
}
