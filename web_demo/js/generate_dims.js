// Generate's sliders over the seed's latent, one per dimension: moving one edits that number
// (state key `dims`, "index:value" pairs, so the link keeps the edits) and every model redraws.
import { seedToLatent } from './latent.js';
import { element } from './dom.js';

const DIM_RANGE = 3.5; // the sliders' reach: |z_i| > 3.5 has probability 5e-4 under N(0, 1)

/** "3:1.25,7:-0.5" <-> {3: 1.25, 7: -0.5}: the dimensions moved away from the seed's latent. */
export function parseDims(text) {
  const dims = {};
  for (const part of String(text).split(',').filter(Boolean)) {
    const [index, value] = part.split(':').map(Number);
    dims[index] = value;
  }
  return dims;
}

function formatDims(dims) {
  return Object.keys(dims).map(Number).sort((a, b) => a - b)
    .map((i) => `${i}:${Number(dims[i].toFixed(2))}`).join(',');
}

/** `dim` sliders in #dims. Returns {latentOf(state), show(z)}. */
export function createDimSliders(app, dim) {
  const sliders = [];
  for (let i = 0; i < dim; i++) {
    const label = element('label');
    const slider = element('input');
    slider.type = 'range';
    slider.min = String(-DIM_RANGE);
    slider.max = String(DIM_RANGE);
    slider.step = '0.01';
    slider.dataset.dim = String(i);
    const value = element('span');
    slider.addEventListener('input', () => {
      value.textContent = Number(slider.value).toFixed(2);
      const dims = parseDims(app.state.dims);
      dims[i] = Number(slider.value);
      app.update({ dims: formatDims(dims) });
    });
    label.append(element('span', '', `z${i}`), slider, value);
    document.getElementById('dims').append(label);
    sliders.push({ slider, value });
  }
  return {
    /** The seed's latent with the slider edits applied. */
    latentOf(state) {
      const z = seedToLatent(state.seed, dim);
      for (const [i, v] of Object.entries(parseDims(state.dims))) if (Number(i) < dim) z[Number(i)] = v;
      return z;
    },
    /** Each slider at its number of `z`. */
    show(z) {
      sliders.forEach(({ slider, value }, i) => {
        slider.value = String(z[i]);
        value.textContent = z[i].toFixed(2);
      });
    },
  };
}
