/**
 * Deterministic pictures for templates: a sky, a sun and a ground in one of four palettes, with
 * optional seeded grain (grain is what makes a phone-sized JPEG phone-sized).
 */
import { SeededRandom } from './random';

const PALETTES: [number, number, number][][] = [
  [
    [70, 130, 210],
    [250, 220, 90],
    [60, 140, 70],
  ], // summer day
  [
    [250, 140, 80],
    [255, 240, 200],
    [90, 60, 50],
  ], // sunset
  [
    [20, 30, 70],
    [230, 230, 240],
    [30, 40, 40],
  ], // night
  [
    [180, 200, 215],
    [255, 255, 255],
    [200, 190, 170],
  ], // overcast beach
];

export const PALETTE_COUNT = PALETTES.length;

/** Raw RGB bytes (width × height × 3). */
export function paintScene(width: number, height: number, palette: number, grain = 0, seed = 'scene'): Buffer {
  const [sky, sun, ground] = PALETTES[palette % PALETTES.length]!;
  const out = Buffer.allocUnsafe(width * height * 3);
  const horizon = Math.round(height * 0.62);
  const sunX = width * (0.25 + 0.15 * palette);
  const sunY = height * 0.3;
  const sunR2 = (Math.min(width, height) * 0.09) ** 2;
  const rng = grain ? SeededRandom.derive(seed, `grain-${palette}-${width}x${height}`) : null;
  let at = 0;
  for (let y = 0; y < height; y++) {
    const skyFade = 1 - (0.5 * y) / horizon;
    for (let x = 0; x < width; x++) {
      let c: [number, number, number];
      const dx = x - sunX;
      const dy = y - sunY;
      if (dx * dx + dy * dy < sunR2) c = sun!;
      else if (y < horizon) c = [sky![0] * skyFade, sky![1] * skyFade, sky![2] * skyFade + 40 * (1 - skyFade)];
      else c = [ground![0] * (0.8 + (0.2 * (y - horizon)) / (height - horizon)), ground![1], ground![2]];
      const n = rng ? (rng.uint32() % (2 * grain + 1)) - grain : 0;
      out[at++] = Math.max(0, Math.min(255, c[0] + n));
      out[at++] = Math.max(0, Math.min(255, c[1] + n));
      out[at++] = Math.max(0, Math.min(255, c[2] + n));
    }
  }
  return out;
}
