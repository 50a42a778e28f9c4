"""The outputs: each module renders what the core (model, load, validate, evaluate, shown) describes.

Every output reads a ``Pathway``, a ``Result`` or the one typed description of what a situation shows
(``pathways.shown.Shown``); the core never imports an output.
"""
