"""How a training step is taken and compiled on each Keras backend: TensorFlow or JAX.

The models and their losses are written once, with ``keras.ops`` (train/gan.py, train/vae.py);
only the gradient step differs:

- TensorFlow: a ``GradientTape`` that updates the Keras variables in place, traced by
  ``tf.function`` and compiled with XLA when ``jit_compile`` is set (the trainer's original steps).
- JAX: the same losses as pure functions of the variables' *values* (``stateless_call``,
  ``jax.value_and_grad``, ``optimizer.stateless_apply``), always compiled by ``jax.jit`` (see
  ``JaxStep``). After every step the new values are written back into the Keras variables, so
  everything else (checkpoints, sample grids, rebalancing, saving the model) sees the variables
  exactly as on TensorFlow.

On both backends a compiled step reads Dropout's rate while it is traced, so a new rate needs new
steps: ``gan_steps`` and ``vae_steps`` build fresh ones each time they are called.

With ``replicas`` (train/parallel.py; None for one device) the same steps run data-parallel: on
JAX the jitted step gets its arrays sharded by rows, on TensorFlow each replica runs the step on
its rows under ``strategy.run``, with its loss share and the summed gradients.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import keras

from . import augment
from .config import ConfigError

BACKEND = keras.backend.backend()
if BACKEND == "jax":
    import jax
elif BACKEND == "tensorflow":
    import tensorflow as tf


def _check_backend() -> None:
    if BACKEND not in ("tensorflow", "jax"):
        raise ConfigError(
            f"the trainer runs on Keras's TensorFlow or JAX backend, not {BACKEND!r}: "
            "set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax"
        )


def gan_steps(gan, jit_compile: bool, replicas=None):
    """An object with ``discriminator_step``, ``generator_step`` and ``train_step`` for ``gan``."""
    _check_backend()
    return (JaxGANSteps if BACKEND == "jax" else TensorFlowGANSteps)(gan, jit_compile, replicas)


def vae_steps(vae, jit_compile: bool, replicas=None):
    """An object with ``train_step`` for ``vae``."""
    _check_backend()
    return (JaxVAESteps if BACKEND == "jax" else TensorFlowVAESteps)(vae, jit_compile, replicas)


def _unpack_gan_data(data):
    """(real_images, d_latents, g_latents, label_noise[, d_augmentation, g_augmentation])."""
    real_images, d_latents, g_latents, label_noise, *augmentations = data
    d_aug, g_aug = augmentations if augmentations else (None, None)
    return real_images, d_latents, g_latents, label_noise, d_aug, g_aug


# --- TensorFlow ----------------------------------------------------------------------------------


class _TensorFlowReplicaMath:
    """A replica's part of the loss and the gradients to apply: the loss and its gradients
    themselves on one device; with replicas, the loss / replicas and the sum over replicas."""

    replicas = None

    def _share(self, loss):
        return loss if self.replicas is None else self.replicas.share(loss)

    def _summed(self, grads):
        return grads if self.replicas is None else self.replicas.sum_gradients(grads)

    def _compile(self, step, jit_compile: bool, optimizers: list):
        """``step`` compiled for one device, or run on every replica's rows of its arguments
        (never with XLA: train/parallel.py refuses --jit with several replicas)."""
        if self.replicas is None:
            return tf.function(step, jit_compile=jit_compile, reduce_retracing=True)
        for optimizer in optimizers:
            self.replicas.take_over_gradient_sum(optimizer)
        return self.replicas.compile(step)


class TensorFlowGANSteps(_TensorFlowReplicaMath):
    def __init__(self, gan, jit_compile: bool, replicas=None):
        self.gan = gan
        self.replicas = replicas
        optimizers = [gan.d_optimizer, gan.g_optimizer]
        self.train_step = self._compile(self._train_step, jit_compile, optimizers)
        if replicas is None:  # the single steps run eagerly on one device, as they always did
            self.discriminator_step = self._discriminator_step
            self.generator_step = self._generator_step
        else:
            self.discriminator_step = replicas.compile(self._discriminator_step)
            self.generator_step = replicas.compile(self._generator_step)

    def _discriminator_step(self, real_images, latents, label_noise, augmentation=None):
        fake_images = self.gan.generator(latents, training=True)
        return self._discriminator_update(fake_images, real_images, label_noise, augmentation)

    def _discriminator_update(self, fake_images, real_images, label_noise, augmentation=None):
        gan = self.gan
        images, labels = gan.discriminator_batch(
            fake_images, real_images, label_noise, augmentation
        )
        with tf.GradientTape() as tape:
            d_loss = gan.discriminator_loss(labels, gan.discriminator(images, training=True))
            share = self._share(d_loss)
        grads = self._summed(tape.gradient(share, gan.discriminator.trainable_variables))
        gan.d_optimizer.apply(grads, gan.discriminator.trainable_variables)
        return d_loss

    def _generator_step(self, latents, augmentation=None):
        gan = self.gan
        targets = gan.generator_targets(latents)
        with tf.GradientTape() as tape:
            fake_images = augment.apply(gan.generator(latents, training=True), augmentation)
            g_loss = gan.generator_loss(targets, gan.discriminator(fake_images, training=True))
            share = self._share(g_loss)
        # Only the generator's weights get gradients: the discriminator is frozen here.
        grads = self._summed(tape.gradient(share, gan.generator.trainable_variables))
        gan.g_optimizer.apply(grads, gan.generator.trainable_variables)
        return g_loss

    def _train_step(self, data):
        real_images, d_latents, g_latents, label_noise, d_aug, g_aug = _unpack_gan_data(data)
        if self.gan.shared_fakes:
            return self._shared_fakes_step(real_images, d_latents, label_noise, d_aug, g_aug)
        d_loss = self._discriminator_step(real_images, d_latents, label_noise, d_aug)
        g_loss = self._generator_step(g_latents, g_aug)
        return {"d_loss": d_loss, "g_loss": g_loss}

    def _shared_fakes_step(self, real_images, latents, label_noise, d_aug, g_aug):
        """The same two updates, in the same order, on one batch of fakes: the generator's
        forward pass is kept (its tape) through the discriminator's update, and the generator
        then learns from the updated discriminator's verdict on those fakes."""
        gan = self.gan
        with tf.GradientTape() as g_tape:
            fake_images = gan.generator(latents, training=True)
            with g_tape.stop_recording():
                d_loss = self._discriminator_update(
                    tf.stop_gradient(fake_images), real_images, label_noise, d_aug
                )
            logits = gan.discriminator(augment.apply(fake_images, g_aug), training=True)
            g_loss = gan.generator_loss(gan.generator_targets(latents), logits)
            share = self._share(g_loss)
        grads = self._summed(g_tape.gradient(share, gan.generator.trainable_variables))
        gan.g_optimizer.apply(grads, gan.generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}


