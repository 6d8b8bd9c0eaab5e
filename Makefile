# SPDX-License-Identifier: GPL-2.0
#
# smartbms: wrapper around the kernel's build system and the test bench.
#
#   make             build bmsctl, and the module against KDIR (default: the
#                    running kernel)
#   make bmsctl      build only bmsctl (tools/bmsctl)
#   make install     install the module (built against KDIR, into
#                    $(DESTDIR)/lib/modules/<release>/updates) and bmsctl with
#                    its man page, completion and boot-time restore (DESTDIR,
#                    PREFIX); install-module and install-bmsctl do one each
#   make uninstall   remove what make install installed
#   make dkms-src    copy what DKMS builds to DKMS_SRC (/usr/src/smartbms-0.1)
#   make check       set the bench up if needed and run every test
#   make demo        set the bench up if needed and show the simulated BMS
#   make mutate      prove the KUnit suites catch a broken rule (slow)
#   make fuzz        run each libFuzzer harness for FUZZ_TIME seconds (default
#                    600; make check runs them 60 s each)
#   make bench       benchmarks in the simulated board (slow, not in check)
#   make setup       only set the bench up (packages, UML kernel)
#   make clean       remove build output (the kernel cache stays)
#
# The kernel source and the UML kernel live in $(SMARTBMS_CACHE), by default
# ~/.cache/smartbms, outside the clone.

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := 0.1
# The release the module is built for, from the tree it is built against.
KERNELRELEASE_KDIR = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
INSTALL_MOD_DIR ?= updates
MODULE_DIR = $(DESTDIR)/lib/modules/$(KERNELRELEASE_KDIR)/$(INSTALL_MOD_DIR)
DKMS_SRC ?= /usr/src/smartbms-$(VERSION)
SMARTBMS_CACHE ?= $(HOME)/.cache/smartbms
export SMARTBMS_CACHE

all: bmsctl modules

bmsctl:
	$(MAKE) -C tools/bmsctl

install: install-module install-bmsctl
uninstall: uninstall-module uninstall-bmsctl

install-bmsctl uninstall-bmsctl:
	$(MAKE) -C tools/bmsctl $(@:%-bmsctl=%)

# The kernel's modules_install: signed and compressed as the kernel's
# config says when its signing key is there (distribution headers have
# none: the module is then installed unsigned).  depmod runs here, not
# into a DESTDIR (a package's postinst runs it there).
install-module: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) DEPMOD=true \
		$(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	$(if $(DESTDIR),,depmod -a $(KERNELRELEASE_KDIR))

uninstall-module:
	@test -n "$(KERNELRELEASE_KDIR)" || { echo "no kernel build tree at $(KDIR): set KDIR=" >&2; exit 1; }
	rm -f $(MODULE_DIR)/drivers/power/supply/smartbms.ko*
	@# Under a DESTDIR, the directories install made go again when empty.
	$(if $(DESTDIR),d=$(MODULE_DIR)/drivers/power/supply; \
		while [ "$$d" != "$(DESTDIR)" ] && rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done)
	$(if $(DESTDIR),,depmod -a $(KERNELRELEASE_KDIR))

dkms-src:
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild dkms.conf compat drivers include $(DKMS_SRC)/
	find $(DKMS_SRC) \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
		-o -name modules.order -o -name Module.symvers \) -delete

modules:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR): install the kernel headers or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	tests/check.sh

mutate:
	tests/mutate.sh $(MUTATIONS)

fuzz:
	tests/fuzz/run.sh --time $(or $(FUZZ_TIME),600)

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

.PHONY: all bmsctl install uninstall install-bmsctl uninstall-bmsctl install-module \
	uninstall-module dkms-src modules check demo mutate fuzz bench setup clean
