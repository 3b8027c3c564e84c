/**
 * The files of one planned asset, as chunks ready to write: originals in DCIM or CPLAssets, the
 * Live Photo video, the edit under PhotoData/Mutations with its Adjustments.plist, and the device
 * thumbnail under PhotoData/Thumbnails/V2.
 */
import { createHash } from 'node:crypto';
import type { ResourceRole } from '../../shared/asset';
import { buildDng } from './dng';
import { type StillExif, buildStillExif } from './exif';
import { buildHeic } from './heif';
import { buildJpeg } from './jpeg';
import type { RollSize } from './manifest';
import type { PlannedAsset } from './plan';
import { buildScreenshotPng } from './png';
import { buildMovieChunks } from './quicktime';
import type { Dimensions, Templates } from './templates';

export interface PlannedFile {
  path: string;
  chunks: Buffer[];
  mtimeMs: number;
  /** A resource of the asset, or a device thumbnail. */
  role: ResourceRole | 'thumbnail';
}

export interface AssetFiles extends Dimensions {
  files: PlannedFile[];
  /** Bytes of the original (still, or video), also when it is only in iCloud and not written. */
  originalSize: number;
}

export interface FileContext {
  templates: Templates;
  size: RollSize;
  realVideoBytes: number;
  /** Seeded filler for phone-sized HEICs (read, never written to). */
  padding: Buffer;
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const md5hex = (text: string) => createHash('md5').update(text).digest('hex');
const baseName = (fileName: string) => fileName.replace(/\.[^.]+$/, '');

/** A target size in [min, max] picked from the asset's uuid, so it is stable per asset. */
function sizeFromUuid(uuid: string, min: number, max: number): number {
  const n = parseInt(uuid.slice(0, 8), 16) / 0xffffffff;
  return Math.round(min + n * (max - min));
}

function stillExif(a: PlannedAsset, d: Dimensions, uniqueSalt: string, fromOtherDevice: boolean): StillExif {
  return {
    capture: a.fileCapture,
    modify: a.modify,
    width: d.width,
    height: d.height,
    imageUniqueId: md5hex(`${a.uuid}/${uniqueSalt}`),
    contentIdentifier: a.contentIdentifier,
    model: fromOtherDevice ? 'iPhone 12' : undefined,
  };
}

function stillFile(a: PlannedAsset, ctx: FileContext): { chunks: Buffer[]; dims: Dimensions } {
  const t = ctx.templates;
  const p = a.palette;
  const otherDevice = a.location === 'cpl';
  switch (a.still) {
    case 'heic': {
      const pic = t.heic[p]!;
      const dims = { width: pic.width, height: pic.height };
      const exif = buildStillExif(stillExif(a, dims, 'original', otherDevice));
      let padding: Buffer | undefined;
      if (ctx.size === 'real') {
        const target = sizeFromUuid(a.uuid, 1_500_000, 3_000_000);
        padding = ctx.padding.subarray(0, Math.max(0, target - buildHeic(pic, exif).length - 8));
      }
      return { chunks: [buildHeic(pic, exif, padding)], dims };
    }
    case 'jpeg': {
      const exif = buildStillExif(stillExif(a, t.jpegSize, 'original', otherDevice));
      return { chunks: [buildJpeg(t.jpeg[p]!, exif)], dims: t.jpegSize };
    }
    case 'png': {
      const d = t.screenshotSize;
      return {
        chunks: [
          buildScreenshotPng(
            d.width,
            d.height,
            p,
            Buffer.from(a.uuid.replace(/-/g, ''), 'hex'),
            ctx.size === 'real' ? 12 : 0,
          ),
        ],
        dims: d,
      };
    }
    case 'dng': {
      const exif = stillExif(a, t.dngSize, 'original', otherDevice);
      return { chunks: [buildDng(exif, t.dngPixels)], dims: t.dngSize };
    }
    default:
      throw new Error(`asset ${a.uuid} has no still`);
  }
}

function movieFile(a: PlannedAsset, ctx: FileContext, palette: number, live: boolean): Buffer[] {
  const t = ctx.templates;
  const first = t.frames[palette % t.frames.length]!;
  const second = t.frames[(palette + 1) % t.frames.length]!;
  let count = 3;
  if (ctx.size === 'real') {
    const target = live
      ? ctx.realVideoBytes / 10
      : sizeFromUuid(a.uuid, ctx.realVideoBytes * 0.6, ctx.realVideoBytes * 1.4);
    count = Math.max(3, Math.ceil(target / first.length));
  }
  const frames = Array.from({ length: count }, (_, i) => (i % 8 < 4 ? first : second));
  return buildMovieChunks({
    brand: a.video === 'mp4' && !live ? 'mp4' : 'qt',
    capture: a.fileCapture,
    durationS: live ? 3 : a.durationS,
    ...t.frameSize,
    frames,
    moovAtEnd: live ? true : a.moovAtEnd,
    contentIdentifier: live ? a.contentIdentifier : null,
  });
}

/** Adjustments.plist as the Photos app writes it beside an edit (an XML rendering of its keys). */
function adjustmentsPlist(a: PlannedAsset): Buffer {
  const stamp = new Date(wholeSecond(a.modify.utcMs)).toISOString().replace('.000', '');
  const data = Buffer.from(
    `{"adjustments":[{"identifier":"Crop","settings":{"angle":0.${a.palette + 1}}}],"asset":"${a.uuid}"}`,
  ).toString('base64');
  return Buffer.from(
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
      '<plist version="1.0">',
      '<dict>',
      '\t<key>adjustmentBaseVersion</key>\n\t<integer>0</integer>',
      `\t<key>adjustmentData</key>\n\t<data>${data}</data>`,
      '\t<key>adjustmentEditorBundleID</key>\n\t<string>com.apple.mobileslideshow</string>',
      '\t<key>adjustmentFormatIdentifier</key>\n\t<string>com.apple.photo</string>',
      '\t<key>adjustmentFormatVersion</key>\n\t<string>1.5</string>',
      '\t<key>adjustmentRenderTypes</key>\n\t<integer>0</integer>',
      `\t<key>adjustmentTimestamp</key>\n\t<date>${stamp}</date>`,
      '</dict>',
      '</plist>',
      '',
    ].join('\n'),
  );
}

