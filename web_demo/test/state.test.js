// URL hash <-> state: permalinks round-trip, and bad links become notices with defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkValue, DEFAULTS, parseHash, stateToHash } from '../js/state.js';

test('an empty hash gives the defaults and no notice', () => {
  assert.deepEqual(parseHash(''), { state: { ...DEFAULTS }, notices: [] });
  assert.deepEqual(parseHash('#'), { state: { ...DEFAULTS }, notices: [] });
});

test('a state survives the trip through the hash', () => {
  const state = { dataset: 'frog-automobile', seed: 4294967295, grid: '0-15,42',
    walk: '3,9,27,81', mode: 'lerp', steps: 5, plane: 'random', pseeds: '7,99', n: 12,
    measure: 'stretch', atlas: 'on', cell: '3,11', frame: 17, dims: '3:1.25,7:-0.5', start: '0.5,-1.25',
    book: 'on', rfrom: 3, rto: 'upload', rfromz: '', rtoz: '0.5,-1;0.25,2', backend: 'webgl' };
  const hash = stateToHash(state);
  assert.equal(hash, '#dataset=frog-automobile&seed=4294967295&grid=0-15,42&walk=3,9,27,81' +
    '&mode=lerp&steps=5' +
    '&plane=random&pseeds=7,99&n=12&measure=stretch&atlas=on&cell=3,11&frame=17' +
    '&dims=3%3A1.25,7%3A-0.5' +
    '&start=0.5,-1.25&book=on&rfrom=3&rto=upload&rfromz=&rtoz=0.5,-1%3B0.25,2&backend=webgl');
  assert.deepEqual(parseHash(hash), { state, notices: [] });
});

test('a real-image walk\'s ends are held-out numbers or uploads, with codes of numbers', () => {
  assert.deepEqual(checkValue('rfrom', ' 12 '), { value: 12 });
  assert.deepEqual(checkValue('rto', 'upload'), { value: 'upload' });
  assert.deepEqual(checkValue('rtoz', '0.123456, 1;'), { value: '0.1235,1;' });
  for (const bad of ['-1', '1024', 'x', '1.5']) assert.ok(checkValue('rfrom', bad).error, bad);
  for (const bad of [';1', '1;2;3', 'a;', '1e9;', '1,,2;']) assert.ok(checkValue('rfromz', bad).error, bad);
});

test('the picked atlas cell is "row,column" below the largest N, or empty for the centre', () => {
  assert.deepEqual(checkValue('cell', ' 6, 1 '), { value: '6,1' });
  assert.deepEqual(checkValue('cell', '07,63'), { value: '7,63' });
  assert.deepEqual(checkValue('cell', ''), { value: '' });
  for (const bad of ['6', '6,1,2', '64,0', '-1,2', 'a,b', '1.5,2']) {
    assert.ok(checkValue('cell', bad).error, bad);
  }
  const { state, notices } = parseHash('#cell=99,1');
  assert.equal(state.cell, '');
  assert.match(notices[0], /cell="99,1".*row,column/);
});

test('seed lists are written canonically, so typed spaces do not change the link', () => {
  assert.deepEqual(checkValue('walk', ' 1 ; 2,  3 '), { value: '1,2,3' });
  assert.deepEqual(checkValue('grid', '0 - 7, 9'), { value: '0-7,9' });
  const { state } = parseHash('#grid=0%20-%207,%209');
  assert.equal(state.grid, '0-7,9');
});

test('each bad value falls back to its default with a notice naming it', () => {
  const { state, notices } = parseHash(
    '#backend=tpu&seed=abc&grid=0-9999&walk=5&mode=cubic&steps=0&colour=red&frame=-1' +
    '&dims=3:x&start=1,nan&book=maybe');
  assert.deepEqual(state, { ...DEFAULTS });
  assert.equal(notices.length, 11);
  for (const key of ['backend', 'seed', 'grid', 'walk', 'mode', 'steps', 'colour', 'frame', 'dims',
    'start', 'book']) {
    assert.ok(notices.some((n) => n.includes(`"${key}`) || n.includes(`${key}=`)), key);
  }
});

