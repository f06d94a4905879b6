// The tears the page draws from the figures: those with stored frames, largest first, at most
// three a model, each captioned as a tear or a steep slope by what survived zooming in.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TEAR_KEPT, isTear, zoomFactor } from '../js/figures.js';
import { tearCaption, tearsToDraw } from '../js/tears_view.js';

const frames = [[0, 1], [0.5, 1], [1, 1]];
const FIGURES = {
  models: {
    GAN: { tears: { tears: [
      { stretch_over_typical: 10.4, change_kept: 0.01, frame_latents: frames },
      { stretch_over_typical: 6, change_kept: 0.8 }, // no frames stored: not drawn
      { stretch_over_typical: 4.4, change_kept: 0.75, frame_latents: frames },
      { stretch_over_typical: 3.9, change_kept: null, frame_latents: frames },
      { stretch_over_typical: 3.0, change_kept: 0.01, frame_latents: frames },
    ] } },
    VAE: { tears: { tears: [] } },
  },
};

test('at most three tears a model, with frames, in the order found', () => {
  const drawn = tearsToDraw(FIGURES, 'GAN');
  assert.equal(drawn.length, 3);
  assert.deepEqual(drawn.map((t) => t.caption.split('×')[0]), ['10.4', '4.4', '3.9']);
  assert.deepEqual(drawn[0].latents, frames);
  assert.deepEqual(tearsToDraw(FIGURES, 'VAE'), []);
  assert.deepEqual(tearsToDraw(null, 'GAN'), []);
});

test('a tear keeps its change when zoomed in; a steep slope does not', () => {
  assert.equal(tearCaption({ stretch_over_typical: 10.4, change_kept: 0.01 }, 256),
    '10.4× the median stretch; 1.0% of the change kept when zoomed 256× (a steep slope)');
  assert.equal(tearCaption({ stretch_over_typical: 4.4, change_kept: 0.75 }, 256),
    '4.4× the median stretch; 75.0% of the change kept when zoomed 256× (a tear)');
  assert.match(tearCaption({ stretch_over_typical: 3.9 }, 0),
    /— of the change kept when zoomed in \(a steep slope\)$/);
});

test('the zoom is read from the figures, and the threshold sits between a slope and a jump', () => {
  const search = { segment: 0.25, tears: [{ finest_step: 0.25 / 256 }] };
  assert.equal(zoomFactor(search), 256);
  assert.equal(zoomFactor({ segment: 0.25, tears: [] }), 0);
  assert.equal(zoomFactor(null), 0);
  assert.ok(!isTear({ change_kept: 1 / 256 }) && !isTear({ change_kept: null }) && !isTear(null));
  assert.ok(isTear({ change_kept: TEAR_KEPT }));
});