/** Every file the asset has on the phone. */
export function filesForAsset(a: PlannedAsset, ctx: FileContext): AssetFiles {
  const files: PlannedFile[] = [];
  const t = ctx.templates;
  const originalDir = a.location === 'cpl' ? `PhotoData/${a.directory}` : a.directory;
  const originalMtime = wholeSecond(a.location === 'cpl' ? a.addedMs : a.fileCapture.utcMs + 1000);
  let dims: Dimensions = t.frameSize;
  let originalSize: number;
  const sizeOf = (chunks: Buffer[]) => chunks.reduce((n, c) => n + c.length, 0);

  if (a.still) {
    const still = stillFile(a, ctx);
    dims = still.dims;
    originalSize = sizeOf(still.chunks);
    if (!a.flags.iCloudOnly)
      files.push({
        path: `${originalDir}/${a.fileName}`,
        chunks: still.chunks,
        mtimeMs: originalMtime,
        role: 'original',
      });
    if (a.kind === 'live' && !a.flags.iCloudOnly) {
      files.push({
        path: `${originalDir}/${baseName(a.fileName)}.MOV`,
        chunks: movieFile(a, ctx, a.palette, true),
        mtimeMs: originalMtime,
        role: 'live-video',
      });
    }
  } else {
    const chunks = movieFile(a, ctx, a.palette, false);
    originalSize = sizeOf(chunks);
    if (!a.flags.iCloudOnly)
      files.push({ path: `${originalDir}/${a.fileName}`, chunks, mtimeMs: originalMtime, role: 'original' });
  }

  if (a.edited) {
    const dir = `PhotoData/Mutations/${a.directory}/${baseName(a.fileName)}/Adjustments`;
    const editMtime = wholeSecond(a.modify.utcMs);
    const renderPalette = (a.palette + 2) % t.jpeg.length;
    if (a.still) {
      const exif = buildStillExif(stillExif(a, t.jpegSize, 'render', false));
      files.push({
        path: `${dir}/FullSizeRender.jpg`,
        chunks: [buildJpeg(t.jpeg[renderPalette]!, exif)],
        mtimeMs: editMtime,
        role: 'edited',
      });
    }
    if (a.video)
      files.push({
        path: `${dir}/FullSizeRender.mov`,
        chunks: movieFile(a, ctx, renderPalette, a.kind === 'live'),
        mtimeMs: editMtime,
        role: 'edited',
      });
    files.push({
      path: `${dir}/Adjustments.plist`,
      chunks: [adjustmentsPlist(a)],
      mtimeMs: editMtime,
      role: 'adjustment',
    });
  }

  files.push({
    path: `PhotoData/Thumbnails/V2/${originalDir}/${a.fileName}/5005.JPG`,
    chunks: [t.thumbs[a.palette % t.thumbs.length]!],
    mtimeMs: wholeSecond(a.addedMs),
    role: 'thumbnail',
  });
  return { ...dims, files, originalSize };
}
