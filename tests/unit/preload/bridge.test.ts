import { describe, expect, it, vi } from 'vitest';
import { buildBridge } from '../../../src/preload/bridge';
import { IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, METHOD_NAMES } from '../../../src/shared/contract-names';

const exposed: Record<string, unknown> = {};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
}));

describe('preload', () => {
  it('exposes exactly the contract: one function per call, and `on`', async () => {
    await import('../../../src/preload/index');
    expect(Object.keys(exposed)).toEqual(['rollkeeper']);
    const api = exposed.rollkeeper as { calls: Record<string, unknown>; on: unknown };
    expect(Object.keys(api).sort()).toEqual(['calls', 'on']);
    expect(Object.keys(api.calls).sort()).toEqual([...METHOD_NAMES].sort());
    for (const fn of Object.values(api.calls)) expect(typeof fn).toBe('function');
  });

  it('sends each call on its own channel and never hands out ipcRenderer', async () => {
    const invoke = vi.fn(async () => ({ ok: true, result: 1 }));
    const bridge = buildBridge({ invoke, on: vi.fn(), removeListener: vi.fn() } as never);
    await bridge.calls['devices.list']({});
    expect(invoke).toHaveBeenCalledWith(`${IPC_CALL_PREFIX}devices.list`, {});
    expect(JSON.stringify(Object.keys(bridge))).not.toContain('invoke');
  });

  it('delivers only the subscribed event, and unsubscribes', () => {
    const handlers: ((e: unknown, m: unknown) => void)[] = [];
    const removeListener = vi.fn();
    const bridge = buildBridge({
      invoke: vi.fn(),
      on: (_channel: string, h: (e: unknown, m: unknown) => void) => handlers.push(h),
      removeListener,
    } as never);
    const got: unknown[] = [];
    const off = bridge.on('device.detached', (p) => got.push(p));
    handlers[0]({}, { event: 'device.attached', payload: { udid: 'x' } });
    handlers[0]({}, { event: 'device.detached', payload: { udid: 'y' } });
    expect(got).toEqual([{ udid: 'y' }]);
    off();
    expect(removeListener).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, handlers[0]);
    expect(() => bridge.on('not.an.event' as never, () => {})).toThrow(/Unknown event/);
  });
});
