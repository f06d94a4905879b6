// The site's data sets (models/index.json, written by `python -m export site`): which ones it
// offers, which it opens on, which models belong to each, and where each one's measured figures
// are. No DOM or TensorFlow here (Node tests it).

/** models/index.json -> {datasets: [{id, label, short, tears, real}], models, defaultId}. An index
 * without data sets (a site built before they existed) is one unnamed data set. */
export function readIndex(index) {
  const models = Array.isArray(index?.models) ? index.models : [];
  let datasets = Array.isArray(index?.datasets) ? index.datasets.filter((d) => d?.id) : [];
  if (!datasets.length) {
    datasets = [{ id: models[0]?.dataset ?? '', label: '', short: '', tears: null }];
  }
  datasets = datasets.map((d) => ({
    id: String(d.id),
    label: d.label || d.short || d.id,
    short: d.short || d.label || d.id,
    tears: d.tears || null,
    real: d.real || null, // its held-out real images (site_real.py), for walks between them
  }));
  const ids = datasets.map((d) => d.id);
  const defaultId = ids.includes(index?.default_dataset) ? index.default_dataset : ids[0];
  return { datasets, models, defaultId };
}

/** The data set to show for `wanted` (the link's id, '' for the site's default):
 * {dataset, notice}, where notice says why another one is shown (or is null). */
export function chooseDataset(site, wanted) {
  const byId = Object.fromEntries(site.datasets.map((d) => [d.id, d]));
  const fallback = byId[site.defaultId];
  if (!wanted || byId[wanted]) return { dataset: byId[wanted] ?? fallback, notice: null };
  const offered = site.datasets.map((d) => `"${d.id}" (${d.short})`).join(', ');
  return {
    dataset: fallback,
    notice: `This site has no data set "${wanted}" (it has ${offered}); showing ` +
      `${fallback.short || fallback.id}.`,
  };
}

/** The index entries of one data set's models, in index order. Entries without a data set
 * (an older index) belong to the only one. */
export function modelsOf(site, datasetId) {
  return site.models.filter((entry) => (entry.dataset ?? site.datasets[0].id) === datasetId);
}
