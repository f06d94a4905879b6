// "Measure here, in pixels": the tail figures of the evidence table measured live, in this
// browser, on the models on show. The page has no judge, so the change per step is the RMS
// change of [0, 1] pixels (as models/recipes/measure_tears.py measures "in pixels"), along random slerp
// paths between seeds; the images are made in the inference workers, with progress and a Cancel.
import { formatNumber, formatRatio, formatShare } from './figures.js';
import { pathSteps, randomPathLatents, tailStatistics } from './tails.js';
import { element } from './dom.js';

const $ = (id) => document.getElementById(id);
const STEPS = 32; // per path, as models/recipes/measure_tears.py's quick settings (32 paths of 32)
const NAMES = { gan: 'GAN', 'vae-decoder': 'VAE' }; // models named for people; the recipe on hover
const LIMITS = { min: 4, max: 512 };
const ROWS = [
  ['p50', 'median step (p50)', (f) => formatNumber(f.p50, 4)],
  ['p99', 'p99 step', (f) => formatNumber(f.p99, 4)],
  ['p999', 'p99.9 step', (f) => formatNumber(f.p999, 4)],
  ['p999_over_median', 'p99.9 / median', (f) => formatRatio(f.p999_over_median)],
  ['top1_share', 'share of the length in the largest 1% of steps', (f) => formatShare(f.top1_share)],
  ['tail_index', 'tail index (Hill; small = heavy tail)', (f) => formatNumber(f.tail_index, 1)],
];

export function createMeasureView(app) {
  // The GAN and the VAE (not the book's GAN: a 2,000-image measurement of it takes minutes).
  const models = app.shown().filter((id) => !app.models[id].optional);
  let job = null;
  let result = null;
  let latest = 0;

  $('measure-run').disabled = models.length === 0;
  $('measure-run').addEventListener('click', () => measure());
  $('measure-cancel').addEventListener('click', () => {
    if (job !== null) app.engine.cancel(job);
  });

  function setBusy(busy) {
    $('measure-run').disabled = busy;
    $('measure-cancel').hidden = !busy;
    $('measure-progress').hidden = !busy;
  }

  function readPaths() {
    const text = $('measure-paths').value.trim();
    const paths = Number(text);
    const ok = /^\d+$/.test(text) && paths >= LIMITS.min && paths <= LIMITS.max;
    $('measure-paths').setAttribute('aria-invalid', String(!ok));
    $('measure-error').textContent = ok ? ''
      : `paths must be a whole number from ${LIMITS.min} to ${LIMITS.max}`;
    return ok ? paths : null;
  }

  async function measure() {
    const paths = readPaths();
    if (paths === null) return;
    const mine = ++latest;
    const dim = app.models[models[0]].latentDim;
    const latents = randomPathLatents(paths, STEPS, dim);
    const count = paths * (STEPS + 1);
    const done = {};
    job = app.engine.newJob();
    setBusy(true);
    const started = performance.now();
    const progress = () => {
      const made = Object.values(done).reduce((a, b) => a + b, 0);
      $('measure-progress').value = made / (count * models.length);
      $('measure-status').textContent = `${made} of ${count * models.length} images…`;
    };
    progress();
    let images;
    try {
      images = await Promise.all(models.map(async (id) => {
        const answer = await app.engine.run(id, latents.slice(), [count, dim], {
          job,
          onProgress: (made) => {
            done[id] = made;
            progress();
          },
        });
        return answer && answer.outputs[0];
      }));
    } catch (error) {
      $('measure-status').textContent = '';
      $('measure-error').textContent = error.message;
      images = null;
    }
    if (mine !== latest) return;
    job = null;
    setBusy(false);
    if (!images) return;
    if (images.some((data) => data === null)) {
      $('measure-status').textContent = result ? 'Cancelled: the previous figures are still shown.'
        : 'Cancelled.';
      return;
    }
    const figures = Object.fromEntries(models.map((id, k) => [id,
      tailStatistics(pathSteps(images[k], paths, STEPS))]));
    const seconds = (performance.now() - started) / 1000;
    result = { paths, steps: STEPS, seconds, figures };
    draw(result);
  }

  function draw({ paths, steps, seconds, figures }) {
    const table = $('measure-table');
    const head = element('tr');
    head.append(element('th', '', 'in pixels'));
    for (const id of models) {
      const model = app.models[id];
      const th = element('th', '', NAMES[model.kind] ?? model.label);
      th.title = model.label;
      th.dataset.model = id;
      head.append(th);
    }
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...ROWS.map(([key, name, format]) => {
      const row = element('tr');
      row.dataset.figure = key;
      row.append(element('th', '', name));
      for (const id of models) row.append(element('td', '', format(figures[id])));
      return row;
    }));
    table.hidden = false;
    $('measure-status').textContent = `${paths} paths × ${steps} steps per model ` +
      `(seeds 0–${2 * paths - 1}), in ${seconds.toFixed(1)} s`;
  }

  return {
    async update() {},
    info: () => ({ view: 'measure', running: job !== null, models, result }),
  };
}
