// Loaded as a classic script before vendor/tf.min.js. The TF.js bundle stores its regenerator
// runtime in a global with a strict-mode assignment; when that global does not exist yet it falls
// back to Function("r", ...), which this page's Content-Security-Policy (no 'unsafe-eval') blocks,
// and tf.min.js then stops half-initialised. Declaring the global first avoids the eval.
globalThis.regeneratorRuntime = globalThis.regeneratorRuntime || undefined;
