/**
 * The recycling reader (AfcClient.readChunks) through the whole simulator: usbmuxd → lockdown →
 * StartService → AFC on a direct-read socket, where each FILE_READ payload is read by the kernel
 * straight into one of the reader's recycled buffers. Bytes must equal the files on disk, the
 * buffers must really repeat, and a cable pull mid-read must end the read with a typed error.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSession } from '../../../src/main/device/device-session';
import { DeviceDisconnectedError } from '../../../src/main/device/errors';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';
import { startRollPhone, walkDisk } from './roll-phone';

const MiB = 1024 * 1024;
let rig: Awaited<ReturnType<typeof startRollPhone>>;
let media: string;
let phone: SimulatedPhone;
let session: DeviceSession;

beforeAll(async () => {
  rig = await startRollPhone({ seed: 'chunks', photos: 6, videos: 1, live: 1, size: 'tiny' }, async (media) => {
    await mkdir(path.join(media, 'DCIM/100APPLE'), { recursive: true });
    // Several default-size (4 MiB) replies, the last one short.
    await writeFile(path.join(media, 'DCIM/100APPLE/IMG_9000.MOV'), randomBytes(3 * 4 * MiB + 12_345));
  });
  ({ media, phone, session } = rig);
});

afterAll(async () => rig?.close());

describe('readChunks over usbmux (direct-read socket)', () => {
  it('reads every file of the roll byte-identical, as the backup asks (one byte past the size)', async () => {
    for (const chunkSize of [4 * MiB, 64 * 1024]) {
      const client = await session.openAfc({ chunkSize });
      try {
        for (const afcPath of await walkDisk(media)) {
          const content = await readFile(path.join(media, afcPath));
          const parts: Buffer[] = [];
          for await (const chunk of client.readChunks(afcPath, { end: content.length })) parts.push(Buffer.from(chunk));
          expect(Buffer.concat(parts).equals(content), `${afcPath} at ${chunkSize}`).toBe(true);
        }
      } finally {
        client.close();
      }
    }
  });

  it('lands the replies in readAhead + 1 buffers that repeat', async () => {
    const client = await session.openAfc();
    try {
      const content = await readFile(path.join(media, 'DCIM/100APPLE/IMG_9000.MOV'));
      const memory: ArrayBufferLike[] = [];
      const parts: Buffer[] = [];
      for await (const chunk of client.readChunks('/DCIM/100APPLE/IMG_9000.MOV', { chunkSize: MiB, readAhead: 2 })) {
        memory.push(chunk.buffer);
        parts.push(Buffer.from(chunk));
      }
      expect(Buffer.concat(parts).equals(content)).toBe(true);
      expect(memory).toHaveLength(13);
      expect(new Set(memory).size).toBe(3);
      for (let i = 3; i < memory.length; i++) expect(memory[i]).toBe(memory[i - 3]);
    } finally {
      client.close();
    }
  });

  it('ends with a typed disconnected error when the cable is pulled mid-read', async () => {
    const client = await session.openAfc({ chunkSize: 256 * 1024 });
    let got = 0;
    const reading = (async () => {
      for await (const chunk of client.readChunks('/DCIM/100APPLE/IMG_9000.MOV')) {
        got += chunk.length;
        if (got >= MiB) phone.cutConnections();
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(DeviceDisconnectedError);
    expect(got).toBeLessThan(12 * MiB);
    client.close();
  });
});
