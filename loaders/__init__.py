"""Loaders: bring people, organizations and places into a store, and take them out again.

Every reader turns a source (a JSON bundle, a folder of CSV files, an Open Referral HSDS 3.0
dataset, the demo generator) into a stream of :class:`~loaders.items.Item` (one node or
relationship, still raw) and :class:`~loaders.items.Problem` (something wrong with the
source, with where it is). :mod:`loaders.pipeline` validates the whole stream before
anything is written, then writes it in atomic batches.
"""
