import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../../../src/main/backup/progress';

describe('ProgressMeter', () => {
  it('counts finished and in-flight bytes, speed over the last seconds, and the time left', () => {
    let now = 0;
    const meter = new ProgressMeter(7, () => now);
    meter.filesTotal = 3;
    meter.bytesTotal = 300_000;
    const a = {};
    const b = {};
    meter.update(a, 0);
    now = 1000;
    meter.update(a, 50_000);
    meter.update(b, 50_000);
    expect(meter.snapshot()).toMatchObject({ runId: 7, filesDone: 0, bytesDone: 100_000 });
    expect(meter.snapshot().bytesPerSecond).toBeCloseTo(100_000, -2);
    expect(meter.snapshot().etaSeconds).toBe(2);
    now = 2000;
    meter.finish(a, 100_000);
    expect(meter.snapshot()).toMatchObject({ filesDone: 1, bytesDone: 150_000 });
    // A transfer that was dropped no longer counts; its file is not done.
    meter.abandon(b);
    expect(meter.snapshot().bytesDone).toBe(100_000);
  });

  it('lets the speed fall to nothing when nothing arrives (a pulled cable)', () => {
    let now = 0;
    const meter = new ProgressMeter(1, () => now);
    meter.bytesTotal = 1_000_000;
    const a = {};
    for (let t = 0; t <= 2000; t += 100) {
      now = t;
      meter.update(a, t * 100);
    }
    expect(meter.snapshot().bytesPerSecond).toBeGreaterThan(50_000);
    now = 9000;
    expect(meter.snapshot().bytesPerSecond).toBe(0);
    expect(meter.snapshot().etaSeconds).toBeNull();
  });

  it('says zero seconds left when everything is done', () => {
    const meter = new ProgressMeter(1, () => 0);
    meter.bytesTotal = 10;
    meter.finish({}, 10);
    expect(meter.snapshot()).toMatchObject({ bytesDone: 10, etaSeconds: 0 });
  });
});