class TensorFlowVAESteps(_TensorFlowReplicaMath):
    def __init__(self, vae, jit_compile: bool, replicas=None):
        self.vae = vae
        self.replicas = replicas
        self.train_step = self._compile(self._train_step, jit_compile, [vae.vae_optimizer])

    def _train_step(self, data):
        images, noise, kl_weight = data
        with tf.GradientTape() as tape:
            loss, reconstruction, kl = self.vae.losses_for(images, noise, kl_weight)
            share = self._share(loss)
        grads = self._summed(tape.gradient(share, self.vae.trainable_variables))
        self.vae.vae_optimizer.apply(grads, self.vae.trainable_variables)
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}


# --- JAX -----------------------------------------------------------------------------------------


class JaxStep:
    """Runs ``step(values, *args) -> (outputs, new_values)``, compiled by ``jax.jit``, on the
    current values of a tree of Keras variables, and writes the new values back into them.

    Always compiled, whatever ``jit_compile`` says: that option picks between TensorFlow's graph
    and XLA, and JAX has no graph mode short of XLA. Eager JAX compiles each operation on its own
    instead; on the tiny GAN its first step took 80 s against 18 s jitted, and later steps
    0.3-0.6 s against 0.01-0.02 s (2 busy CPU cores).

    With ``replicas`` (train/parallel.py's JaxReplicas) the arguments are sharded by rows over
    the devices, the variables are replicated there, and so are the step's results.
    """

    def __init__(self, step: Callable, variables: Any, replicas=None):
        self.variables = variables
        self.replicas = replicas
        # A new jax.jit for every JaxStep, over a function that belongs to it: jit caches traces
        # per function, and a cached trace would keep an old Dropout rate.
        if replicas is None:
            self._step = jax.jit(step)
        else:
            self._step = jax.jit(step, out_shardings=replicas.replicated)

    def __call__(self, *args):
        if self.replicas is not None:
            args = self.replicas.shard(args)
        values = jax.tree.map(lambda variable: variable.value, self.variables)
        outputs, new_values = self._step(values, *args)
        for variable, value in zip(
            jax.tree.leaves(self.variables), jax.tree.leaves(new_values), strict=True
        ):
            variable.assign(value)
        return outputs


