/**
 * Which hashes the local folder measures (SHA-256 always, MD5 only when asked or given), and
 * reading a copy back off the main thread.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFileOffThread } from '../../../../src/main/destinations/file-hash-pool';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs } from '../../../../src/main/destinations/local/local-fs';
import { bodyOf, content, itemFor, makeTempFolder, md5, sha256 } from './helpers';

let root: string;
beforeEach(async () => {
  root = await makeTempFolder();
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const journal = () => fsp.readFile(path.join(root, '.rollkeeper', 'index.jsonl'), 'utf8');

describe('MD5', () => {
  it('is not measured by default: SHA-256 only, in the result and the index', async () => {
    const destination = await LocalDestination.open(root);
    expect(destination.capabilities.hashesMeasured).toEqual(['sha256']);
    const data = content(50_000);
    const result = await destination.put(itemFor(data), bodyOf(data));
    expect(result.hashes).toEqual({ sha256: sha256(data) });
    expect(await journal()).not.toContain('"md5"');
    await destination.close();
  });

  it('is measured and indexed when the folder is opened to, and kept across a reopen without it', async () => {
    const destination = await LocalDestination.open(root, { md5: true });
    expect(destination.capabilities.hashesMeasured).toEqual(['sha256', 'md5']);
    const data = content(70_000);
    const result = await destination.put(itemFor(data), bodyOf(data));
    expect(result.hashes).toEqual({ sha256: sha256(data), md5: md5(data) });
    expect((await destination.findByHash({ md5: md5(data) }))?.location).toBe(result.location);
    await destination.close();
    const reopened = await LocalDestination.open(root);
    const entry = await reopened.findByHash({ md5: md5(data) });
    expect(entry?.hashes).toEqual({ sha256: sha256(data), md5: md5(data) });
    // Without the option new files get SHA-256 only; both kinds live in one index.
    const more = content(1000);
    const plain = await reopened.put(
      itemFor(more, { assetId: 'b', assetName: 'B.JPG', fileName: 'B.JPG' }),
      bodyOf(more),
    );
    expect(plain.hashes.md5).toBeUndefined();
    await reopened.close();
    const third = await LocalDestination.open(root, { readOnly: true });
    expect((await third.findByHash({ sha256: sha256(more) }))?.location).toBe(plain.location);
    expect((await third.findByHash({ md5: md5(data) }))?.location).toBe(result.location);
    await third.close();
  });

  it('is checked when an item brings one, even where it is not indexed by default', async () => {
    const destination = await LocalDestination.open(root);
    const data = content(9000);
    const result = await destination.put(itemFor(data, { hashes: { md5: md5(data) } }), bodyOf(data));
    expect(result.hashes).toEqual({ sha256: sha256(data), md5: md5(data) });
    const other = content(9000);
    const error = await destination
      .put(itemFor(other, { assetId: 'x', hashes: { md5: md5(data) } }), bodyOf(other))
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'destination.content-mismatch', field: 'md5' });
    await destination.close();
  });
});

describe('reading a copy back', () => {
  it('measures size and SHA-256 off the main thread, many files at once', async () => {
    const files = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => {
        const data = content(i === 0 ? 0 : 300_000 * i + 17);
        const file = path.join(root, `f${i}`);
        await fsp.writeFile(file, data);
        return { file, data };
      }),
    );
    const digests = await Promise.all(files.map(({ file }) => hashFileOffThread(file)));
    expect(digests).toEqual(files.map(({ data }) => ({ size: data.byteLength, sha256: sha256(data) })));
  });

  it('rejects with the file-system error for a missing file, and with the reason when aborted', async () => {
    await expect(hashFileOffThread(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const file = path.join(root, 'big');
    await fsp.writeFile(file, content(8 * 1024 * 1024));
    const reason = new Error('stop');
    const controller = new AbortController();
    const running = Array.from({ length: 6 }, () => hashFileOffThread(file, controller.signal));
    controller.abort(reason);
    for (const outcome of await Promise.allSettled(running)) {
      expect(outcome).toEqual({ status: 'rejected', reason });
    }
    // The pool keeps working after an abort.
    expect((await hashFileOffThread(file)).size).toBe(8 * 1024 * 1024);
  });

  it('tells a copy altered behind our back, and a missing one, the same with or without workers', async () => {
    const { hashFile: _offThread, ...onMainThread } = nodeFs;
    for (const fs of [nodeFs, onMainThread]) {
      await fsp.rm(root, { recursive: true, force: true });
      await fsp.mkdir(root);
      const destination = await LocalDestination.open(root, { fs });
      const data = content(100_000);
      const { location } = await destination.put(itemFor(data), bodyOf(data));
      expect(await destination.measureStored(location)).toEqual({ size: data.byteLength, sha256: sha256(data) });
      const altered = Buffer.from(data);
      altered[5000]! ^= 1;
      await fsp.writeFile(path.join(root, location), altered);
      expect((await destination.verify(location)).status).toBe('altered');
      await fsp.rm(path.join(root, location));
      expect(await destination.measureStored(location)).toBeNull();
      expect((await destination.verify(location)).status).toBe('missing');
      expect(await destination.measureStored('../outside')).toBeNull();
      await destination.close();
    }
  });
});
