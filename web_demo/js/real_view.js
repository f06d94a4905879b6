// The Real images panel: a walk between two real images, each model between its own codes for
// them: the GAN's found by projection (projector.js, in a worker of its own; the site ships the
// codes of its held-out images when it has this very GAN), the VAE's by its encoder. Each end
// shows the real image and each model's picture of it (what a model cannot draw shows there),
// then each model's frames and one chart of its change per step over its median, with the jump
// line. The link keeps held-out images by number, and an upload by its codes (rfromz, rtoz).
import { COLOURS } from './figures.js';
import { element } from './dom.js';
import { lerp, pathDistances, walkSummary, JUMP_FACTOR } from './latent.js';
import { drawImages } from './render.js';
import { drawStepChart } from './step_chart_svg.js';
import { Projector, ProjectionCancelled } from './projector.js';
import { imageInput } from './walk_start.js';
import { loadShowcase, codesText, parseCodes, defaultPair } from './real_images.js';

const $ = (id) => document.getElementById(id);
const KEYS = ['rfrom', 'rto', 'rfromz', 'rtoz', 'dataset'];
const ENDS = [{ key: 'rfrom', codes: 'rfromz', title: 'From' }, { key: 'rto', codes: 'rtoz', title: 'To' }];
const STEPS = 16; // frames a walk, ends included: 17
const CHART = { width: 480, height: 200 };

