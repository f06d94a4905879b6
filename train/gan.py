"""The DCGAN: generator and discriminator architectures and the adversarial training step.

Follows the book (Deep Learning with Python, section 8.5) and its tricks: strided convolutions
instead of pooling, LeakyReLU, a tanh output, Gaussian latents, dropout and label noise in the
discriminator, kernel sizes divisible by the strides (4 with stride 2) to avoid checkerboard
artifacts, and the discriminator left untouched while the generator learns.

Backend-neutral (keras.ops): the gradient steps themselves are in train/backend_steps.py, for
TensorFlow and for JAX.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from . import augment
from .backend_steps import gan_steps
from .config import GANConfig


def build_generator(config: GANConfig, synchronized_batch_norm: bool = False) -> keras.Model:
    """Latent vector (latent_dim,) -> image (32, 32, 3) in [-1, 1].

    ``synchronized_batch_norm``: batch statistics over every replica's rows (TensorFlow's
    data parallelism, train/parallel.py), as one device computes them over the whole batch."""
    slope, arch = config.leaky_slope, config.architecture
    inputs = keras.Input((config.latent_dim,), name="latent")
    if arch == "book":
        x = layers.Dense(128 * 16 * 16)(inputs)
        x = layers.LeakyReLU(slope)(x)
        x = layers.Reshape((16, 16, 128))(x)
        x = layers.Conv2D(256, 5, padding="same")(x)
        x = layers.LeakyReLU(slope)(x)
        x = layers.Conv2DTranspose(256, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(slope)(x)
        for _ in range(2):
            x = layers.Conv2D(256, 5, padding="same")(x)
            x = layers.LeakyReLU(slope)(x)
        outputs = layers.Conv2D(3, 7, activation="tanh", padding="same", name="image")(x)
    else:
        # Radford et al. (2016): project to 4x4, then three 2x upsamplings, batch normalisation
        # in the generator to keep its early training stable.
        width = config.generator_width or (256 if arch == "small" else 16)
        x = layers.Dense(4 * 4 * width, use_bias=False)(inputs)
        norm = {"momentum": 0.9, "synchronized": synchronized_batch_norm}
        x = layers.BatchNormalization(**norm)(x)
        x = layers.LeakyReLU(slope)(x)
        x = layers.Reshape((4, 4, width))(x)
        for filters in (width // 2, width // 4, width // 8):
            x = upsample(x, filters, config.upsample)
            x = layers.BatchNormalization(**norm)(x)
            x = layers.LeakyReLU(slope)(x)
        outputs = layers.Conv2D(3, 3, activation="tanh", padding="same", name="image")(x)
    return keras.Model(inputs, outputs, name="generator")


def upsample(x, filters: int, how: str):
    """Double the height and width of ``x``.

    - "transpose": a stride-2 transposed convolution with a 4x4 kernel (divisible by the stride,
      the book's advice against checkerboard artifacts; Radford et al.'s choice);
    - "subpixel": a 3x3 convolution to 4x the channels, then depth-to-space (Shi et al. 2016):
      no uneven overlap, so no checkerboard, and fast in TF.js's WASM backend;
    - "resize": nearest-neighbour upsampling, then a 3x3 convolution (Odena et al. 2016).
    """
    if how == "transpose":
        return layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
    if how == "resize":
        x = layers.UpSampling2D(2, interpolation="nearest")(x)
        return layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    height, width = int(x.shape[1]), int(x.shape[2])
    x = layers.Conv2D(4 * filters, 3, padding="same", use_bias=False)(x)
    # Depth-to-space with reshapes and a transpose, which every backend and TF.js support.
    x = layers.Reshape((height, width, 2, 2, filters))(x)
    x = layers.Permute((1, 3, 2, 4, 5))(x)
    return layers.Reshape((2 * height, 2 * width, filters))(x)


def build_discriminator(config: GANConfig) -> keras.Model:
    """Image (32, 32, 3) -> one logit ("this image is generated")."""
    slope, arch = config.leaky_slope, config.architecture

    def normalised(layer):
        # Spectral normalisation (Miyato et al. 2018) bounds each layer's Lipschitz constant.
        return layers.SpectralNormalization(layer) if config.spectral_norm else layer

    inputs = keras.Input((32, 32, 3), name="image")
    if arch == "book":
        x = normalised(layers.Conv2D(128, 3))(inputs)
        x = layers.LeakyReLU(slope)(x)
        for _ in range(3):
            x = normalised(layers.Conv2D(128, 4, strides=2))(x)
            x = layers.LeakyReLU(slope)(x)
    else:
        width = 64 if arch == "small" else 8
        x = inputs
        for filters in (width, width * 2, width * 4):
            x = normalised(layers.Conv2D(filters, 4, strides=2, padding="same"))(x)
            x = layers.LeakyReLU(slope)(x)
    x = layers.Flatten()(x)
    # Made with a nonzero rate, then set to the configured one: only then does Keras give the
    # layer its random seed state, which a rate of 0 raised by rebalancing later would need.
    dropout = layers.Dropout(0.5)
    dropout.rate = config.dropout
    x = dropout(x)
    # A logit rather than the book's sigmoid: the same model, with a numerically stable loss.
    outputs = normalised(layers.Dense(1, name="logit"))(x)
    return keras.Model(inputs, outputs, name="discriminator")


def make_optimizer(config: GANConfig, learning_rate: float) -> keras.optimizers.Optimizer:
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate, clipvalue=config.clipvalue)
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, clipvalue=config.clipvalue)


class GAN(keras.Model):
    """Composes a generator and a discriminator; ``train_step`` does one round of each.

    Labels follow the book: 1 means "generated", 0 means "real". Latents and label noise come in
    with the batch (drawn by the caller from a seeded NumPy generator) so a run is repeatable and
    a resumed run draws exactly what the uninterrupted run would have drawn.
    """

    def __init__(
        self,
        discriminator: keras.Model,
        generator: keras.Model,
        latent_dim: int,
        loss: str = "bce",
        shared_fakes: bool = False,
    ):
        super().__init__()
        self.shared_fakes = shared_fakes
        # The fraction of each batch of fakes the generator learns from (--top-k); read when a
        # step is traced, so a change takes retrace().
        self.top_k = 1.0
        # --pr-lambda: the generator's loss reads logit - log(pr_lambda); read when a step is
        # traced, like top_k.
        self.pr_lambda = 1.0
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.loss_name = loss
        # Summed here and divided below, rather than Keras's mean: under tf.distribute that mean
        # is also divided by the number of replicas (and the hinge loss's is not), while the
        # data-parallel step divides every loss itself (train/parallel.py). Same value, same bits.
        self.bce_sum = keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum")

    def bce(self, labels, logits):
        """Binary cross-entropy from logits, averaged over the batch."""
        total = self.bce_sum(labels, logits)
        return total / ops.cast(ops.shape(labels)[0], total.dtype)

    def discriminator_loss(self, labels, logits):
        """BCE on the (noisy) labels, or the hinge loss: logits above 1 for generated images and
        below -1 for real ones (labels only say which is which; no label noise)."""
        if self.loss_name == "hinge":
            sign = ops.where(labels > 0.5, 1.0, -1.0)
            return ops.mean(ops.relu(1.0 - sign * ops.cast(logits, "float32")))
        return self.bce(labels, logits)

    def generator_loss(self, targets, logits):
        """What the generator minimises through the frozen discriminator. Below a ``top_k`` of
        1, only the fakes the discriminator finds most real count (Sinha et al. 2020, "Top-k
        training of GANs"): the lowest "generated" logits of the batch (of each replica's share
        on TensorFlow's data-parallel steps; of the whole batch on JAX's).

        With a ``pr_lambda`` above 1 the non-saturating loss reads the logit minus log(lambda).
        With the discriminator near its optimum the logit is log(q/p) (model over data density),
        so each fake's gradient is weighted 1 / (1 + lambda p/q) instead of 1 / (1 + p/q): fakes
        where the model is many times denser than the data are pushed as before, and those
        where it is less than lambda times as dense hardly at all. The model may then
        over-weight the data's likeliest regions by up to lambda and is not pushed to spread
        into the rest: precision bought with recall (a smoothed form of the PR-divergence of
        Verine et al. 2023, "Precision-recall divergence optimization for generative modeling
        with GANs and normalizing flows", whose f_lambda(u) = max(lambda u, 1) - max(lambda, 1)
        weights only fakes at p/q = 1/lambda)."""
        if self.pr_lambda != 1:
            logits = ops.cast(logits, "float32") - math.log(self.pr_lambda)
        if self.top_k < 1:
            logits = ops.reshape(ops.cast(logits, "float32"), (-1,))
            count = max(1, round(self.top_k * logits.shape[0]))
            logits = ops.expand_dims(-ops.top_k(-logits, count, sorted=False)[0], -1)
            targets = ops.zeros_like(logits)
        if self.loss_name == "hinge":
            return ops.mean(ops.cast(logits, "float32"))  # low "generated" score: looks real
        return self.bce(targets, logits)

    def compile(self, d_optimizer, g_optimizer, jit_compile: bool = False, replicas=None):
        """``replicas``: train data-parallel on them (train/parallel.py), None for one device."""
        super().compile(jit_compile=False)  # Keras's fit() is unused; jit_compile is for our steps
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.step_jit_compile = jit_compile
        self.replicas = replicas
        self.retrace()

    def retrace(self) -> None:
        """Build the steps anew: Dropout's rate is read when a step is traced."""
        self.steps = gan_steps(self, self.step_jit_compile, self.replicas)

    def discriminator_batch(self, fake_images, real_images, label_noise, augmentation=None):
        """Fakes then reals, labelled 1 = "generated" and 0 = "real" as in the book, augmented
        alike when DiffAugment is on (train/augment.py)."""
        batch = ops.shape(real_images)[0]
        # Under mixed precision the fakes come out in bfloat16; the reals are float32.
        fake_images = ops.cast(fake_images, real_images.dtype)
        images = ops.concatenate([fake_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)
        labels += label_noise  # the book's trick: noisy labels keep D from being too sure
        return augment.apply(images, augmentation), labels

    def generator_targets(self, latents):
        """Label 0 ("real") for every generated image: the generator learns to fool D."""
        return ops.zeros((ops.shape(latents)[0], 1))

    def discriminator_step(self, real_images, latents, label_noise, augmentation=None):
        """One step of the discriminator on fakes from ``latents`` and ``real_images``."""
        return self.steps.discriminator_step(real_images, latents, label_noise, augmentation)

    def generator_step(self, latents, augmentation=None):
        """One step of the generator through the frozen discriminator."""
        return self.steps.generator_step(latents, augmentation)

    def train_step(self, data):
        """Compiled: (real_images, d_latents, g_latents, label_noise[, d_augmentation,
        g_augmentation]) -> {d_loss, g_loss}."""
        return self.steps.train_step(data)

    def call(self, latents, training=False):
        return self.generator(latents, training=training)
