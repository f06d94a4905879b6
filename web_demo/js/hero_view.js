// The comparison hero under the verdict: the Walk panel's walk, every model's frame large and in
// step, playing on its own (paused for people who ask browsers for less motion), over one chart
// of each model's change per step over its own median step, with the jump line across it. It
// shows what the Walk panel computed (no inference of its own) and follows it when it changes.
import { drawImages } from './render.js';
import { element, svg } from './dom.js';
import { COLOURS } from './figures.js';
import { heroChart } from './hero_chart.js';
import { FRAME_MS } from './walk_column.js';

const $ = (id) => document.getElementById(id);
const IMAGE_VALUES = 32 * 32 * 3;
const FRAME_SCALE = 5;
const CHART = { width: 480, height: 200 };

/** The hero in #hero: {setWalk(columns, walkText), info()}. */
export function createHeroView() {
  const box = $('hero');
  const frames = $('hero-frames');
  const chart = $('hero-chart');
  const play = $('hero-play');
  const still = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  let shown = []; // [{id, name, colour, data, canvas}]
  let count = 0; // frames in the walk
  let current = 0;
  let timer = null;
  let cursor = null;
  let geometry = null;

  play.addEventListener('click', () => (timer === null ? start() : pause()));

  function showFrame(index) {
    current = index;
    for (const model of shown) {
      drawImages(model.canvas, model.data.subarray(index * IMAGE_VALUES, (index + 1) * IMAGE_VALUES),
        1, { scale: FRAME_SCALE, padding: 0 });
    }
    if (cursor && geometry) {
      const x = geometry.x(Math.min(index, geometry.steps - 1)).toFixed(1);
      cursor.setAttribute('x1', x);
      cursor.setAttribute('x2', x);
    }
  }

  function start() {
    if (count < 2) return;
    pause();
    timer = setInterval(() => showFrame((current + 1) % count), FRAME_MS);
    play.textContent = 'Pause';
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    play.textContent = 'Play';
  }

  function drawChart(columns) {
    geometry = heroChart(columns.map((c) => ({ name: c.name, colour: c.colour,
      distances: c.distances })), CHART);
    const { plot } = geometry;
    chart.replaceChildren();
    chart.setAttribute('viewBox', `0 0 ${CHART.width} ${CHART.height}`);
    for (const tick of geometry.yTicks) {
      chart.append(svg('line', { x1: plot.left, x2: plot.right, y1: tick.y, y2: tick.y,
        class: 'grid' }));
      chart.append(svg('text', { x: plot.left - 6, y: tick.y + 4, 'text-anchor': 'end' },
        `${tick.value}×`));
    }
    for (const tick of geometry.xTicks) {
      chart.append(svg('text', { x: tick.x, y: plot.bottom + 15, 'text-anchor': 'middle' },
        String(tick.value)));
    }
    chart.append(svg('line', { x1: plot.left, x2: plot.right, y1: geometry.threshold.y,
      y2: geometry.threshold.y, class: 'threshold' }));
    chart.append(svg('text', { x: plot.right, y: geometry.threshold.y - 5, 'text-anchor': 'end',
      class: 'threshold-label' }, `jump: over ${geometry.threshold.value}× the median step`));
    for (const line of geometry.lines) {
      chart.append(svg('polyline', { points: line.points, class: 'curve', stroke: line.colour,
        'data-model': line.name }));
    }
    chart.append(svg('text', { x: (plot.left + plot.right) / 2, y: CHART.height - 4,
      'text-anchor': 'middle', class: 'axis-title' }, 'step along the walk'));
    chart.append(svg('text', { x: 12, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle',
      class: 'axis-title', transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})` },
    'change ÷ median step'));
    cursor = svg('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom,
      class: 'cursor' });
    chart.append(cursor);
    let legendX = plot.left + 4;
    for (const line of geometry.lines) {
      chart.append(svg('text', { x: legendX, y: plot.top + 12, class: 'legend', fill: line.colour },
        line.name));
      legendX += 14 + 9 * line.name.length;
    }
  }

  return {
    /** Show a walk the Walk panel drew: `columns` [{id, name, data, frames, distances}] (the
     * frames NHWC in [-1, 1]) and the walk as text ("seeds 0, 42, 7 · 64 steps a leg"). */
    setWalk(columns, walkText) {
      const usable = columns.filter((c) => c.data && c.frames > 1);
      if (!usable.length) return;
      pause();
      count = Math.min(...usable.map((c) => c.frames));
      shown = usable.map((c) => ({ ...c, colour: COLOURS[c.name] ?? '#555',
        canvas: element('canvas', 'pixels hero-frame') }));
      frames.replaceChildren(...shown.map((model) => {
        const figure = element('figure', 'hero-model');
        figure.dataset.model = model.id;
        const caption = element('figcaption', '', model.name);
        caption.style.color = model.colour;
        figure.append(model.canvas, caption);
        return figure;
      }));
      drawChart(shown);
      $('hero-walk').textContent = walkText;
      box.hidden = false;
      showFrame(0);
      if (!still) start();
    },
    info: () => ({
      view: 'hero',
      shown: !box.hidden,
      models: shown.map((m) => m.id),
      frames: count,
      frame: current,
      playing: timer !== null,
      lines: geometry?.lines.map((l) => ({ name: l.name, jumps: l.jumps })) ?? [],
      threshold: geometry?.threshold.value ?? null,
    }),
    pause,
    play: start,
  };
}
