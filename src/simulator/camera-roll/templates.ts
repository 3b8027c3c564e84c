/**
 * The media every generated file is made from. HEVC pictures ship pre-made in
 * resources/camera-roll-templates (160×120 for `tiny`, 4032×3024 for `real`), so users need no
 * Debian tools; JPEGs and video frames for `real` rolls are painted and encoded with sharp once
 * per run (a phone-sized JPEG, 1080p frames).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { TemplateFormatError } from './errors';
import { type HeicPicture, readHeicPicture } from './heif';
import { jpegBodyWithoutMetadata } from './jpeg';
import type { RollSize } from './manifest';
import { PALETTE_COUNT, paintScene } from './scene';

/** Where the pre-made templates live (committed to the repository). */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../../resources/camera-roll-templates/', import.meta.url));

export const TINY = {
  still: { width: 160, height: 120 },
  frame: { width: 160, height: 90 },
  thumb: { width: 96, height: 72 },
  screenshot: { width: 64, height: 138 },
  dng: { width: 32, height: 24 },
} as const;

export const REAL = {
  still: { width: 4032, height: 3024 },
  frame: { width: 1920, height: 1080 },
  screenshot: { width: 1179, height: 2556 },
  dng: { width: 4032, height: 3024 },
} as const;

export interface Dimensions {
  width: number;
  height: number;
}

export interface Templates {
  /** HEVC pictures, one per palette. */
  heic: HeicPicture[];
  /** JPEG bodies (after SOI, no metadata), one per palette. */
  jpeg: Buffer[];
  jpegSize: Dimensions;
  /** Video frames (JPEG, complete files), one per palette. */
  frames: Buffer[];
  frameSize: Dimensions;
  /** Device thumbnails (5005.JPG), one per palette. */
  thumbs: Buffer[];
  screenshotSize: Dimensions;
  dngSize: Dimensions;
  /** RGB pixels for the DNG stand-in. */
  dngPixels: Buffer;
}

export const templateFile = (name: string) => `${TEMPLATE_DIR}${name}`;

async function readTemplate(name: string): Promise<Buffer> {
  try {
    return await readFile(templateFile(name));
  } catch (error) {
    throw new TemplateFormatError(`camera-roll template ${name} is missing (${(error as Error).message})`);
  }
}

const palettes = Array.from({ length: PALETTE_COUNT }, (_, i) => i);

async function encodeJpeg(d: Dimensions, palette: number, grain: number, quality: number): Promise<Buffer> {
  return sharp(paintScene(d.width, d.height, palette, grain), { raw: { ...d, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** Loads (tiny) or makes (real) the templates for a roll. */
export async function loadTemplates(size: RollSize): Promise<Templates> {
  const heicName = (p: number) => (size === 'tiny' ? `still-${p}.heic` : `still-real-${p}.heic`);
  const heic = await Promise.all(palettes.map(async (p) => readHeicPicture(await readTemplate(heicName(p)))));
  const thumbs = await Promise.all(palettes.map((p) => readTemplate(`thumb-${p}.jpg`)));
  if (size === 'tiny') {
    const jpeg = await Promise.all(
      palettes.map(async (p) => jpegBodyWithoutMetadata(await readTemplate(`still-${p}.jpg`))),
    );
    const frames = await Promise.all(palettes.map((p) => readTemplate(`frame-${p}.jpg`)));
    return {
      heic,
      thumbs,
      jpeg,
      frames,
      jpegSize: TINY.still,
      frameSize: TINY.frame,
      screenshotSize: TINY.screenshot,
      dngSize: TINY.dng,
      dngPixels: paintScene(TINY.dng.width, TINY.dng.height, 2),
    };
  }
  // Phone-sized: grain 10 at quality 88 gives ~2.6 MB per 12 MP JPEG, like an iPhone's.
  const jpeg = await Promise.all(
    palettes.map(async (p) => jpegBodyWithoutMetadata(await encodeJpeg(REAL.still, p, 10, 88))),
  );
  const frames = await Promise.all(palettes.map((p) => encodeJpeg(REAL.frame, p, 10, 85)));
  return {
    heic,
    thumbs,
    jpeg,
    frames,
    jpegSize: REAL.still,
    frameSize: REAL.frame,
    screenshotSize: REAL.screenshot,
    dngSize: REAL.dng,
    dngPixels: paintScene(REAL.dng.width, REAL.dng.height, 2, 4),
  };
}