export function createRealView(app) {
  const projector = new Projector();
  const gan = app.models.gan;
  const vae = app.models.vae;
  const encoder = app.models['vae-encoder'];
  const projected = new Map(); // held-out number -> the GAN code found here
  const encoded = new Map(); // held-out number -> the VAE code
  const uploads = {}; // end key -> the uploaded pixels, while this page lives
  let showcase = null;
  let latest = 0;
  let last = { shown: false };

  const showcaseReady = (app.dataset.real ? loadShowcase(app.dataset.real) : Promise.resolve(null))
    .then((loaded) => {
      showcase = loaded;
      fillChoices();
    })
    .catch((error) => {
      $('real-error').textContent = `The held-out images could not be read: ${error.message}`;
    });

  function fillChoices() {
    for (const end of ENDS) {
      const select = $(`${end.key}-choice`);
      const options = (showcase?.classes ?? []).map((name, i) => {
        const option = element('option', '', `no. ${i} (${name})`);
        option.value = String(i);
        return option;
      });
      const own = element('option', '', 'your image…');
      own.value = 'upload';
      select.replaceChildren(...options, own);
      select.addEventListener('change', () => {
        if (select.value === 'upload') {
          $(`${end.key}-file`).hidden = false;
          $(`${end.key}-file`).click();
        } else {
          app.update({ [end.key]: Number(select.value), [end.codes]: '' });
        }
      });
      $(`${end.key}-file`).addEventListener('change', (event) => upload(end, event.target.files[0]));
    }
    if (showcase) {
      $('real-summary').textContent = showcase.reading;
      if (showcase.figure) {
        $('real-figure-image').src = showcase.figure;
        $('real-figure').hidden = false;
      }
      const strip = $('real-strip');
      drawImages(strip, showcase.pixels, showcase.count, { columns: showcase.count, scale: 2 });
      strip.hidden = false;
    }
  }

  function progress(text, fraction) {
    $('real-progress').hidden = fraction === null;
    $('real-cancel').hidden = fraction === null;
    if (fraction !== null) $('real-progress').value = fraction;
    $('real-status').textContent = text;
  }

  /** The GAN's code for `pixels`, found in the projection worker with progress. */
  async function project(pixels, what) {
    progress(`Finding the GAN's code for ${what}…`, 0);
    const result = await projector.project(gan.url, pixels, gan.latentDim, {}, (step, steps) =>
      progress(`Finding the GAN's code for ${what}: step ${step} of ${steps}`, step / steps));
    last.projection = { ms: result.ms, pixelError: result.pixelError, backend: result.backend };
    progress(`Found the GAN's code for ${what} in ${(result.ms / 1000).toFixed(1)} s ` +
      `(${result.backend}).`, null);
    return result.latent;
  }

  async function encode(pixels) {
    if (!encoder) return null;
    const result = await app.engine.run(encoder.id, pixels, [1, 32, 32, 3],
      { outputs: encoder.manifest.output_nodes });
    return Float32Array.from(result.outputs[0]);
  }

  async function upload(end, file) {
    if (!file) return;
    $('real-error').textContent = '';
    try {
      const pixels = await imageInput(file, $(`${end.key}-preview`));
      const ganCode = await project(pixels, 'your image');
      const vaeCode = await encode(pixels);
      uploads[end.key] = pixels;
      await app.update({ [end.key]: 'upload', [end.codes]: codesText(ganCode, vaeCode) });
    } catch (error) {
      failed(error);
    }
  }

  $('real-cancel').addEventListener('click', () => projector.cancel());
  $('real-find').addEventListener('click', () => draw(app.state, true).catch(failed));

  function failed(error) {
    if (error instanceof ProjectionCancelled) progress('Cancelled.', null);
    else $('real-error').textContent = error.message;
  }

  /** One end of the walk: {label, pixels or null, codes {GAN, VAE}}; the GAN's code found now
   * when the site did not ship it. */
  async function resolveEnd(state, end, fallback, mayProject) {
    const choice = state[end.key] === '' ? fallback : state[end.key];
    if (choice === 'upload') {
      const codes = parseCodes(state[end.codes], gan?.latentDim ?? 32);
      if (!codes) return null;
      return { label: 'your image', pixels: uploads[end.key] ?? null, codes, choice };
    }
    if (!showcase || !(choice < showcase.count)) return null;
    const pixels = showcase.image(choice);
    const label = `held-out no. ${choice} (${showcase.classes[choice]})`;
    let ganCode = showcase.ganLatents?.[choice] ?? projected.get(choice);
    if (!ganCode && gan) {
      if (!mayProject) return { label, pixels, choice, unprojected: true };
      ganCode = await project(pixels, label);
      projected.set(choice, ganCode);
    }
    if (!encoded.has(choice)) encoded.set(choice, await encode(pixels));
    return { label, pixels, codes: { GAN: ganCode, VAE: encoded.get(choice) }, choice };
  }

  /** Draw the walk; the GAN's codes a site did not ship are found only when asked
   * (`mayProject`: a person chose the images; not on opening the page). */
  async function draw(state, mayProject) {
    const token = ++latest;
    await showcaseReady;
    const [first, second] = showcase ? defaultPair(showcase.classes) : [0, 0];
    const ends = [];
    for (const [k, end] of ENDS.entries()) {
      ends.push(await resolveEnd(state, end, k ? second : first, mayProject));
    }
    if (token !== latest) return;
    $('real-find').hidden = !ends.some((end) => end?.unprojected);
    if (!$('real-find').hidden) {
      $('real-status').textContent = 'This site has no GAN codes for these images: find them ' +
        'here (a few seconds each).';
      return;
    }
    ENDS.forEach((end, k) => {
      $(`${end.key}-choice`).value = String(ends[k]?.choice ?? state[end.key]);
    });
    if (ends.some((end) => !end)) {
      $('real-status').textContent = 'Choose two held-out images, or upload your own.';
      return;
    }
    const models = [['GAN', gan], ['VAE', vae]].filter(([name, model]) => model &&
      ends.every((end) => end.codes[name]));
    const columns = [];
    for (const [name, model] of models) {
      const [a, b] = ends.map((end) => end.codes[name]);
      const latents = Array.from({ length: STEPS + 1 }, (_, i) => lerp(a, b, i / STEPS));
      const result = await app.run(model.id, latents);
      if (token !== latest || !result) return;
      const distances = pathDistances(result.data, STEPS + 1);
      columns.push({ name, colour: COLOURS[name], data: result.data, distances,
        summary: walkSummary(distances) });
    }
    showEnds(ends, columns);
    showFrames(columns);
    drawStepChart($('real-chart'), columns, CHART);
    $('real-chart').hidden = false;
    $('real-reading').textContent = columns.map((c) => `${c.name}: largest step ` +
      `${c.summary.max_over_median.toFixed(1)}× its median, ${c.summary.jumps.length} ` +
      `jump${c.summary.jumps.length === 1 ? '' : 's'} above ${JUMP_FACTOR}×`).join('; ') + '.';
    last = { ...last, shown: true, ends: ends.map((e) => ({ choice: e.choice, label: e.label })),
      models: columns.map((c) => c.name), frames: STEPS + 1,
      jumps: Object.fromEntries(columns.map((c) => [c.name, c.summary.jumps.length])),
      shippedCodes: Boolean(showcase?.ganLatents), codes: ends.map((e) => ({
        GAN: e.codes.GAN && Array.from(e.codes.GAN), VAE: e.codes.VAE && Array.from(e.codes.VAE) })) };
  }

  function showEnds(ends, columns) {
    $('real-ends').replaceChildren(...ends.map((end, k) => {
      const figure = element('figure', 'real-end');
      const pictures = [];
      if (end.pixels) pictures.push(['real', end.pixels]);
      for (const column of columns) {
        const frame = k === 0 ? 0 : STEPS;
        pictures.push([column.name, column.data.subarray(frame * 3072, (frame + 1) * 3072)]);
      }
      for (const [name, pixels] of pictures) {
        const canvas = element('canvas', 'pixels');
        canvas.dataset.picture = name;
        drawImages(canvas, pixels, 1, { scale: 3, padding: 0 });
        figure.append(canvas);
      }
      const names = pictures.map(([name]) => name).join(' | ');
      figure.append(element('figcaption', '', `${ENDS[k].title}: ${end.label} — ${names}` +
        (end.pixels ? '' : ' (the link keeps your image\'s codes, not the image)')));
      return figure;
    }));
  }

  function showFrames(columns) {
    $('real-frames').replaceChildren(...columns.map((column) => {
      const figure = element('figure', 'real-frames-model');
      const canvas = element('canvas', 'pixels');
      canvas.dataset.model = column.name;
      drawImages(canvas, column.data, STEPS + 1, { columns: STEPS + 1, scale: 1, padding: 1 });
      const caption = element('figcaption', '', `${column.name}: ${STEPS + 1} frames`);
      caption.style.color = column.colour;
      figure.append(caption, canvas);
      return figure;
    }));
  }

  return {
    update(state, changed) {
      if (changed && !changed.some((key) => KEYS.includes(key))) return Promise.resolve();
      return draw(state, changed !== null).catch(failed);
    },
    info: () => ({ view: 'real', ...last }),
  };
}
