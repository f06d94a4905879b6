// The Walk panel: one latent path through two or more seeds, rendered by every loaded model side
// by side, with play / pause, a scrub slider, a strip of all frames and a chart of the image
// change per step (train.latent.path_distances' measure, so jumps show as tall red bars).
import { findJumps, parseSeeds, pathDistances, seedToLatent, walk, walkSummary } from './latent.js';
import { downloadCanvas, drawChart, drawImages } from './render.js';
import { bindInput } from './generate_view.js';

const $ = (id) => document.getElementById(id);
const FRAME_SCALE = 6;
const STRIP_COLUMNS = 17; // a default 16-step leg and its end frame per row
const FRAME_MS = 120; // about 8 frames a second: slow enough to see each step

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** One model's column: current frame, chart, summary line, strip and its download button. */
function buildColumn(app, entry) {
  const column = element('div', 'walk-column');
  column.dataset.model = entry.id;
  column.append(element('h3', '', entry.label ?? entry.id));
  if (!app.models[entry.id]) {
    column.append(element('p', 'column-error', `Not available: ${app.errors[entry.id]}`));
    $('walk-columns').append(column);
    return null;
  }
  const frame = element('canvas', 'pixels frame');
  const chart = element('canvas', 'chart');
  chart.width = 384;
  chart.height = 90;
  const summary = element('p', 'summary');
  const strip = element('canvas', 'pixels strip');
  const download = element('button', '', 'Download strip');
  download.type = 'button';
  download.addEventListener('click', () =>
    downloadCanvas(strip, `latentwalk-${entry.id}-walk.png`)
      .catch((error) => app.notice(error.message, 'error')));
  column.append(frame, chart, summary, strip, download);
  $('walk-columns').append(column);
  return { id: entry.id, frame, chart, summary, strip, data: null, distances: [], jumps: [] };
}

export function createWalkView(app) {
  const columns = app.entries.map((entry) => buildColumn(app, entry)).filter(Boolean);
  const scrub = $('scrub');
  const play = $('play');
  let frameCount = 0;
  let current = 0;
  let timer = null;
  let waypoints = [];
  let steps = 1;
  let latest = 0;
  let drawnPath = null; // the {walk, mode, steps} on screen, once its frames are drawn

  bindInput(app, $('walk-seeds'), 'walk', $('walk-error'));
  bindInput(app, $('steps'), 'steps', $('steps-error'));
  $('mode').addEventListener('change', () => app.update({ mode: $('mode').value }));
  scrub.addEventListener('input', () => showFrame(Number(scrub.value)));
  play.addEventListener('click', () => (timer ? pause() : start()));

  function start() {
    if (frameCount < 2) return;
    play.textContent = 'Pause';
    play.setAttribute('aria-pressed', 'true');
    timer = setInterval(() => showFrame((current + 1) % frameCount), FRAME_MS);
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    play.textContent = 'Play';
    play.setAttribute('aria-pressed', 'false');
  }

  function showFrame(index) {
    current = Math.max(0, Math.min(frameCount - 1, index));
    scrub.value = String(current);
    const leg = Math.min(Math.floor(current / steps), waypoints.length - 2);
    const t = (current - leg * steps) / steps;
    $('frame-label').textContent = `frame ${current + 1} of ${frameCount} · seed ` +
      `${waypoints[leg]} → ${waypoints[leg + 1]}, t = ${t.toFixed(2)}`;
    for (const column of columns) {
      if (!column.data) continue;
      const size = column.data.length / frameCount;
      drawImages(column.frame, column.data.subarray(current * size, (current + 1) * size), 1,
        { scale: FRAME_SCALE, padding: 0 });
      // Step i is the change from frame i to frame i + 1; outline the one leaving this frame.
      drawChart(column.chart, column.distances, {
        jumps: column.jumps,
        current: Math.min(current, frameCount - 2),
      });
    }
  }

  async function compute(state) {
    const mine = ++latest;
    const seeds = parseSeeds(state.walk, 16);
    const results = await Promise.all(columns.map(async (column) => {
      const dim = app.models[column.id].latentDim;
      const path = walk(seeds.map((s) => seedToLatent(s, dim)), state.steps, state.mode);
      return (await app.run(column.id, path)).data;
    }));
    if (mine !== latest) return; // the person changed the walk meanwhile; that one will draw
    waypoints = seeds;
    steps = state.steps;
    frameCount = (seeds.length - 1) * steps + 1;
    columns.forEach((column, i) => {
      column.data = results[i];
      column.distances = pathDistances(column.data, frameCount);
      column.jumps = findJumps(column.distances);
      const summary = walkSummary(column.distances);
      column.summary.textContent = `path length ${summary.length.toExponential(2)} · largest ` +
        `step ${summary.max_over_median.toFixed(1)}× the median · ` +
        `${summary.jumps.length} jump${summary.jumps.length === 1 ? '' : 's'}`;
      drawImages(column.strip, column.data, frameCount,
        { columns: Math.min(frameCount, STRIP_COLUMNS), scale: 1, padding: 1 });
    });
    drawnPath = { walk: state.walk, mode: state.mode, steps: state.steps };
    scrub.max = String(frameCount - 1);
    showFrame(Math.min(current, frameCount - 1));
  }

  return {
    async update(state, changed) {
      $('walk-seeds').value = state.walk;
      $('mode').value = state.mode;
      $('steps').value = String(state.steps);
      const keys = ['walk', 'mode', 'steps', 'backend'];
      if (changed === null || changed.some((key) => keys.includes(key))) await compute(state);
    },
    info: () => ({
      view: 'walk',
      path: drawnPath,
      frames: frameCount,
      frame: current,
      playing: timer !== null,
      distances: Object.fromEntries(columns.map((c) => [c.id, c.distances])),
      jumps: Object.fromEntries(columns.map((c) => [c.id, c.jumps])),
    }),
    pause,
    play: start,
  };
}
