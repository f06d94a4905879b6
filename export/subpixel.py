"""Export-time rewrite of a generator for the browser: the same function, in ops TF.js runs fast.

tfjs-wasm runs a stride-2 transposed convolution several times slower than a plain convolution
of the same work (measured: 1,258 vs 388 ms for 64 images), and a nearest-neighbour upsampling
followed by a 3x3 convolution spends most of its multiplications on copies of the same pixel.
Both are, exactly, four small convolutions over the low-resolution input, one per output phase
(which of the 2 x 2 output pixels a low-resolution pixel becomes), interleaved by depth-to-space
(Shi et al. 2016, "sub-pixel convolution"). Each phase reads a 2 x 2 window, so one 2 x 2
convolution with 4x the output channels over the input padded by one pixel computes every phase;
phase (a, b) is its window starting at row a, column b; depth-to-space interleaves them.

Per input-output channel pair: a 4x4 transposed convolution stores 16 weights and so does the
rewrite; an upsampling + 3x3 convolution stores 9, the rewrite 16 (the taps that land on the
same source pixel are summed), for 4/9 of the multiplications. A batch normalisation right after
a convolution or dense layer is folded into its weights, and an elementwise activation runs
before depth-to-space, where TF.js fuses it into the convolution.

Only a plain chain of layers is rewritten; anything else (or a rewrite whose outputs differ from
the original's) is exported as Keras traced it. The export's browser parity check compares the
rewritten model in TF.js with the *original* Keras model, so a wrong rewrite cannot ship.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
from keras import layers

from ..core.calls import input_former

# Largest |original - rewritten| (float32, tanh outputs in [-1, 1]) for the rewrite to be used.
MATCH_TOLERANCE = 1e-4


def phase_taps_transposed(kernel_size: int, stride: int) -> dict[int, list[tuple[int, int]]] | None:
    """For a 'same' transposed convolution: per output phase a, the (tap t, window offset j)
    pairs. Output row s*m + a gets input row m + a - 1 + j times kernel tap t. None when the
    phases do not fit a 2-wide window (only stride 2 is rewritten)."""
    if stride != 2 or kernel_size < stride:
        return None
    pad = (kernel_size - stride) // 2  # TensorFlow's "same" padding before the first row
    taps: dict[int, list[tuple[int, int]]] = {}
    for a in range(stride):
        for t in range(kernel_size):
            # y[s*i + t - pad] += x[i] w[t]; for output s*m + a the input row i = m + d with
            # s*d = a + pad - t.
            if (a + pad - t) % stride:
                continue
            j = (a + pad - t) // stride - (a - 1)
            if j not in (0, 1):
                return None
            taps.setdefault(a, []).append((t, j))
    return taps


def phase_taps_upsampled(kernel_size: int, stride: int) -> dict[int, list[tuple[int, int]]] | None:
    """The same for a nearest upsampling by ``stride`` then a stride-1 'same' convolution."""
    if stride != 2 or kernel_size % 2 == 0:
        return None
    pad = (kernel_size - 1) // 2
    taps: dict[int, list[tuple[int, int]]] = {}
    for a in range(stride):
        for t in range(kernel_size):
            # conv output row s*m + a reads upsampled row s*m + a + t - pad = input row m + d.
            j = (a + t - pad) // stride - (a - 1)
            if j not in (0, 1):
                return None
            taps.setdefault(a, []).append((t, j))
    return taps


def subpixel_kernel(kernel: np.ndarray, taps: dict[int, list[tuple[int, int]]]) -> np.ndarray:
    """A (k, k, in, out) kernel -> the (2, 2, in, 4 * out) kernel of the four phases, output
    channel (2a + b) * out + c for phase (a, b), the order depth-to-space reads them in."""
    k_in, k_out = kernel.shape[2], kernel.shape[3]
    phases = np.zeros((2, 2, k_in, 4, k_out), dtype=np.float64)
    for a in (0, 1):
        for b in (0, 1):
            for ty, jy in taps[a]:
                for tx, jx in taps[b]:
                    phases[jy, jx, :, 2 * a + b, :] += kernel[ty, tx]
    return phases.reshape(2, 2, k_in, 4 * k_out).astype(np.float32)


class SubPixelUpsample(layers.Layer):
    """2x upsampling as one 2x2 convolution to 4x the channels (phases), an optional
    LeakyReLU / named activation, and depth-to-space. TensorFlow ops: export-time only."""

    def __init__(self, kernel, bias, activation=None, leaky_slope=None, **kwargs):
        super().__init__(**kwargs)
        self.phase_kernel = np.asarray(kernel, np.float32)
        self.phase_bias = np.asarray(bias, np.float32)
        self.activation = activation
        self.leaky_slope = leaky_slope

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=self.phase_kernel.shape, initializer="zeros", name="kernel", trainable=False
        )
        self.bias = self.add_weight(
            shape=self.phase_bias.shape, initializer="zeros", name="bias", trainable=False
        )
        self.kernel.assign(self.phase_kernel)
        self.bias.assign(self.phase_bias)

    def call(self, x):
        import tensorflow as tf

        height, width, channels = x.shape[1], x.shape[2], self.phase_bias.shape[0] // 4
        padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        z = tf.nn.bias_add(tf.nn.conv2d(padded, self.kernel, 1, "VALID"), self.bias)
        if self.leaky_slope is not None:
            z = tf.nn.leaky_relu(z, self.leaky_slope)
        elif self.activation is not None:
            z = self.activation(z)
        phases = [
            z[:, a : a + height, b : b + width, (2 * a + b) * channels : (2 * a + b + 1) * channels]
            for a in (0, 1)
            for b in (0, 1)
        ]
        return tf.nn.depth_to_space(tf.concat(phases, axis=-1), 2)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, 2 * height, 2 * width, self.phase_bias.shape[0] // 4)


@dataclass
class Rewrite:
    """The rewritten model (or the original) and what was changed, for the manifest."""

    model: keras.Model
    upsamplings: int = 0
    folded_norms: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.upsamplings > 0 or self.folded_norms > 0


def _chain(model: keras.Model) -> list[layers.Layer] | None:
    """The model's layers when it is one input -> layer -> layer -> ... -> one output chain."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    chain = [layer for layer in model.layers if not isinstance(layer, layers.InputLayer)]
    # Each layer beside the one before it (None for the first): the lists differ by one.
    for previous, layer in zip([None, *chain], chain, strict=False):
        # Keras has no public way to ask which layer feeds which (get_config's "inbound_nodes" is a
        # serialisation format, not an API): this is the one place that reads its private
        # _inbound_nodes, and tests/test_subpixel.py's rewrites fail if it goes or changes.
        nodes = getattr(layer, "_inbound_nodes", None)
        if nodes is None:
            raise RuntimeError(
                "this Keras has no Layer._inbound_nodes: export/subpixel.py must follow"
            )
        if len(nodes) != 1 or len(nodes[0].parent_nodes) > 1:
            return None
        parents = [node.operation for node in nodes[0].parent_nodes]
        if previous is not None and parents != [previous]:
            return None
    return chain


