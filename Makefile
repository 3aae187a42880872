# The README's two commands. Each runs toolchain/setup first, which
# installs what is missing and is a quiet no-op once everything is there.
PRESETS ?= host host-asan aarch64 cortex-m4 fuzz

.PHONY: demo test setup
setup:
	@bash toolchain/setup

test: setup
	@bash toolchain/run-tests $(PRESETS)

demo: setup
	@bash tools/demo/run
