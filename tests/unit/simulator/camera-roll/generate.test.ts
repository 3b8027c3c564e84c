import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestAsset } from '../../../../src/simulator/camera-roll/manifest';
import { listFiles, makeRollFixture, type RollFixture, sha256 } from './roll-fixture';

let roll: RollFixture;
beforeAll(async () => {
  roll = await makeRollFixture({ seed: 'generate-test' });
});
afterAll(() => roll?.cleanup());

const assets = () => roll.manifest.assets;
const where = (pred: (a: ManifestAsset) => boolean) => assets().filter(pred);

describe('make-camera-roll: the manifest is the truth about the files', () => {
  it('has the requested number of assets, with the default mix', () => {
    const { options, totals } = roll.manifest;
    expect(assets()).toHaveLength(options.photos + options.videos + options.live);
    expect(totals.assets).toBe(assets().length);
    expect(where((a) => a.kind === 'live')).toHaveLength(options.live);
  });

  it('records every file it wrote with its real size, sha256 and mtime, and nothing more', () => {
    const recorded = new Map<string, { size: number; sha256: string; mtimeMs: number }>();
    for (const a of assets()) for (const f of [...a.resources, ...a.thumbnails]) recorded.set(f.path, f);
    for (const f of roll.manifest.library.files) recorded.set(f.path, f);
    for (const [rel, f] of recorded) {
      const full = path.join(roll.dir, rel);
      expect(statSync(full).size, rel).toBe(f.size);
      expect(sha256(full), rel).toBe(f.sha256);
      if (!rel.endsWith('-shm')) expect(statSync(full).mtimeMs, rel).toBe(f.mtimeMs);
    }
    const onDisk = listFiles(roll.dir).filter((p) => p !== 'rollkeeper-manifest.json');
    expect(onDisk.sort()).toEqual([...recorded.keys()].sort());
    expect(roll.manifest.totals.files).toBe(recorded.size);
  });

  it('gives every asset a unique uuid and primary key', () => {
    expect(new Set(assets().map((a) => a.uuid)).size).toBe(assets().length);
    expect(assets().map((a) => a.pk)).toEqual(assets().map((_, i) => i + 1));
  });
});

