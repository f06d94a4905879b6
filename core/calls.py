"""Calling a Keras model with the input structure it was built with, read from its config.

A functional model built on ``inputs=x`` wants a tensor, one built on ``inputs=[x]`` a list of
one (the trainers build the GAN's generator one way and the VAE's networks the other); given the
other form, Keras warns "The structure of `inputs` doesn't match the expected structure" on every
call. No Keras import here: the model is passed in.
"""

from __future__ import annotations


def input_former(model):
    """A function that puts a batch into ``model``'s input structure (read once, here)."""
    try:
        layers = model.get_config().get("input_layers")
    except (NotImplementedError, AttributeError, TypeError):  # a subclassed model: no config
        layers = None
    if layers and isinstance(layers[0], list):
        return lambda batch: [batch]
    return lambda batch: batch
