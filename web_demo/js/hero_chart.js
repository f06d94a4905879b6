// The hero's chart, as geometry (no DOM here: Node tests it): every model's change per step
// along one walk, each over its own median step so that models of different scales compare,
// one line each on one axis, with the jump threshold (latent.js JUMP_FACTOR times the median)
// across it. hero_view.js turns it into SVG.
import { JUMP_FACTOR, median } from './latent.js';

const NICE = [1, 2, 2.5, 5, 10];

/** About `count` round tick values from 0 to `top`. */
export function ticks(top, count = 4) {
  if (!(top > 0)) return [0];
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = power * NICE.find((n) => n * power >= raw);
  return Array.from({ length: Math.floor(top / step + 1e-9) + 1 }, (_, i) => +(i * step).toFixed(6));
}

/** The chart of `series` ([{name, colour, distances}], the walk's steps of each model) in a
 * box of `width` x `height` units: {plot, top, threshold: {value, y}, lines: [{name, colour,
 * points: "x,y ...", jumps: [step...]}], xTicks: [{value, x}], yTicks: [{value, y}], x(step)}.
 * A model whose median step is 0 (a constant walk) has no line. */
export function heroChart(series, { width = 480, height = 200, left = 44, right = 12, top = 10,
  bottom = 38 } = {}) {
  const plot = { left, right: width - right, top, bottom: height - bottom };
  const relative = series.map(({ name, colour, distances }) => {
    const middle = median(distances);
    return { name, colour, values: middle > 0 ? distances.map((d) => d / middle) : null };
  }).filter((s) => s.values);
  const steps = Math.max(1, ...relative.map((s) => s.values.length));
  const highest = Math.max(JUMP_FACTOR + 1, ...relative.flatMap((s) => s.values));
  const yTop = highest * 1.05;
  const x = (step) => plot.left + ((step + 0.5) / steps) * (plot.right - plot.left);
  const y = (value) => plot.bottom - (value / yTop) * (plot.bottom - plot.top);
  const lines = relative.map(({ name, colour, values }) => ({
    name,
    colour,
    points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
    jumps: values.flatMap((v, i) => (v > JUMP_FACTOR ? [i] : [])),
  }));
  const xTicks = ticks(steps - 1, 4).map((value) => ({ value, x: x(value) }));
  const yTicks = ticks(yTop, 4).map((value) => ({ value, y: y(value) }));
  return {
    plot, top: yTop, steps, lines, xTicks, yTicks, x,
    threshold: { value: JUMP_FACTOR, y: y(JUMP_FACTOR) },
  };
}
