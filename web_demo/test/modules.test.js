// The page's modules by role: views draw, and share their input helpers through inputs.js, never
// through each other (a view importing another view ties their lifetimes and hides the helper).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const JS = new URL('../js/', import.meta.url);
const sources = Object.fromEntries(readdirSync(JS).filter((name) => name.endsWith('.js'))
  .map((name) => [name, readFileSync(new URL(name, JS), 'utf8')]));
const importsOf = (source) => [...source.matchAll(/from '\.\/([\w-]+\.js)'/g)].map((m) => m[1]);

test('no view imports another view', () => {
  for (const [name, source] of Object.entries(sources)) {
    if (!name.endsWith('_view.js')) continue;
    assert.deepEqual(importsOf(source).filter((m) => m.endsWith('_view.js')), [], name);
  }
});

test('the input helpers are defined once, in inputs.js', () => {
  const defining = Object.entries(sources)
    .filter(([, source]) => /export function bind(Input|Select)\b/.test(source))
    .map(([name]) => name);
  assert.deepEqual(defining, ['inputs.js']);
});
