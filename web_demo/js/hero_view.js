// The comparison hero under the verdict: the Walk panel's walk, every model's frame large and in
// step, playing on its own (paused for people who ask browsers for less motion), over one chart
// of each model's change per step over its own median step, with the jump line across it. It
// shows what the Walk panel computed (no inference of its own) and follows it when it changes.
import { drawImages } from './render.js';
import { element } from './dom.js';
import { COLOURS } from './figures.js';
import { drawStepChart } from './step_chart_svg.js';
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
    ({ geometry, cursor } = drawStepChart(chart, columns, CHART));
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