def _fold_norm(kernel: np.ndarray, bias: np.ndarray, norm: layers.BatchNormalization, phases=1):
    """Fold an inference-mode batch normalisation over the last axis into kernel and bias."""
    weights = {w.path.rsplit("/", 1)[-1]: np.asarray(w) for w in norm.weights}
    scale = 1.0 / np.sqrt(weights["moving_variance"] + norm.epsilon)
    if norm.scale:
        scale = scale * weights["gamma"]
    shift = -weights["moving_mean"] * scale
    if norm.center:
        shift = shift + weights["beta"]
    scale, shift = np.tile(scale, phases), np.tile(shift, phases)
    return kernel * scale, bias * scale + shift


def _activation(layer):
    """(activation callable or None, leaky slope or None) of an elementwise activation layer."""
    if isinstance(layer, layers.LeakyReLU):
        return None, float(layer.negative_slope)
    if isinstance(layer, layers.ReLU) and layer.max_value is None and not layer.negative_slope:
        return keras.activations.relu, None
    if isinstance(layer, layers.Activation):
        return layer.activation, None
    return None


def _is_linear(layer) -> bool:
    return getattr(layer, "activation", keras.activations.linear) is keras.activations.linear


def _upsampling(chain, i):
    """(taps, kernel (k, k, in, out), bias, layers used) when chain[i:] starts a rewritable
    2x upsampling, else None."""
    layer = chain[i]
    if (
        isinstance(layer, layers.Conv2DTranspose)
        and layer.padding == "same"
        and layer.strides == (2, 2)
        and layer.dilation_rate == (1, 1)
        and layer.output_padding is None
        and layer.kernel_size[0] == layer.kernel_size[1]
        and _is_linear(layer)
    ):
        taps = phase_taps_transposed(layer.kernel_size[0], 2)
        kernel = np.transpose(np.asarray(layer.kernel), (0, 1, 3, 2))  # (k, k, out, in) -> in, out
        used = 1
    elif (
        isinstance(layer, layers.UpSampling2D)
        and layer.size == (2, 2)
        and layer.interpolation == "nearest"
        and i + 1 < len(chain)
        and isinstance(chain[i + 1], layers.Conv2D)
        and not isinstance(chain[i + 1], layers.Conv2DTranspose)
        and chain[i + 1].padding == "same"
        and chain[i + 1].strides == (1, 1)
        and chain[i + 1].dilation_rate == (1, 1)
        and chain[i + 1].groups == 1
        and chain[i + 1].kernel_size[0] == chain[i + 1].kernel_size[1]
        and _is_linear(chain[i + 1])
    ):
        layer = chain[i + 1]
        taps = phase_taps_upsampled(layer.kernel_size[0], 2)
        kernel = np.asarray(layer.kernel)
        used = 2
    else:
        return None
    if taps is None or layer.data_format != "channels_last":
        return None
    out_channels = kernel.shape[3]
    bias = np.asarray(layer.bias) if layer.use_bias else np.zeros(out_channels, np.float32)
    return taps, kernel, bias, used


