/**
 * Rebuilds resources/camera-roll-templates: small pictures the camera-roll generator wraps in
 * per-file metadata. Run by a developer (needs Debian's libheif-examples for heif-enc):
 *   npx tsx src/simulator/camera-roll/make-templates.ts
 * Users and CI never run it: the outputs are committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PALETTE_COUNT, paintScene } from './scene';
import { REAL, TINY, templateFile } from './templates';

const work = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-templates-'));
try {
  for (let p = 0; p < PALETTE_COUNT; p++) {
    const raw = (d: { width: number; height: number }) =>
      sharp(paintScene(d.width, d.height, p, 3), { raw: { ...d, channels: 3 } });
    // PNG input keeps heif-enc from writing a grid image (it does for some JPEG inputs).
    const png = path.join(work, `still-${p}.png`);
    await raw(TINY.still).png().toFile(png);
    execFileSync('heif-enc', ['-q', '50', png, '-o', templateFile(`still-${p}.heic`)]);
    writeFileSync(templateFile(`still-${p}.jpg`), await raw(TINY.still).jpeg({ quality: 80 }).toBuffer());
    writeFileSync(templateFile(`frame-${p}.jpg`), await raw(TINY.frame).jpeg({ quality: 75 }).toBuffer());
    writeFileSync(templateFile(`thumb-${p}.jpg`), await raw(TINY.thumb).jpeg({ quality: 70 }).toBuffer());
    // A full 12 MP HEVC picture for `real` rolls: smooth, so it is only a few KB in the repository;
    // the generator pads each file to a phone's size, and decoders still do a 12 MP decode.
    const big = path.join(work, `still-real-${p}.png`);
    await sharp(paintScene(REAL.still.width, REAL.still.height, p, 0), { raw: { ...REAL.still, channels: 3 } })
      .png()
      .toFile(big);
    execFileSync('heif-enc', ['-q', '30', big, '-o', templateFile(`still-real-${p}.heic`)]);
  }
  console.log(`templates written to ${templateFile('')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
