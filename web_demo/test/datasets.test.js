// models/index.json -> the page's data sets: the default, a link's data set, an unknown one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chooseDataset, modelsOf, readIndex } from '../js/datasets.js';

const INDEX = {
  models: [
    { id: 'gan', dataset: 'frog', path: 'models/frog/gan/generator/' },
    { id: 'vae', dataset: 'frog', path: 'models/frog/vae/decoder/' },
    { id: 'gan', dataset: 'cifar10', path: 'models/cifar10/gan/generator/' },
    { id: 'vae', dataset: 'cifar10', path: 'models/cifar10/vae/decoder/' },
  ],
  datasets: [
    { id: 'frog', label: 'frogs (one class)', short: 'frogs', tears: null },
    { id: 'cifar10', label: 'all ten CIFAR-10 classes', short: 'ten classes',
      tears: 'models/figures/tears-cifar10.json' },
  ],
  default_dataset: 'cifar10',
};

test('the site opens on its default data set, and a link can name another', () => {
  const site = readIndex(INDEX);
  assert.equal(site.defaultId, 'cifar10');
  assert.deepEqual(chooseDataset(site, ''), { dataset: site.datasets[1], notice: null });
  assert.deepEqual(chooseDataset(site, 'frog'), { dataset: site.datasets[0], notice: null });
  assert.deepEqual(modelsOf(site, 'frog').map((m) => m.path),
    ['models/frog/gan/generator/', 'models/frog/vae/decoder/']);
  assert.equal(site.datasets[1].tears, 'models/figures/tears-cifar10.json');
});

test('an unknown data set in a link falls back to the default, with a notice', () => {
  const { dataset, notice } = chooseDataset(readIndex(INDEX), 'cats');
  assert.equal(dataset.id, 'cifar10');
  assert.match(notice, /no data set "cats".*"frog" \(frogs\), "cifar10" \(ten classes\).*showing ten classes/);
});

test('a default the index does not list is replaced by its first data set', () => {
  assert.equal(readIndex({ ...INDEX, default_dataset: 'nope' }).defaultId, 'frog');
});

test('an index without data sets (an older site) is one data set of all its models', () => {
  const site = readIndex({ models: [{ id: 'gan' }, { id: 'vae' }] });
  assert.equal(site.datasets.length, 1);
  assert.equal(site.datasets[0].tears, null);
  const { dataset, notice } = chooseDataset(site, '');
  assert.equal(notice, null);
  assert.deepEqual(modelsOf(site, dataset.id).map((m) => m.id), ['gan', 'vae']);
  assert.equal(chooseDataset(site, 'frog').dataset, dataset);
});
