// The tail of the per-step change along random paths, measured in the page itself in pixels
// (the page has no judge): the twin of core/tearing.py's random_path_steps, rms_steps over
// pixel_judge and tail_statistics, held to them by web_demo/test/vectors.json. No DOM or
// TensorFlow here (Node tests it).
import { median, percentile, seedToLatent, slerp } from './latent.js';

/** Root-mean-square change of [0, 1] pixels between consecutive frames (core/tearing.py's
 * rms_steps over pixel_judge): `frames` holds `count` images in the models' [-1, 1]. */
export function rmsPixelSteps(frames, count) {
  const size = frames.length / count;
  const unit = (v) => Math.min(1, Math.max(0, (v + 1) / 2));
  const steps = new Float64Array(Math.max(0, count - 1));
  for (let f = 0; f + 1 < count; f++) {
    let sum = 0;
    for (let i = f * size; i < (f + 1) * size; i++) {
      const d = unit(frames[i]) - unit(frames[i + size]);
      sum += d * d;
    }
    steps[f] = Math.sqrt(sum / size);
  }
  return steps;
}

/** Hill's estimator of the tail index over the largest `topShare` of the positive values:
 * small for a heavy tail, large for a light one; NaN with too few values. */
export function hillTailIndex(values, topShare = 0.05) {
  const positive = Float64Array.from(values).filter((v) => v > 0).sort().reverse();
  const k = Math.max(2, Math.floor(positive.length * topShare));
  if (positive.length <= k) return NaN;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.log(positive[i]) - Math.log(positive[k]);
  const mean = sum / k;
  return mean > 0 ? 1 / mean : Infinity;
}

/** Median, p99, p99.9 (and over the median) of per-step changes, the share of the total path
 * length carried by the largest 1 % of steps, and the tail index (as core/tearing.py). */
export function tailStatistics(values) {
  const all = Float64Array.from(values);
  const p50 = median(all);
  const p99 = percentile(all, 99);
  const p999 = percentile(all, 99.9);
  const descending = Float64Array.from(all).sort().reverse();
  const top = descending.subarray(0, Math.max(1, Math.ceil(all.length * 0.01)));
  const total = all.reduce((a, b) => a + b, 0);
  return {
    steps: all.length,
    p50,
    p99,
    p999,
    p99_over_median: p50 > 0 ? p99 / p50 : Infinity,
    p999_over_median: p50 > 0 ? p999 / p50 : Infinity,
    top1_share: total > 0 ? top.reduce((a, b) => a + b, 0) / total : NaN,
    tail_index: hillTailIndex(all),
  };
}

/** The latents of `paths` slerp paths of `steps` steps, path i from seed `first` + 2i to seed
 * `first` + 2i + 1 (the page's seeds, so a path can be walked again in the Walk panel); one
 * flat Float32Array of paths x (steps + 1) latents. */
export function randomPathLatents(paths, steps, latentDim = 32, first = 0) {
  const out = new Float32Array(paths * (steps + 1) * latentDim);
  let offset = 0;
  for (let i = 0; i < paths; i++) {
    const z0 = seedToLatent(first + 2 * i, latentDim);
    const z1 = seedToLatent(first + 2 * i + 1, latentDim);
    for (let s = 0; s <= steps; s++, offset += latentDim) out.set(slerp(z0, z1, s / steps), offset);
  }
  return out;
}

/** Per-step changes of every path from the images of randomPathLatents: one flat array. */
export function pathSteps(images, paths, steps) {
  const perPath = images.length / paths;
  const out = new Float64Array(paths * steps);
  for (let i = 0; i < paths; i++) {
    out.set(rmsPixelSteps(images.subarray(i * perPath, (i + 1) * perPath), steps + 1), i * steps);
  }
  return out;
}
