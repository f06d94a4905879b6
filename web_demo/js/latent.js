// Latent-space math: the JavaScript twin of train/latent.py. No TensorFlow here, so Node's test
// runner can import it; web_demo/test/vectors.json (written by the Python side) keeps the twins
// equal to 1e-6.
//
// Seed -> latent mapping "mulberry32-boxmuller/1" (documented at the top of train/latent.py):
// mulberry32 started from seed mod 2**32; each uint32 draw x becomes u = (x + 0.5) / 2**32; pairs
// (u1, u2) give r*cos(2 pi u2) then r*sin(2 pi u2) with r = sqrt(-2 ln u1), all in float64; the
// first latentDim values, rounded to float32, are the latent vector.

export const SEED_MAPPING = 'mulberry32-boxmuller/1';
export const MAX_SEED = 0xffffffff;

/** `count` uint32 draws of mulberry32 started from `seed` (plain numbers in [0, 2**32)). */
export function mulberry32(seed, count) {
  let state = seed >>> 0;
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    // Math.imul and `>>> 0` keep every step in 32-bit integer arithmetic, as in Python's masks.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
}

/** The documented seed -> N(0, I) latent vector, a Float32Array of length latentDim. */
export function seedToLatent(seed, latentDim = 32) {
  const pairs = Math.ceil(latentDim / 2);
  const draws = mulberry32(seed, 2 * pairs);
  const normals = new Float64Array(2 * pairs);
  for (let p = 0; p < pairs; p++) {
    const u1 = (draws[2 * p] + 0.5) / 2 ** 32;
    const u2 = (draws[2 * p + 1] + 0.5) / 2 ** 32;
    const radius = Math.sqrt(-2 * Math.log(u1));
    normals[2 * p] = radius * Math.cos(2 * Math.PI * u2);
    normals[2 * p + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return Float32Array.from(normals.subarray(0, latentDim));
}

export function seedsToLatents(seeds, latentDim = 32) {
  return seeds.map((seed) => seedToLatent(seed, latentDim));
}

// Python's int() accepts surrounding spaces, a sign and single underscores between digits.
const INTEGER = /^[+-]?\d+(_\d+)*$/;

function parseInteger(text, whole) {
  const trimmed = text.trim();
  if (!INTEGER.test(trimmed)) {
    throw new Error(`cannot read seeds '${whole}': '${trimmed}' is not a whole number`);
  }
  return Number(trimmed.replaceAll('_', ''));
}

/** Parse "0-15, 42" into [0, 1, ..., 15, 42], exactly as train.latent.parse_seeds does. */
export function parseSeeds(text, limit = 1024) {
  const seeds = [];
  for (const rawPart of String(text).replaceAll(';', ',').split(',')) {
    const part = rawPart.trim();
    if (!part) continue;
    if (part.slice(1).includes('-')) {
      // A leading '-' is a sign, not a range; "-5-3" is as unreadable here as in Python.
      if (part[0] === '-') throw new Error(`cannot read seeds '${text}': '${part}' is not a range`);
      const cut = part.indexOf('-');
      const lo = parseInteger(part.slice(0, cut), text);
      const hi = parseInteger(part.slice(cut + 1), text);
      if (hi < lo) throw new Error(`cannot read seeds '${text}': range '${part}' runs backwards`);
      // Check the size before expanding, so "0-4294967295" fails fast instead of filling memory.
      if (seeds.length + (hi - lo + 1) > limit) {
        throw new Error(`too many seeds in '${text}' (at most ${limit})`);
      }
      for (let s = lo; s <= hi; s++) seeds.push(s);
    } else {
      seeds.push(parseInteger(part, text));
      if (seeds.length > limit) throw new Error(`too many seeds in '${text}' (at most ${limit})`);
    }
  }
  if (seeds.length === 0) throw new Error("no seeds given: write e.g. '0-15, 42'");
  if (seeds.some((s) => s < 0 || s > MAX_SEED)) {
    throw new Error(`seeds must be between 0 and ${MAX_SEED}`);
  }
  return seeds;
}

function norm(z) {
  let sum = 0;
  for (const v of z) sum += v * v;
  return Math.sqrt(sum);
}

/** Straight-line interpolation at one position t; float64 inside, Float32Array out. */
export function lerp(z0, z1, t) {
  const out = new Float32Array(z0.length);
  for (let i = 0; i < z0.length; i++) out[i] = z0[i] + t * (z1[i] - z0[i]);
  return out;
}

/** Spherical interpolation that keeps Gaussian norms: the direction is slerped on the unit
 * sphere and the norm interpolated linearly (same formula as train.latent.slerp). */
export function slerp(z0, z1, t) {
  const n0 = norm(z0);
  const n1 = norm(z1);
  if (n0 === 0 || n1 === 0) return lerp(z0, z1, t);
  const dim = z0.length;
  let dot = 0;
  for (let i = 0; i < dim; i++) dot += (z0[i] / n0) * (z1[i] / n1);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  const direction = new Float64Array(dim);
  if (omega < 1e-7) {
    // Nearly parallel: sin(omega) ~ 0, so blend linearly and renormalise instead of dividing.
    for (let i = 0; i < dim; i++) direction[i] = (1 - t) * (z0[i] / n0) + t * (z1[i] / n1);
    const length = norm(direction);
    for (let i = 0; i < dim; i++) direction[i] /= length;
  } else {
    const w0 = Math.sin((1 - t) * omega) / Math.sin(omega);
    const w1 = Math.sin(t * omega) / Math.sin(omega);
    for (let i = 0; i < dim; i++) direction[i] = w0 * (z0[i] / n0) + w1 * (z1[i] / n1);
  }
  const length = (1 - t) * n0 + t * n1;
  return Float32Array.from(direction, (v) => v * length);
}

export const INTERPOLATIONS = { lerp, slerp };

/** A path through two or more waypoints: `steps` frames per leg, shared ends counted once.
 * Returns (waypoints.length - 1) * steps + 1 Float32Arrays. */
export function walk(waypoints, steps, mode = 'slerp') {
  if (waypoints.length < 2) throw new Error('a walk needs at least two waypoints');
  if (!Number.isInteger(steps) || steps < 1) throw new Error('steps must be at least 1');
  const interpolate = INTERPOLATIONS[mode];
  if (!interpolate) throw new Error(`unknown interpolation '${mode}': use 'lerp' or 'slerp'`);
  const frames = [];
  for (let leg = 0; leg + 1 < waypoints.length; leg++) {
    for (let s = 0; s < steps; s++) {
      frames.push(interpolate(waypoints[leg], waypoints[leg + 1], s / steps));
    }
  }
  frames.push(Float32Array.from(waypoints[waypoints.length - 1]));
  return frames;
}

/** Image change between consecutive frames: mean squared difference of [0, 1] pixels.
 * `frames` is a flat array of `count` images in the models' [-1, 1]; `size` values each. */
export function pathDistances(frames, count) {
  const size = frames.length / count;
  const unit = (v) => Math.min(1, Math.max(0, (v + 1) / 2));
  const distances = new Array(Math.max(0, count - 1));
  for (let f = 0; f + 1 < count; f++) {
    let sum = 0;
    for (let i = f * size; i < (f + 1) * size; i++) {
      const d = unit(frames[i]) - unit(frames[i + size]);
      sum += d * d;
    }
    distances[f] = sum / size;
  }
  return distances;
}

/** NumPy's median: the middle value, or the mean of the two middle values. */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Indices of steps whose change exceeds k times the median step. */
export function findJumps(distances, k = 3) {
  const indices = (keep) => distances.flatMap((d, i) => (keep(d) ? [i] : []));
  const middle = distances.length ? median(distances) : 0;
  if (middle <= 0) return indices((d) => d > 0);
  return indices((d) => d > k * middle);
}

/** Scale-free summary of one walk, as train.latent.walk_summary. */
export function walkSummary(distances, k = 3) {
  const middle = median(distances);
  const max = Math.max(...distances);
  return {
    length: distances.reduce((a, b) => a + b, 0),
    median_step: middle,
    max_step: max,
    max_over_median: middle > 0 ? max / middle : Infinity,
    jumps: findJumps(distances, k),
  };
}
