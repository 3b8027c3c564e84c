/**
 * PNG screenshots, written directly (IHDR, IDAT, IEND) with no EXIF and no date: like iPhone
 * screenshots, their capture time is only in Photos.sqlite. The picture is a deterministic
 * gradient with the asset's id drawn into its first row, so every screenshot has its own bytes.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An RGB screenshot of `width`×`height` whose pixels depend on `palette` and `uniqueId`. */
export function buildScreenshotPng(
  width: number,
  height: number,
  palette: number,
  uniqueId: Buffer,
  /** Noise in the "photo" shown mid-screen; phone-sized screenshots need it to weigh 1-3 MB. */
  grain = 0,
): Buffer {
  const stride = width * 3 + 1;
  let noise = uniqueId.readUInt32BE(0) | 1; // xorshift32, seeded per screenshot
  const raw = Buffer.alloc(stride * height);
  const [r0, g0, b0] = [
    [240, 240, 245],
    [28, 28, 30],
    [230, 244, 255],
    [255, 248, 230],
  ][palette % 4]!;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    raw[row] = 0; // filter: none
    const band = Math.floor((y / height) * 12);
    const inPhoto = grain > 0 && band >= 4 && band < 8;
    for (let x = 0; x < width; x++) {
      const at = row + 1 + x * 3;
      if (inPhoto) {
        noise ^= noise << 13;
        noise ^= noise >>> 17;
        noise ^= noise << 5;
        const n = ((noise >>> 0) % (2 * grain + 1)) - grain;
        raw[at] = 90 + ((x * 97) / width + n);
        raw[at + 1] = 120 + ((y * 61) / height + n);
        raw[at + 2] = 160 + n;
        continue;
      }
      // Light "UI" bands, like a settings screen: compresses as well as a real screenshot does.
      const shade = band % 2 === 0 && x > width / 12 && x < width - width / 12 ? 18 : 0;
      raw[at] = r0 - shade;
      raw[at + 1] = g0 - shade;
      raw[at + 2] = b0 - shade;
    }
  }
  uniqueId.copy(raw, 1, 0, Math.min(uniqueId.length, stride - 1));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
