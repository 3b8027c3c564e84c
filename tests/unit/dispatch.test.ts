import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/contract-dispatch';
import { Engine } from '../../src/main/engine';
import { tempDir } from '../helpers/temp-dir';

describe('dispatch (shared by IPC and WebSocket)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  beforeEach(async () => {
    dir = await tempDir();
    engine = new Engine({ dataDir: dir.dir, transport: 'websocket' });
  });
  afterEach(() => dir.cleanup());

  it('runs a valid call', async () => {
    const reply = await dispatch(engine, 'app.info', {});
    expect(reply).toMatchObject({ ok: true, result: { dataDir: dir.dir, transport: 'websocket' } });
  });

  it('refuses invalid arguments with a message naming the field, without calling the engine', async () => {
    const reply = await dispatch(engine, 'settings.update', { concurrency: 999 });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('contract.invalid-arguments');
    expect(reply.error.message).toContain('concurrency');
    expect((await dispatch(engine, 'settings.get', {})) as unknown).toMatchObject({ result: { concurrency: 4 } });
  });

  it('refuses names outside the contract, including inherited object keys', async () => {
    for (const name of ['nope', 'constructor', '__proto__', 'toString', 42]) {
      const reply = await dispatch(engine, name, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'contract.unknown-method' } });
    }
  });

  it('says plainly when a subsystem is not built yet', async () => {
    const reply = await dispatch(engine, 'backup.start', { udid: 'abc' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'engine.not-available' } });
  });

  it('has no folder picker in the browser: it says to type the path', async () => {
    const reply = await dispatch(engine, 'settings.chooseFolder', {});
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'settings.no-folder-picker', hint: "Type the folder's path." },
    });
  });
});
