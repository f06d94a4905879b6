// The models' downloads: a progress row per model (its size first, then how far it is), and
// the outcome of each load: running, or failed with the reason in its row and a notice.
import { formatBytes } from './render.js';
import { showNotice } from './dom.js';

const $ = (id) => document.getElementById(id);

function progressRow(model) {
  const row = document.createElement('div');
  row.className = 'progress-row';
  row.innerHTML = '<span class="progress-label"></span><progress max="1" value="0"></progress>' +
    '<span class="progress-text"></span>';
  row.querySelector('.progress-label').textContent = model.label;
  row.querySelector('.progress-text').textContent =
    `${formatBytes(model.manifest.total_bytes)} to download`;
  $('progress').append(row);
  return row;
}

/** Load `list` into `engine`'s workers once `started` (engine.start's promise) resolves: the
 * downloads start now, beside the backend's start. Resolves to {loaded: id -> model,
 * failed: id -> message}. */
export async function loadModels(engine, list, started) {
  const rows = Object.fromEntries(list.map((model) => [model.id, progressRow(model)]));
  const onLoading = (id, fraction) => {
    if (rows[id]) rows[id].querySelector('progress').value = fraction;
  };
  const loading = engine.load(list.map(({ id, url }) => ({ id, url })), { onLoading });
  loading.catch(() => {}); // a backend that failed to start is the error to report
  await started;
  const failures = await loading;
  const outcome = { loaded: {}, failed: {} };
  for (const model of list) {
    const row = rows[model.id];
    if (failures[model.id]) {
      outcome.failed[model.id] = failures[model.id];
      row.classList.add('failed');
      row.querySelector('.progress-text').textContent = failures[model.id];
      showNotice(`${model.label} is unavailable: ${failures[model.id]}`, 'error');
    } else {
      outcome.loaded[model.id] = model;
      row.querySelector('progress').value = 1;
    }
  }
  return outcome;
}
