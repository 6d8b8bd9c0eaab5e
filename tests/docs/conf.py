# SPDX-License-Identifier: GPL-2.0
# Minimal Sphinx configuration for tests/docs-check.sh: builds
# Documentation/power/*.rst and the ABI (rendered by the kernel's
# scripts/get_abi.pl) as the kernel's "make htmldocs" would see them, with
# every warning an error.  Nothing kernel-specific is needed: the pages use
# plain reStructuredText only.
project = "smartbms"
copyright = "GPL-2.0"
master_doc = "index"
extensions = []
html_theme = "basic"
nitpicky = True
