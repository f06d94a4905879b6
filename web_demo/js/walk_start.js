// "Start from your image": an image file -> the VAE encoder's code for it, which the walk then
// starts from (state key `start`, so the link keeps the code, not the image). Needs the VAE's
// encoder; without one the file input says so and stays off.
const $ = (id) => document.getElementById(id);
const IMAGE_VALUES = 32 * 32 * 3;

const MAX_BYTES = 10 * 1024 * 1024; // as the app's (streamlit_app/media.py)
const MAX_SIDE = 4096;
const MIN_SIDE = 8; // as the projection command's: smaller says nothing at 32 x 32

/** An image file -> the models' input: its centre square scaled to 32 x 32, NHWC floats in
 * [-1, 1], transparent parts over white (as the app does: the colour under a transparent pixel
 * is arbitrary); also drawn into `preview`. Throws an Error saying what is wrong with it. */
export async function imageInput(file, preview) {
  if (file.size > MAX_BYTES) {
    throw new Error(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; the limit is 10 MB`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not an image this browser can read`);
  }
  const { width, height } = bitmap;
  if (Math.max(width, height) > MAX_SIDE || Math.min(width, height) < MIN_SIDE) {
    bitmap.close();
    throw new Error(`${file.name} is ${width} x ${height} pixels; it must be ${MIN_SIDE} to ` +
      `${MAX_SIDE} pixels a side`);
  }
  const side = Math.min(width, height);
  const context = preview.getContext('2d', { willReadFrequently: true });
  context.fillStyle = '#fff';
  context.fillRect(0, 0, 32, 32);
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, (width - side) / 2, (height - side) / 2, side, side, 0, 0, 32, 32);
  bitmap.close();
  const { data } = context.getImageData(0, 0, 32, 32);
  const input = new Float32Array(IMAGE_VALUES);
  for (let p = 0; p < 32 * 32; p++) {
    for (let c = 0; c < 3; c++) input[p * 3 + c] = data[p * 4 + c] / 127.5 - 1;
  }
  return input;
}

/** Wire the file input, its preview and "Start from the first seed again". Returns {show(state)}. */
export function createWalkStart(app) {
  const encoder = app.models['vae-encoder']; // index.json's VAE entry's encoder_path
  const file = $('walk-image');
  const preview = $('walk-image-preview');
  file.disabled = !encoder;
  file.title = encoder ? '' : 'needs the VAE encoder, which this site does not have';

  async function upload(image) {
    if (!image) return;
    $('walk-image-error').textContent = '';
    try {
      const input = await imageInput(image, preview);
      preview.hidden = false;
      const result = await app.engine.run(encoder.id, input, [1, 32, 32, 3],
        { outputs: encoder.manifest.output_nodes });
      const mean = result.outputs[0];
      await app.update({ start: Array.from(mean, (v) => Number(v.toFixed(4))).join(','), frame: 0 });
    } catch (error) {
      $('walk-image-error').textContent = error.message;
    }
  }

  file.addEventListener('change', () => upload(file.files[0]));
  $('walk-start-clear').addEventListener('click', () => {
    file.value = '';
    preview.hidden = true;
    app.update({ start: '' });
  });
  return {
    show(state) {
      $('walk-start').textContent = state.start
        ? 'The walk starts at your image\'s VAE code (the VAE column\'s first frame is its ' +
          'reconstruction).'
        : '';
      $('walk-start-clear').hidden = !state.start;
    },
  };
}