describe('make-camera-roll: every special case is in the default roll', () => {
  it('has each kind', () => {
    const kinds = new Set(assets().map((a) => a.kind));
    for (const k of [
      'photo',
      'live',
      'video',
      'screenshot',
      'slomo',
      'timelapse',
      'screen-recording',
      'burst',
      'raw',
    ]) {
      expect(kinds, k).toContain(k);
    }
  });

  it('writes HEIC and JPEG stills, PNG screenshots, DNG, MOV and MP4 into DCIM', () => {
    const dcim = listFiles(roll.dir).filter((p) => p.startsWith('DCIM/'));
    for (const ext of ['HEIC', 'JPG', 'PNG', 'DNG', 'MOV', 'MP4'])
      expect(
        dcim.some((p) => p.endsWith(`.${ext}`)),
        ext,
      ).toBe(true);
  });

  it('has the same file name in 100APPLE and 101APPLE with different content', () => {
    const byName = new Map<string, ManifestAsset['resources']>();
    for (const a of assets()) {
      for (const r of a.resources.filter((r) => r.path.startsWith('DCIM/'))) {
        const name = path.posix.basename(r.path);
        byName.set(name, [...(byName.get(name) ?? []), r]);
      }
    }
    const clashes = [...byName.values()].filter((rs) => new Set(rs.map((r) => r.path.split('/')[1])).size > 1);
    expect(clashes.length).toBeGreaterThan(0);
    for (const rs of clashes) expect(new Set(rs.map((r) => r.sha256)).size).toBe(rs.length);
    expect(
      clashes.some(
        (rs) => rs.some((r) => r.path.includes('/100APPLE/')) && rs.some((r) => r.path.includes('/101APPLE/')),
      ),
    ).toBe(true);
  });

  it('pairs each Live Photo still with a MOV of the same base name and content identifier', () => {
    for (const a of where((x) => x.kind === 'live')) {
      const still = a.resources.find((r) => r.role === 'original')!;
      const video = a.resources.find((r) => r.role === 'live-video')!;
      expect(video.path.replace(/\.MOV$/, '')).toBe(still.path.replace(/\.HEIC$/, ''));
      expect(a.contentIdentifier).toMatch(/^[0-9A-F-]{36}$/);
      // The identifier is in both files' bytes (MakerNote of the still, Keys of the MOV).
      for (const r of [still, video])
        expect(readFileSync(path.join(roll.dir, r.path)).includes(a.contentIdentifier!), r.path).toBe(true);
    }
  });

  it('groups burst members by a shared burst uuid', () => {
    const bursts = where((a) => a.kind === 'burst');
    expect(bursts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(bursts.map((a) => a.burstUuid)).size).toBeLessThan(bursts.length);
    expect(bursts.every((a) => a.burstUuid)).toBe(true);
  });

  it('keeps edits under PhotoData/Mutations with Adjustments.plist beside them', () => {
    const edited = where((a) => a.resources.some((r) => r.role === 'edited'));
    expect(edited.length).toBeGreaterThanOrEqual(3);
    expect(edited.some((a) => a.kind === 'live') && edited.some((a) => a.kind === 'video')).toBe(true);
    for (const a of edited) {
      const stem = a.fileName.replace(/\.[^.]+$/, '');
      const dir = `PhotoData/Mutations/${a.directory}/${stem}/Adjustments/`;
      const render = a.resources.filter((r) => r.role === 'edited');
      expect(render.every((r) => r.path.startsWith(dir) && /FullSizeRender\.(jpg|mov)$/.test(r.path))).toBe(true);
      const plist = a.resources.find((r) => r.role === 'adjustment')!;
      expect(plist.path).toBe(`${dir}Adjustments.plist`);
      expect(readFileSync(path.join(roll.dir, plist.path), 'utf8')).toContain('com.apple.photo');
    }
  });

  it('has iCloud-synced originals in CPLAssets and iCloud-only assets without any file', () => {
    const cpl = where((a) =>
      a.resources.some((r) => /^PhotoData\/CPLAssets\/group\d+\/[0-9A-F-]{36}\.JPG$/.test(r.path)),
    );
    expect(cpl.length).toBeGreaterThan(0);
    expect(cpl.every((a) => a.dcim === null && a.originalName !== a.fileName)).toBe(true);
    const cloudOnly = where((a) => a.flags.iCloudOnly);
    expect(cloudOnly.some((a) => a.directory.startsWith('DCIM/'))).toBe(true);
    expect(cloudOnly.some((a) => a.directory.startsWith('CPLAssets/'))).toBe(true);
    for (const a of cloudOnly) {
      expect(a.resources).toEqual([]);
      expect(a.dcim).toBeNull();
      expect(a.thumbnails).toHaveLength(1); // only the device's derivative is on the phone
    }
  });

  it('keeps a Recently Deleted asset on disk, with a trash date', () => {
    const trashed = where((a) => a.flags.recentlyDeleted);
    expect(trashed.length).toBeGreaterThan(0);
    for (const a of trashed) {
      expect(a.trashedMs).toBeGreaterThan(a.addedMs);
      expect(a.resources.length).toBeGreaterThan(0);
      expect(a.dcim?.paths.length).toBeGreaterThan(0);
    }
  });

  it('marks favorites and hidden assets', () => {
    expect(where((a) => a.flags.favorite).length).toBeGreaterThan(0);
    expect(where((a) => a.flags.hidden).length).toBeGreaterThan(0);
  });

  it('has at least two assets whose date was adjusted: the library and the file disagree', () => {
    const adjusted = where((a) => a.dateAdjusted);
    expect(adjusted.length).toBeGreaterThanOrEqual(2);
    for (const a of adjusted) {
      expect(a.dcim?.captureTime?.source).toBe('exif');
      expect(a.dcim!.captureTime!.utcMs).not.toBe(a.captureTime.utcMs);
    }
    for (const a of where((x) => !x.dateAdjusted && x.dcim?.captureTime?.source === 'exif')) {
      expect(a.dcim!.captureTime!.utcMs).toBe(a.captureTime.utcMs);
    }
  });

  it('writes screenshots without any date for a DCIM scanner', () => {
    const shots = where((a) => a.kind === 'screenshot' && a.dcim !== null);
    expect(shots.length).toBeGreaterThan(0);
    for (const a of shots) {
      expect(a.dcim!.captureTime).toBeNull();
      const png = readFileSync(path.join(roll.dir, a.dcim!.paths[0]!));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      for (const marker of ['eXIf', 'Exif', 'tEXt', 'iTXt']) expect(png.includes(marker), marker).toBe(false);
    }
  });

  it('puts the movie header after the media data in most videos and before it in some', () => {
    const order = where((a) => a.kind !== 'live' && a.dcim !== null && /\.(MOV|MP4)$/.test(a.fileName)).map((a) => {
      const bytes = readFileSync(path.join(roll.dir, a.dcim!.paths[0]!));
      return bytes.indexOf('moov') > bytes.indexOf('mdat') ? 'end' : 'start';
    });
    expect(order).toContain('end');
    expect(order).toContain('start');
  });

  it('has a device thumbnail for every asset under Thumbnails/V2', () => {
    for (const a of assets()) {
      expect(a.thumbnails).toHaveLength(1);
      expect(a.thumbnails[0]!.path).toMatch(
        new RegExp(`^PhotoData/Thumbnails/V2/.*/${a.fileName.replace('.', '\\.')}/5005\\.JPG$`),
      );
      const jpeg = readFileSync(path.join(roll.dir, a.thumbnails[0]!.path));
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    }
  });

  it('covers the zones +02:00, -07:00, +05:30, +09:00 and +00:00', () => {
    const zones = new Set(assets().map((a) => a.captureTime.offsetMinutes));
    for (const z of [120, -420, 330, 540, 0]) expect(zones, String(z)).toContain(z);
  });
});
