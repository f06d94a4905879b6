// window.latentwalk: the page's small hook for browser tests and benchmarks (tests/test_web_*.py,
// benchmarks/browser_latency.py): its state, models, views and verdict, and ways to run a model
// or a walk directly.
import { seedToLatent } from './latent.js';

/** The hook for `app` (app.js); `ready` resolves when the page has started, `verdict` when the
 * first screen's verdict is drawn. */
export function testHook(app, ready, verdict) {
  return {
    ready,
    get state() {
      return app.state && { ...app.state };
    },
    get checks() {
      return app.checks;
    },
    get probe() {
      return app.probe;
    },
    /** Milliseconds after navigation when every Generate image was first on screen:
     * {shipped (the site's pictures; absent when none were shown), live (the models')}. */
    get pictures() {
      return { ...app.pictures };
    },
    /** The data set on show and the URLs of its models. */
    get dataset() {
      return app.dataset && { ...app.dataset,
        models: Object.fromEntries(Object.values(app.described).map((m) => [m.id, m.url])) };
    },
    /** Resolves once the first screen's verdict is drawn: {dataset, status, sentence, curves}. */
    verdict: () => verdict,
    info: () => ({ ...app.engine?.info, workers: app.engine?.size }),
    latent: (seed, dim = 32) => Array.from(seedToLatent(seed, dim)),
    numTensors: async () => (await app.engine.memory()).reduce((a, b) => a + b, 0),
    backend: () => app.engine?.backend,
    setBackend: async (name) => {
      await app.update({ backend: name });
      return app.engine.backend;
    },
    /** Raw model outputs for seeds: {data: number[] NHWC in [-1, 1], ms}. */
    generate: async (modelId, seeds) => {
      const model = app.models[modelId];
      const latents = seeds.map((s) => seedToLatent(s, model.latentDim));
      const { data, ms } = await app.run(modelId, latents);
      return { data: Array.from(data), ms };
    },
    /** Milliseconds for `size` images (seeds 0..size-1), without returning pixels, on all the
     * workers or on `workers` of them. */
    time: async (modelId, size, workers) => {
      const model = app.models[modelId];
      const latents = Array.from({ length: size }, (_, s) => seedToLatent(s, model.latentDim));
      return (await app.run(modelId, latents, { workers })).ms;
    },
    views: () => app.views.map((view) => view.info?.()),
    /** The hero under the verdict: {shown, models, frames, frame, playing, lines, threshold}. */
    hero: () => app.hero?.info() ?? null,
    /** Resolves when the evidence's tears are drawn: {view, drawn: {GAN: count, VAE: count}}. */
    tears: () => app.tears ?? Promise.resolve(null),
    /** Start a walk (as typing it would); resolves when it is drawn or cancelled. */
    walkTo: (walkSeeds, steps) => app.update({ walk: walkSeeds, steps }),
    /** The walk's frames of one model (NHWC in [-1, 1]). */
    walkFrames: (modelId) => app.views[1]?.frames(modelId),
    /** The walk of every model as one labelled GIF (its bytes), as "Download GIF" makes it. */
    walkGif: () => app.views[1]?.gif(),
    /** The atlas on screen: its images for one model (row-major NHWC), and the cell picker. */
    atlasImages: (modelId) => app.views[2]?.images(modelId),
    atlasPick: (row, column) => app.views[2]?.pick([row, column]),
  };
}
