"""Worked studies built on the toolkit: the only code that knows a particular corpus.

Each study is a subpackage holding its own targets, reports and end-to-end run; the toolkit
(everything outside ``casecoder.studies``) never imports a study.
"""
