// One model's column in the Walk panel: the frame on show, the change-per-step chart, a summary
// line, the strip of every frame and its downloads (a labelled PNG strip, strip_download.js, and
// a GIF). A column keeps its own model's frames and their measured steps
// (train.latent.path_distances' measure, twinned in latent.js); the panel (walk_view.js) says
// which frame to show.
import { findJumps, pathDistances, walkSummary } from './latent.js';
import {
  chartStepAt, downloadBytes, drawChart, drawImages, drawImagesInSlices,
} from './render.js';
import { downloadStrip } from './strip_download.js';
import { encodeGif } from './gif.js';
import { button, element, modelColumn } from './dom.js';

const FRAME_SCALE = 6;
const GIF_SCALE = 4;
const STRIP_COLUMNS = 17; // a default 16-step leg and its end frame per row
const IMAGE_VALUES = 32 * 32 * 3;
export const FRAME_MS = 120; // about 8 frames a second: slow enough to see each step

/** The column of `entry` in `parent`, or null when its model is not available. `onStep(step)`
 * is called when the person clicks a bar of the chart. */
export function createWalkColumn(app, entry, parent, onStep) {
  const node = modelColumn(app, entry, parent, 'walk-column');
  if (!node) return null;
  const frame = element('canvas', 'pixels frame');
  const chart = element('canvas', 'chart clickable');
  const summary = element('p', 'summary');
  const strip = element('canvas', 'pixels strip');
  const downloads = element('div', 'controls');
  const saveStrip = button('Download strip');
  const saveGif = button('Download GIF');
  const gifStatus = element('span', 'timing');
  downloads.append(saveStrip, saveGif, gifStatus);
  node.append(frame, chart, summary, strip, downloads);

  const column = {
    id: entry.id,
    entry,
    data: null, // the frames, NHWC in [-1, 1]
    frames: 0,
    words: '', // the walk, for the strip's file
    distances: [],
    jumps: [],
    layout: null, // the chart's, for clicks

    /** Take a new walk's frames (the walk in `words`): measure its steps and say so in the
     * summary line. */
    setFrames(data, frames, words = '') {
      column.data = data;
      column.frames = frames;
      column.words = words;
      column.distances = pathDistances(data, frames);
      column.jumps = findJumps(column.distances);
      const summed = walkSummary(column.distances);
      summary.textContent = `path length ${summed.length.toExponential(2)} · largest ` +
        `step ${summed.max_over_median.toFixed(1)}× the median · ` +
        `${summed.jumps.length} jump${summed.jumps.length === 1 ? '' : 's'}`;
    },

    /** Show frame `index` and the chart around it; `top`, `waypoints` and `labels` are shared by
     * every column, so their charts compare. */
    showFrame(index, { top, waypoints, labels }) {
      if (!column.data) return;
      drawImages(frame, column.data.subarray(index * IMAGE_VALUES, (index + 1) * IMAGE_VALUES),
        1, { scale: FRAME_SCALE, padding: 0 });
      // Step i is the change from frame i to frame i + 1; outline the one leaving this frame.
      column.layout = drawChart(chart, column.distances, {
        jumps: column.jumps, current: Math.min(index, column.frames - 2), top, waypoints, labels,
      });
    },

    /** Every frame in the strip, a row at a time (a long walk never freezes the page). */
    drawStrip() {
      return drawImagesInSlices(strip, column.data, column.frames,
        { columns: Math.min(column.frames, STRIP_COLUMNS), scale: 1, padding: 1 });
    },
  };

  saveStrip.addEventListener('click', () => {
    if (!column.data) return;
    downloadStrip({ name: entry.name, data: column.data, frames: column.frames,
      words: column.words }, `latentwalk-${entry.id}-walk.png`)
      .catch((error) => app.notice(error.message, 'error'));
  });
  saveGif.addEventListener('click', () => downloadGif(app, column, saveGif, gifStatus));
  chart.addEventListener('click', (event) => {
    if (!column.layout) return;
    const box = chart.getBoundingClientRect();
    const x = ((event.clientX - box.left) * column.layout.width) / box.width;
    const step = chartStepAt(column.layout, x);
    if (step >= 0) onStep(step);
  });
  return column;
}

/** The column's walk as an animated GIF, downloaded; the button waits while it is made. */
async function downloadGif(app, column, trigger, status) {
  if (!column.data) return;
  trigger.disabled = true;
  try {
    const bytes = await encodeGif(column.data, column.frames, {
      scale: GIF_SCALE,
      delayMs: FRAME_MS,
      onProgress: (done) => {
        status.textContent = `GIF ${Math.round((100 * done) / column.frames)}%`;
      },
    });
    status.textContent = '';
    await downloadBytes(bytes, `latentwalk-${column.id}-walk.gif`, 'image/gif');
  } catch (error) {
    app.notice(`The GIF could not be made: ${error.message}`, 'error');
  } finally {
    trigger.disabled = false;
  }
}
