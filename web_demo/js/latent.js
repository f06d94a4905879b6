// Latent-space math: the JavaScript twin of core/latent.py. No TensorFlow here, so Node's test
// runner can import it; web_demo/test/vectors.json (written by the Python side) keeps the twins
// equal to 1e-6.
//
// Seed -> latent mapping "mulberry32-boxmuller/1" (documented at the top of core/latent.py):
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
  let cosine = 0;
  for (let i = 0; i < dim; i++) cosine += (z0[i] / n0) * (z1[i] / n1);
  const omega = Math.acos(Math.min(1, Math.max(-1, cosine)));
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

// A step is a jump when its change exceeds this many times the walk's median step (as
// core/latent.py's JUMP_FACTOR; tests/test_structure.py checks they agree).
export const JUMP_FACTOR = 3;

/** Indices of steps whose change exceeds k times the median step. */
export function findJumps(distances, k = JUMP_FACTOR) {
  const indices = (keep) => distances.flatMap((d, i) => (keep(d) ? [i] : []));
  const middle = distances.length ? median(distances) : 0;
  if (middle <= 0) return indices((d) => d > 0);
  return indices((d) => d > k * middle);
}

/** Scale-free summary of one walk, as train.latent.walk_summary. */
export function walkSummary(distances, k = JUMP_FACTOR) {
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

// ---------------------------------------------------------------------------------------------
// The latent atlas (twin of the atlas part of core/latent.py; the layout is documented there).
// A plane is {origin, axes: [q1, q2], center: [cx, cy], halfWidth, n, seeds, marks, kind}, with
// Float64Array vectors; cell (row i, column j) sits at x = cx - w + (j + 0.5) h,
// y = cy - w + (i + 0.5) h, h = 2w / n. The stretch map uses central differences on the
// (n + 2) x (n + 2) lattice and <a, b> = mean(a * b) over [0, 1] pixels.
// ---------------------------------------------------------------------------------------------

export const ATLAS_MIN_N = 4;
export const ATLAS_MAX_N = 64;
export const ATLAS_MEASURES = ['area', 'stretch'];
const COLLINEAR = 1e-6;

function dot(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function checkN(n) {
  if (!Number.isInteger(n)) throw new Error(`the grid size N must be a whole number, not ${n}`);
  if (n < ATLAS_MIN_N || n > ATLAS_MAX_N) {
    throw new Error(`the grid size N must be from ${ATLAS_MIN_N} to ${ATLAS_MAX_N}, not ${n}`);
  }
  return n;
}

/** Gram-Schmidt of two vectors; null when the second lies along the first. */
function orthonormalPair(e1, e2) {
  const length1 = norm(e1);
  const q1 = Float64Array.from(e1, (v) => v / length1);
  const along = dot(e2, q1);
  const rest = Float64Array.from(e2, (v, i) => v - along * q1[i]);
  const restLength = norm(rest);
  if (restLength <= COLLINEAR * Math.max(norm(e2), length1)) return null;
  return [q1, Float64Array.from(rest, (v) => v / restLength)];
}

/** The plane through three seeds' latents (as train.latent.plane_through_seeds). */
export function planeThroughSeeds(seeds, latentDim = 32, n = 24, margin = 0.15) {
  checkN(n);
  if (!(Number.isFinite(margin) && margin >= 0 && margin <= 2)) {
    throw new Error(`the margin must be from 0 to 2 (a share of the seeds' span), not ${margin}`);
  }
  if (seeds.length !== 3) {
    throw new Error(`a plane needs exactly three seeds (it got ${seeds.length}), e.g. '0, 1, 2'`);
  }
  const repeated = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  if (repeated.length) {
    throw new Error(`the three seeds must differ: seed ${Math.min(...repeated)} is given twice, ` +
      'so they span no plane');
  }
  const z = seeds.map((s) => Float64Array.from(seedToLatent(s, latentDim)));
  const e1 = z[1].map((v, i) => v - z[0][i]);
  const e2 = z[2].map((v, i) => v - z[0][i]);
  if (norm(e1) === 0) throw new Error(`seeds ${seeds[0]} and ${seeds[1]} give the same latent`);
  const axes = orthonormalPair(e1, e2);
  if (!axes) {
    throw new Error(`seeds ${seeds.join(', ')} lie on one line in latent space, so they span ` +
      'no plane: pick another third seed');
  }
  const marks = [[0, 0], [norm(e1), 0], [dot(e2, axes[0]), dot(e2, axes[1])]];
  const xs = marks.map((m) => m[0]);
  const ys = marks.map((m) => m[1]);
  const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const center = [(Math.max(...xs) + Math.min(...xs)) / 2, (Math.max(...ys) + Math.min(...ys)) / 2];
  return {
    origin: z[0], axes, center, halfWidth: side / 2 + margin * side, n, seeds: [...seeds], marks,
    kind: 'seeds',
  };
}

/** Two random orthonormal directions from one plane seed (as train.latent.random_directions). */
export function randomDirections(planeSeed, latentDim = 32) {
  const normals = Float64Array.from(seedToLatent(planeSeed, 2 * latentDim));
  return orthonormalPair(normals.subarray(0, latentDim), normals.subarray(latentDim));
}

/** The plane through a seed along two random directions (as train.latent.random_plane). */
export function randomPlane(seed, planeSeed, latentDim = 32, n = 24, halfWidth = null) {
  checkN(n);
  const width = halfWidth ?? Math.sqrt(latentDim) / 2;
  if (!(Number.isFinite(width) && width > 0)) {
    throw new Error(`the window's half-width must be positive, not ${width}`);
  }
  return {
    origin: Float64Array.from(seedToLatent(seed, latentDim)),
    axes: randomDirections(planeSeed, latentDim),
    center: [0, 0],
    halfWidth: width,
    n,
    seeds: [seed, planeSeed],
    marks: [[0, 0]],
    kind: 'random',
  };
}

export function planeSpacing(plane) {
  return (2 * plane.halfWidth) / plane.n;
}

/** The cells' latents in row-major order (ring = 1 adds the neighbours the map needs). */
export function planeLatents(plane, ring = 0) {
  const h = planeSpacing(plane);
  const side = plane.n + 2 * ring;
  const offset = (k) => (k - ring + 0.5) * h - plane.halfWidth;
  const [q1, q2] = plane.axes;
  const out = [];
  for (let i = 0; i < side; i++) {
    const y = plane.center[1] + offset(i);
    for (let j = 0; j < side; j++) {
      const x = plane.center[0] + offset(j);
      out.push(Float32Array.from(plane.origin, (o, d) => o + x * q1[d] + y * q2[d]));
    }
  }
  return out;
}

/** Where the defining latents fall on the grid, as fractional [row, column]. */
export function markCells(plane) {
  const h = planeSpacing(plane);
  return plane.marks.map(([x, y]) => [
    (y - plane.center[1] + plane.halfWidth) / h,
    (x - plane.center[0] + plane.halfWidth) / h,
  ]);
}

/** Stretch maps from the images on the (n + 2)² lattice: a flat array of (n + 2)² images in the
 * models' [-1, 1] (size values each), measured on [0, 1] pixels. Returns {area, stretch,
 * stretch_min}: Float64Arrays of n * n cells, row-major. */
export function stretchMap(lattice, count, spacing) {
  const side = Math.round(Math.sqrt(count));
  if (side * side !== count || side < 3) {
    throw new Error(`${count} lattice images do not make an (N + 2) x (N + 2) lattice`);
  }
  const size = lattice.length / count;
  const n = side - 2;
  const unit = new Float64Array(lattice.length);
  for (let i = 0; i < lattice.length; i++) unit[i] = Math.min(1, Math.max(0, (lattice[i] + 1) / 2));
  const area = new Float64Array(n * n);
  const stretch = new Float64Array(n * n);
  const stretchMin = new Float64Array(n * n);
  const scale = 1 / (2 * spacing);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const at = (r, c) => (r * side + c) * size;
      const right = at(i + 1, j + 2);
      const left = at(i + 1, j);
      const down = at(i + 2, j + 1);
      const up = at(i, j + 1);
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = 0; k < size; k++) {
        const d1 = (unit[right + k] - unit[left + k]) * scale;
        const d2 = (unit[down + k] - unit[up + k]) * scale;
        a += d1 * d1;
        b += d1 * d2;
        c += d2 * d2;
      }
      a /= size;
      b /= size;
      c /= size;
      const det = Math.max(a * c - b * b, 0);
      const halfTrace = (a + c) / 2;
      const gap = Math.sqrt(Math.max(halfTrace * halfTrace - det, 0));
      area[i * n + j] = Math.sqrt(det);
      stretch[i * n + j] = Math.sqrt(halfTrace + gap);
      stretchMin[i * n + j] = Math.sqrt(Math.max(halfTrace - gap, 0));
    }
  }
  return { area, stretch, stretch_min: stretchMin };
}

/** NumPy's default percentile (linear interpolation between order statistics). */
export function percentile(values, q) {
  const sorted = Float64Array.from(values).sort();
  const position = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
}

/** Scale-free figures of one map (as train.latent.atlas_summary). */
export function atlasSummary(values, k = JUMP_FACTOR) {
  const middle = median(values);
  const p99 = percentile(values, 99);
  let max = -Infinity;
  let above = 0;
  for (const v of values) {
    if (v > max) max = v;
    if (v > k * middle) above++;
  }
  const ok = middle > 0;
  return {
    median: middle,
    cliff_share: ok ? above / values.length : NaN,
    p99_over_median: ok ? p99 / middle : Infinity,
    max_over_median: ok ? max / middle : Infinity,
    k,
  };
}
