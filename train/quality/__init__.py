"""How good a model is (installed as ``latentwalk.train.quality``): ``judge`` (the CIFAR-10
classifier whose features every figure uses), ``evaluate`` (FID, KID, precision and recall of a
run against held-out real images, core/metrics.py), ``quality_file`` (quality.json) and ``cli``
(``python -m train judge`` and ``python -m train evaluate``).
"""
