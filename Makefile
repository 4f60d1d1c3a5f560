# The README's two commands: `make run` and `make test`. Everything else is CMake.
BUILD_DIR := build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test deps configure build clean bench fuzz

run: build
	$(BUILD_DIR)/bin/dpcast predict scenarios/quickstart.yaml

# Ends with the predicted-vs-measured table of tests/regression (MAPE last) and the validation
# corpus's table (published measurements against the catalogue defaults, per data set).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@echo "== predicted vs measured on this machine (tests/regression)"
	@cat $(BUILD_DIR)/regression/table.txt 2>/dev/null || echo "(not run: the CPU backend or the DES engine did not build)"
	@echo "== predicted vs published measurements (scenarios/validation, dpcast validate)"
	@cat $(BUILD_DIR)/validation/table.txt 2>/dev/null || echo "(not run: the dpcast command did not build)"

deps:
	@scripts/install-deps.sh

# DPCAST_WERROR=1 (as CI sets it) makes compiler warnings errors.
configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake --preset release $(if $(DPCAST_WERROR),-DDPCAST_WERROR=ON) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

bench: build
	$(BUILD_DIR)/bin/bench_analytical

# The fuzz targets, 10 minutes each side by side (FUZZ_SECONDS=N to change), in build-fuzz/.
FUZZ_SECONDS ?= 600
fuzz: deps
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) build-fuzz
