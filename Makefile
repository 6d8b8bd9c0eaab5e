# SPDX-License-Identifier: GPL-2.0
#
# smartbms: wrapper around the kernel's build system and the test bench.
#
#   make             build bmsctl, and the module against KDIR (default: the
#                    running kernel)
#   make bmsctl      build only bmsctl (tools/bmsctl)
#   make install     install bmsctl (DESTDIR, PREFIX; the module: not yet)
#   make uninstall   remove what make install installed
#   make check       set the bench up if needed and run every test
#   make demo        set the bench up if needed and show the simulated BMS
#   make mutate      prove the KUnit suites catch a broken rule (slow)
#   make bench       benchmarks in the simulated board (slow, not in check)
#   make setup       only set the bench up (packages, UML kernel)
#   make clean       remove build output (the kernel cache stays)
#
# The kernel source and the UML kernel live in $(SMARTBMS_CACHE), by default
# ~/.cache/smartbms, outside the clone.

KDIR ?= /lib/modules/$(shell uname -r)/build
SMARTBMS_CACHE ?= $(HOME)/.cache/smartbms
export SMARTBMS_CACHE

all: bmsctl modules

bmsctl:
	$(MAKE) -C tools/bmsctl

install uninstall:
	$(MAKE) -C tools/bmsctl $@

modules:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR): install the kernel headers or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	tests/check.sh

mutate:
	tests/mutate.sh

bench:
	tests/bench/run.sh

demo:
	tests/demo.sh

setup:
	tests/uml/setup.sh

clean:
	rm -rf build
	$(MAKE) -C tools/bmsctl clean
	@if test -f $(KDIR)/Makefile; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

.PHONY: all bmsctl install uninstall modules check demo mutate bench setup clean
