import path from 'node:path';
import { DEFAULT_OPTIONS, makeCameraRoll } from '../../../simulator/camera-roll/generate';
import type { LibrarySchema, RollSize } from '../../../simulator/camera-roll/manifest';
import { type Command, intOption, UsageError } from '../command';

const SIZES: RollSize[] = ['tiny', 'real'];
const SCHEMAS: LibrarySchema[] = ['ios14', 'ios13'];
/** Enough for the 50,000-asset rolls of the benchmarks with room to spare, not enough to fill a disk by a typo. */
const MAX_ASSETS = 500_000;

export const makeCameraRollCommand: Command = {
  name: 'make-camera-roll',
  summary: 'make a realistic iPhone camera roll (media files, Photos.sqlite, manifest) from a seed',
  usage: [
    'Usage: rollkeeper make-camera-roll DIR [--seed S] [--photos N] [--videos N] [--live N]',
    '                                   [--size tiny|real] [--video-mb N] [--schema ios14|ios13] [--force] [--json]',
    '',
    "Writes DIR as an iPhone's /var/mobile/Media: DCIM/1xxAPPLE (HEIC, JPEG, PNG, DNG, MOV, MP4), PhotoData",
    '(Photos.sqlite with its -wal and -shm, CPLAssets, Mutations, Thumbnails/V2), and',
    'DIR/rollkeeper-manifest.json describing every asset. The same seed and options give the same bytes.',
    'Serve the folder as a phone with "rollkeeper simulate --camera-roll DIR".',
    '',
    'Options:',
    `  --seed S          any text (default ${DEFAULT_OPTIONS.seed})`,
    `  --photos N        still assets: HEIC, JPEG, screenshots, bursts, RAW, iCloud (default ${DEFAULT_OPTIONS.photos})`,
    `  --videos N        videos: MOV, slo-mo, time-lapse, MP4 screen recordings (default ${DEFAULT_OPTIONS.videos})`,
    `  --live N          Live Photos (HEIC + MOV pairs) (default ${DEFAULT_OPTIONS.live})`,
    '  --size tiny|real  tiny: small files, 50,000 assets in well under a minute; real: phone-sized',
    '                    (JPEG ~2.6 MB, HEIC 1.5-3 MB, videos around --video-mb) (default tiny)',
    `  --video-mb N      typical video size in real rolls, MB (default ${DEFAULT_OPTIONS.realVideoBytes / 1_000_000})`,
    '  --schema S        ios14: ZASSET table; ios13: the older ZGENERICASSET name (default ios14)',
    '  --force           replace a roll made earlier in DIR (removes its DCIM, PhotoData and manifest)',
  ].join('\n'),
  options: {
    seed: { type: 'string' },
    photos: { type: 'string' },
    videos: { type: 'string' },
    live: { type: 'string' },
    size: { type: 'string' },
    'video-mb': { type: 'string' },
    schema: { type: 'string' },
    force: { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one folder: make-camera-roll DIR');
    const dir = path.resolve(positionals[0]!);
    const size = (values.size ?? 'tiny') as RollSize;
    if (!SIZES.includes(size)) throw new UsageError(`--size takes tiny or real, not "${String(values.size)}"`);
    const schema = (values.schema ?? 'ios14') as LibrarySchema;
    if (!SCHEMAS.includes(schema))
      throw new UsageError(`--schema takes ios14 or ios13, not "${String(values.schema)}"`);
    const seed = values.seed ?? DEFAULT_OPTIONS.seed;
    if (typeof seed !== 'string' || seed.length === 0 || seed.length > 200)
      throw new UsageError('--seed takes 1 to 200 characters');
    const photos = intOption(values.photos, 'photos', { max: MAX_ASSETS }) ?? DEFAULT_OPTIONS.photos;
    const videos = intOption(values.videos, 'videos', { max: MAX_ASSETS }) ?? DEFAULT_OPTIONS.videos;
    const live = intOption(values.live, 'live', { max: MAX_ASSETS }) ?? DEFAULT_OPTIONS.live;
    if (photos + videos + live > MAX_ASSETS) throw new UsageError(`at most ${MAX_ASSETS} assets in all`);
    const videoMb = intOption(values['video-mb'], 'video-mb', { min: 1, max: 2000 });
    const options = {
      seed,
      photos,
      videos,
      live,
      size,
      schema,
      realVideoBytes: videoMb === undefined ? DEFAULT_OPTIONS.realVideoBytes : videoMb * 1_000_000,
    };

    ctx.say(`Making a ${size} camera roll of ${photos + videos + live} assets in ${dir} (seed "${seed}")…`);
    const started = performance.now();
    let lastSaid = 0;
    const result = await makeCameraRoll(dir, options, {
      signal: ctx.signal,
      force: values.force === true,
      onProgress: (p) => {
        ctx.emit({ event: 'progress', phase: p.phase, done: p.done, total: p.total });
        const now = performance.now();
        if (!ctx.json && ctx.stdout.isTTY && now - lastSaid > 1000) {
          lastSaid = now;
          ctx.say(`  ${p.phase}: ${p.done} / ${p.total}`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const kinds = Object.entries(result.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    ctx.say(
      `Made ${result.assets} assets (${kinds}) in ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB, in ${seconds.toFixed(1)} s.`,
    );
    ctx.say(`Manifest: ${result.manifestPath}`);
    ctx.emit({
      event: 'summary',
      ok: true,
      dir: result.dir,
      manifest: result.manifestPath,
      assets: result.assets,
      files: result.files,
      bytes: result.bytes,
      byKind: result.byKind,
      options,
      seconds: Number(seconds.toFixed(3)),
    });
    return 0;
  },
};