test('good values are kept next to bad ones', () => {
  const { state, notices } = parseHash('#seed=7&steps=1000&mode=lerp');
  assert.equal(state.seed, 7);
  assert.equal(state.mode, 'lerp');
  assert.equal(state.steps, DEFAULTS.steps);
  assert.equal(notices.length, 1);
  assert.match(notices[0], /steps="1000".*1 to 64/);
});

test('steps must be a plain whole number', () => {
  for (const bad of ['1.5', '-3', '1e1', '', ' ', '0x10']) {
    assert.ok(checkValue('steps', bad).error, bad);
  }
  assert.deepEqual(checkValue('steps', '64'), { value: 64 });
});

test('a seed must be exactly one seed in range', () => {
  assert.ok(checkValue('seed', '1-3').error);
  assert.ok(checkValue('seed', '4294967296').error);
  assert.deepEqual(checkValue('seed', ' 42 '), { value: 42 });
});

test('garbage hashes never throw', () => {
  for (const hash of ['#%E0%A4%A', '#&&&', '#=5', '#seed', '#seed=%00']) {
    const { state } = parseHash(hash);
    assert.equal(typeof state.seed, 'number', hash);
  }
});

test('atlas settings from a link are checked', () => {
  const { state, notices } = parseHash('#plane=cube&pseeds=1&n=65&measure=volume&atlas=maybe');
  assert.deepEqual(state, { ...DEFAULTS });
  assert.equal(notices.length, 5);
  assert.match(notices[2], /N must be a whole number from 4 to 64/);
  assert.equal(parseHash('#pseeds=4,5,6,7').notices.length, 1);
});

test('a long unknown key or value is shortened in its notice', () => {
  const long = 'x'.repeat(100_000);
  const { notices } = parseHash(`#${long}=1&seed=${long}`);
  assert.equal(notices.length, 2);
  for (const notice of notices) assert.ok(notice.length < 250, notice.length);
});

test('slider edits and a start latent are written canonically', () => {
  assert.deepEqual(checkValue('dims', ' 3 : 1.254, 07:-0.5 '), { value: '3:1.25,7:-0.5' });
  assert.ok(checkValue('dims', '600:1').error);
  assert.ok(checkValue('dims', '3:11').error);
  assert.deepEqual(checkValue('start', '0.123456, -2'), { value: '0.1235,-2' });
  assert.deepEqual(checkValue('start', ''), { value: '' });
  assert.ok(checkValue('start', '1,,2').error);
});

test('the data set comes first in the link, and only its form is checked here', () => {
  assert.match(stateToHash(DEFAULTS), /^#dataset=&seed=42&/);
  assert.deepEqual(parseHash('#dataset=cifar10').state, { ...DEFAULTS, dataset: 'cifar10' });
  // An id the site lacks is the app's to resolve (datasets.js); a malformed one is a notice here.
  assert.deepEqual(checkValue('dataset', 'cats'), { value: 'cats' });
  for (const bad of ['../models', 'Frog', 'a b', '-frog', 'x'.repeat(41)]) {
    assert.ok(checkValue('dataset', bad).error, bad);
  }
  const { state, notices } = parseHash('#dataset=%2E%2E%2Fx&seed=7');
  assert.equal(state.dataset, '');
  assert.equal(state.seed, 7);
  assert.equal(notices.length, 1);
  assert.match(notices[0], /dataset/);
});

test('names inherited from every object are unknown settings, not internal errors', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const { state, notices } = parseHash(`#${key}=x&seed=7`);
    assert.deepEqual(notices, [`Ignored unknown link setting "${key}".`]);
    assert.equal(state.seed, 7);
    assert.equal(Object.getPrototypeOf(state), Object.prototype);
    assert.match(checkValue(key, 'x').error, /there is no setting/);
  }
});