def _jax_descend(loss_fn: Callable, trainable: list, optimizer, optimizer_values: list):
    """One optimizer step down the gradient of ``loss_fn(trainable) -> (loss, aux)``, on values;
    returns the loss, aux, and the new trainable and optimizer values."""
    (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
    trainable, optimizer_values = optimizer.stateless_apply(optimizer_values, grads, trainable)
    return loss, aux, trainable, optimizer_values


class GANState(NamedTuple):
    """What a GAN step reads and writes: Keras variables outside a JAX step, values inside."""

    g_trainable: list
    g_state: list  # BatchNormalization statistics
    d_trainable: list
    d_state: list  # Dropout's random seed
    g_optimizer: list
    d_optimizer: list


class JaxGANSteps:
    def __init__(self, gan, jit_compile: bool, replicas=None):  # jit_compile: always, see JaxStep
        self.gan = gan
        generator, discriminator = gan.generator, gan.discriminator
        variables = GANState(
            generator.trainable_variables,
            generator.non_trainable_variables,
            discriminator.trainable_variables,
            discriminator.non_trainable_variables,
            gan.g_optimizer.variables,
            gan.d_optimizer.variables,
        )
        self._discriminator = JaxStep(self._discriminator_step, variables, replicas)
        self._generator = JaxStep(self._generator_step, variables, replicas)
        self._both = JaxStep(self._train_step, variables, replicas)

    def discriminator_step(self, real_images, latents, label_noise, augmentation=None):
        return self._discriminator(real_images, latents, label_noise, augmentation)

    def generator_step(self, latents, augmentation=None):
        return self._generator(latents, augmentation)

    def train_step(self, data):
        return self._both(data)

    def _discriminator_step(
        self, state: GANState, real_images, latents, label_noise, augmentation=None
    ):
        fake_images, g_state = self.gan.generator.stateless_call(
            state.g_trainable, state.g_state, latents, training=True
        )
        return self._discriminator_update(
            state._replace(g_state=g_state), fake_images, real_images, label_noise, augmentation
        )

    def _discriminator_update(
        self, state: GANState, fake_images, real_images, label_noise, augmentation=None
    ):
        gan = self.gan
        images, labels = gan.discriminator_batch(
            fake_images, real_images, label_noise, augmentation
        )

        def loss_fn(d_trainable):
            logits, d_state = gan.discriminator.stateless_call(
                d_trainable, state.d_state, images, training=True
            )
            return gan.discriminator_loss(labels, logits), d_state

        loss, d_state, d_trainable, d_optimizer = _jax_descend(
            loss_fn, state.d_trainable, gan.d_optimizer, state.d_optimizer
        )
        new_state = state._replace(
            d_trainable=d_trainable, d_state=d_state, d_optimizer=d_optimizer
        )
        return loss, new_state

    def _fooling_loss(self, state: GANState, fake_images, latents, augmentation=None):
        """The generator's loss on ``fake_images`` and the discriminator's new state. The
        discriminator's weights are read, never differentiated: frozen, as in the book."""
        gan = self.gan
        logits, d_state = gan.discriminator.stateless_call(
            state.d_trainable,
            state.d_state,
            augment.apply(fake_images, augmentation),
            training=True,
        )
        return gan.generator_loss(gan.generator_targets(latents), logits), d_state

    def _generator_step(self, state: GANState, latents, augmentation=None):
        gan = self.gan

        def loss_fn(g_trainable):
            fake_images, g_state = gan.generator.stateless_call(
                g_trainable, state.g_state, latents, training=True
            )
            loss, d_state = self._fooling_loss(state, fake_images, latents, augmentation)
            return loss, (g_state, d_state)

        loss, (g_state, d_state), g_trainable, g_optimizer = _jax_descend(
            loss_fn, state.g_trainable, gan.g_optimizer, state.g_optimizer
        )
        new_state = state._replace(
            g_trainable=g_trainable, g_state=g_state, d_state=d_state, g_optimizer=g_optimizer
        )
        return loss, new_state

    def _train_step(self, state: GANState, data):
        real_images, d_latents, g_latents, label_noise, d_aug, g_aug = _unpack_gan_data(data)
        if self.gan.shared_fakes:
            return self._shared_fakes_step(state, real_images, d_latents, label_noise, d_aug, g_aug)
        d_loss, state = self._discriminator_step(state, real_images, d_latents, label_noise, d_aug)
        g_loss, state = self._generator_step(state, g_latents, g_aug)
        return {"d_loss": d_loss, "g_loss": g_loss}, state

    def _shared_fakes_step(self, state: GANState, real_images, latents, label_noise, d_aug, g_aug):
        """See TensorFlowGANSteps._shared_fakes_step: one generator forward pass, its pullback
        (``jax.vjp``) kept for the generator's update after the discriminator's."""
        gan = self.gan

        def generate(g_trainable):
            return gan.generator.stateless_call(g_trainable, state.g_state, latents, training=True)

        fake_images, pullback, g_state = jax.vjp(generate, state.g_trainable, has_aux=True)
        d_loss, state = self._discriminator_update(
            state._replace(g_state=g_state),
            jax.lax.stop_gradient(fake_images),
            real_images,
            label_noise,
            d_aug,
        )

        def loss_fn(fakes):
            return self._fooling_loss(state, fakes, latents, g_aug)

        (g_loss, d_state), fake_grads = jax.value_and_grad(loss_fn, has_aux=True)(fake_images)
        (grads,) = pullback(fake_grads)
        g_trainable, g_optimizer = gan.g_optimizer.stateless_apply(
            state.g_optimizer, grads, state.g_trainable
        )
        state = state._replace(g_trainable=g_trainable, d_state=d_state, g_optimizer=g_optimizer)
        return {"d_loss": d_loss, "g_loss": g_loss}, state


class VAEState(NamedTuple):
    trainable: list
    state: list
    optimizer: list


def _stateless(model: keras.Model, trainable: list, non_trainable: list, method, *args):
    """``model.stateless_call`` for any method of the model (here, the VAE's losses)."""
    mapping = list(zip(model.trainable_variables, trainable, strict=True))
    mapping += list(zip(model.non_trainable_variables, non_trainable, strict=True))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        outputs = method(*args)
    return outputs, [scope.get_current_value(v) for v in model.non_trainable_variables]


class JaxVAESteps:
    def __init__(self, vae, jit_compile: bool, replicas=None):  # jit_compile: always, see JaxStep
        self.vae = vae
        variables = VAEState(
            vae.trainable_variables, vae.non_trainable_variables, vae.vae_optimizer.variables
        )
        self.train_step = JaxStep(self._train_step, variables, replicas)

    def _train_step(self, state: VAEState, data):
        images, noise, kl_weight = data
        vae = self.vae

        def loss_fn(trainable):
            (loss, reconstruction, kl), new_state = _stateless(
                vae, trainable, state.state, vae.losses_for, images, noise, kl_weight
            )
            return loss, (reconstruction, kl, new_state)

        loss, (reconstruction, kl, new_state), trainable, optimizer = _jax_descend(
            loss_fn, state.trainable, vae.vae_optimizer, state.optimizer
        )
        terms = {"loss": loss, "reconstruction": reconstruction, "kl": kl}
        return terms, VAEState(trainable, new_state, optimizer)
