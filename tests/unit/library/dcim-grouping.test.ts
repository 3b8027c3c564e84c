import { describe, expect, it } from 'vitest';
import { groupFolder } from '../../../src/main/library/dcim-scanner';

const summary = (folder: string, names: string[]) =>
  groupFolder(folder, names)
    .planned.map((p) => `${p.kind}: ${p.files.map((f) => `${f.role}=${f.path.split('/').pop()}`).join(' ')}`)
    .sort();

describe('groupFolder', () => {
  it('pairs a still and a movie with the same base name as one Live Photo', () => {
    expect(summary('DCIM/100APPLE', ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_0002.MOV', 'IMG_0003.JPG'])).toEqual([
      'live: original=IMG_0001.HEIC live-video=IMG_0001.MOV',
      'photo: original=IMG_0003.JPG',
      'video: original=IMG_0002.MOV',
    ]);
  });

  it('tells screenshots, RAW and screen recordings by type, and keeps a RAW+JPEG pair apart', () => {
    expect(summary('DCIM/100APPLE', ['IMG_0004.PNG', 'IMG_0005.DNG', 'IMG_0005.JPG', 'RPReplay_Final1.MP4'])).toEqual([
      'photo: original=IMG_0005.JPG',
      'raw: original=IMG_0005.DNG',
      'screenshot: original=IMG_0004.PNG',
      'video: original=RPReplay_Final1.MP4',
    ]);
  });

  it('lists unknown types as "other" with a warning naming the file; AAE sidecars join their photo', () => {
    const { planned, warnings } = groupFolder('DCIM/100APPLE', [
      'IMG_0006.HEIC',
      'IMG_0006.AAE',
      'notes.txt',
      'IMG_0007.AAE',
    ]);
    expect(planned.map((p) => [p.id, p.kind, p.files.map((f) => f.role)])).toEqual([
      ['DCIM/100APPLE/IMG_0006.HEIC', 'photo', ['original', 'adjustment']],
      ['DCIM/100APPLE/notes.txt', 'other', ['original']],
      ['DCIM/100APPLE/IMG_0007.AAE', 'other', ['original']],
    ]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'dcim.unknown-type', path: 'DCIM/100APPLE/notes.txt' })]);
  });

  it('identifies by path: the same name in two folders is two assets', () => {
    const a = groupFolder('DCIM/100APPLE', ['IMG_0001.HEIC']).planned[0]!;
    const b = groupFolder('DCIM/101APPLE', ['IMG_0001.HEIC']).planned[0]!;
    expect(a.id).not.toBe(b.id);
  });
});
