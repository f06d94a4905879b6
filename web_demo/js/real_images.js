// The held-out real images a site ships for walks between real images (models/figures/
// real-<id>.json and .png, export/site_real.py), and an image's codes as link text. The pure
// parts (codesText, parseCodes, defaultPair) are tested in Node.

const IMAGE_VALUES = 32 * 32 * 3;

/** An end's codes for the link: "g1,g2,...;v1,v2,..." (4 decimals; the VAE part empty without
 * a VAE), as the app's streamlit_app/real_images.py writes them. */
export function codesText(ganCode, vaeCode) {
  const text = (code) => Array.from(code ?? [], (v) => String(Number(v.toFixed(4)))).join(',');
  return `${text(ganCode)};${text(vaeCode)}`;
}

/** The inverse of codesText for a model of `dim` numbers: {GAN, VAE} (Float32Arrays; VAE null
 * when absent), or null when the text holds no GAN code of that size. */
export function parseCodes(text, dim) {
  const [ganText, vaeText] = String(text ?? '').split(';');
  const read = (part) => (part ? Float32Array.from(part.split(','), Number) : null);
  const gan = read(ganText);
  const vae = read(vaeText);
  if (!gan || gan.length !== dim) return null;
  return { GAN: gan, VAE: vae && vae.length === dim ? vae : null };
}

/** The first image, and the first of another class when there is one (a walk across the
 * data's modes, where a GAN must tear), else the second. */
export function defaultPair(classes) {
  const other = classes.findIndex((name) => name !== classes[0]);
  return [0, other >= 0 ? other : Math.min(1, classes.length - 1)];
}

/** The showcase at `path` (the index's "real"): {count, classes, heldoutIndex, ganLatents
 * (Float32Arrays, or null when the site's GAN is not the one they were found in), summary,
 * betterDrawnByGan, pixels (NHWC in [-1, 1]), image(i)}. */
export async function loadShowcase(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const stored = await response.json();
  const folder = path.slice(0, path.lastIndexOf('/') + 1);
  const picture = await fetch(folder + stored.file);
  if (!picture.ok) throw new Error(`${stored.file}: HTTP ${picture.status}`);
  const bitmap = await createImageBitmap(await picture.blob());
  const count = stored.classes.length;
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, 32 * count, 32);
  const pixels = new Float32Array(count * IMAGE_VALUES);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          pixels[i * IMAGE_VALUES + (y * 32 + x) * 3 + c] =
            data[(y * 32 * count + i * 32 + x) * 4 + c] / 127.5 - 1;
        }
      }
    }
  }
  return {
    count,
    classes: stored.classes,
    heldoutIndex: stored.heldout_index,
    ganLatents: stored.gan_latents ? stored.gan_latents.map((z) => Float32Array.from(z)) : null,
    summary: stored.summary,
    betterDrawnByGan: stored.better_drawn_by_gan,
    reading: stored.reading ?? '',
    figure: stored.figure ? folder + stored.figure : null,
    pixels,
    image: (i) => pixels.subarray(i * IMAGE_VALUES, (i + 1) * IMAGE_VALUES),
  };
}