def _rewrite_chain(model: keras.Model, chain) -> Rewrite:
    x = inputs = keras.Input(model.inputs[0].shape[1:], name=model.inputs[0].name)
    rewrite = Rewrite(model)
    i = 0
    while i < len(chain):
        layer = chain[i]
        found = _upsampling(chain, i)
        if found is not None:
            taps, kernel, bias, used = found
            i += used
            out_channels = kernel.shape[3]
            phase_kernel = subpixel_kernel(kernel, taps)
            phase_bias = np.tile(bias, 4)
            if i < len(chain) and isinstance(chain[i], layers.BatchNormalization):
                phase_kernel, phase_bias = _fold_norm(phase_kernel, phase_bias, chain[i], phases=4)
                rewrite.folded_norms += 1
                i += 1
            activation, slope = None, None
            if i < len(chain) and _activation(chain[i]) is not None:
                activation, slope = _activation(chain[i])
                i += 1
            x = SubPixelUpsample(phase_kernel, phase_bias, activation, slope)(x)
            assert x.shape[-1] == out_channels
            rewrite.upsamplings += 1
            continue
        if (
            isinstance(layer, layers.Dense)
            and _is_linear(layer)
            and i + 1 < len(chain)
            and isinstance(chain[i + 1], layers.BatchNormalization)
        ):
            kernel = np.asarray(layer.kernel)
            bias = np.asarray(layer.bias) if layer.use_bias else np.zeros(kernel.shape[1])
            kernel, bias = _fold_norm(kernel, bias, chain[i + 1])
            dense = layers.Dense(kernel.shape[1], name=layer.name)
            x = dense(x)
            dense.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
            rewrite.folded_norms += 1
            i += 2
            continue
        x = layer(x)
        i += 1
    rewrite.model = keras.Model(inputs, x, name=model.name)
    return rewrite


def rewrite_for_browser(model: keras.Model, check_latents: np.ndarray) -> Rewrite:
    """The model with its 2x upsamplings as sub-pixel convolutions and its batch norms folded,
    if that is possible and matches the original on ``check_latents`` within MATCH_TOLERANCE;
    otherwise the original, with a note saying why."""
    chain = _chain(model)
    if chain is None:
        return Rewrite(model, notes=["not a plain chain of layers: exported as traced"])
    rewrite = _rewrite_chain(model, chain)
    if not rewrite.changed:
        return Rewrite(model, notes=["nothing to rewrite"])
    # Inputs as a list, the structure a functional model names them in (no Keras warning).
    expected = np.asarray(model(input_former(model)(check_latents), training=False))
    actual = np.asarray(rewrite.model(input_former(rewrite.model)(check_latents), training=False))
    difference = float(np.max(np.abs(expected - actual)))
    if not difference <= MATCH_TOLERANCE:
        return Rewrite(
            model, notes=[f"the rewrite differed by {difference:.2g}: exported as traced"]
        )
    rewrite.notes.append(
        f"{rewrite.upsamplings} upsampling(s) as sub-pixel convolutions, "
        f"{rewrite.folded_norms} batch normalisation(s) folded; max |difference| in Keras "
        f"{difference:.2g}"
    )
    return rewrite
