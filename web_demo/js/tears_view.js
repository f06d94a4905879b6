// "The steepest places found": for each model, the frames across the steepest places the tear
// search of models/recipes/measure_tears.py found (tears-<id>.json stores their latents), drawn here by
// the models on show, with each one's stretch over the model's median and whether the change
// survived zooming in (a tear) or shrank with the segment (a steep slope).
import { formatNumber, formatShare, isTear, zoomFactor } from './figures.js';
import { drawImages } from './render.js';
import { element } from './dom.js';

const $ = (id) => document.getElementById(id);
const KINDS = { GAN: 'gan', VAE: 'vae-decoder' }; // figures' model names -> the models' kinds
const SHOWN = 3; // tears per model

/** The tears worth drawing for one model of the figures: those with stored frames, largest
 * first, at most SHOWN, each with its caption. */
export function tearsToDraw(tears, name) {
  const search = tears?.models?.[name]?.tears;
  const found = search?.tears ?? [];
  return found.filter((tear) => Array.isArray(tear.frame_latents) && tear.frame_latents.length)
    .slice(0, SHOWN)
    .map((tear) => ({ latents: tear.frame_latents, caption: tearCaption(tear, zoomFactor(search)) }));
}

export function tearCaption(tear, zoom) {
  const kind = isTear(tear) ? 'a tear' : 'a steep slope';
  const zoomed = zoom ? ` when zoomed ${zoom}×` : ' when zoomed in';
  return `${formatNumber(tear.stretch_over_typical, 1)}× the median stretch; ` +
    `${formatShare(tear.change_kept)} of the change kept${zoomed} (${kind})`;
}

/** Draws the tears of `tears` (the data set's figures) with the models on show, into
 * #evidence-tears. Returns {info(), ready}. */
export function createTearsView(app, tears) {
  const shown = { view: 'tears', drawn: {} };
  const box = $('evidence-tears');

  async function draw() {
    const grid = $('evidence-tears-grid');
    grid.replaceChildren();
    let any = false;
    for (const [name, kind] of Object.entries(KINDS)) {
      const id = app.shown().find((m) => app.models[m].kind === kind && !app.models[m].optional);
      const list = tearsToDraw(tears, name);
      const column = element('div', 'tear-column');
      column.dataset.model = name;
      column.append(element('h3', '', name));
      grid.append(column);
      if (!list.length) {
        column.append(element('p', 'hint', 'No tear search in the figures.'));
        continue;
      }
      if (!id) {
        column.append(element('p', 'hint', 'This model is not running here.'));
        continue;
      }
      shown.drawn[name] = 0;
      for (const item of list) {
        const result = await app.run(id, item.latents.map((z) => Float32Array.from(z)));
        if (!result) continue;
        const figure = element('figure', 'tear');
        const canvas = element('canvas', 'tear-frames');
        drawImages(canvas, result.data, result.count, { columns: result.count, scale: 2 });
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `${name}: ${result.count} frames across the place`);
        figure.append(canvas, element('figcaption', 'hint', item.caption));
        column.append(figure);
        shown.drawn[name] += 1;
        any = true;
      }
    }
    box.hidden = !any;
    return info();
  }

  const info = () => ({ ...shown });
  return { ready: tears ? draw() : Promise.resolve(info()), info, update: async () => {} };
}
