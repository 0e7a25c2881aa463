# WeightPort — build, test, demo and benchmarks. Every target installs what it needs first.
SWIFT ?= swift
DEB_PACKAGES := libhdf5-dev libzip-dev libopenblas-dev libssl-dev
VENV := .venv
PY := $(VENV)/bin/python
BIN := .build/release/weightport
# Release builds link the Swift runtime and Foundation statically: every command then starts in
# about 20 ms instead of 30 (no symbol lookups across the Swift shared libraries at load time).
RELEASE := -c release --static-swift-stdlib

.PHONY: deps build install test swift-test pytest demo bench fixtures venv clean fuzz fuzz-smoke

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(RELEASE) --product weightport

# The release binary alone: the mapping tables are compiled in, the Swift runtime linked statically.
PREFIX ?= /usr/local
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/weightport

# The Swift suite, then the Python suite in which real clients (PyTorch, torchvision,
# safetensors, h5py) read what weightport writes.
test: swift-test pytest

swift-test: deps
	$(SWIFT) test --disable-swift-testing

pytest: deps venv
	$(SWIFT) build --product weightport
	WEIGHTPORT_BIN=$$($(SWIFT) build --show-bin-path)/weightport $(PY) -m pytest tests/python -q

venv:
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -c "import torch, torchvision, timm, numpy, h5py, safetensors, google.protobuf, pytest" 2>/dev/null || \
	  $(PY) -m pip install -q torch torchvision timm numpy h5py safetensors protobuf pytest

# The README's first command: a shipped Detectron R-50-FPN Mask R-CNN (genuine Python 2 pickle,
# real Detectron blob names) → HDF5 bundle, then verified against activations PyTorch recorded.
DEMO_OUT := demo-out
demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== weightport convert fixtures/demo/model_final.pkl -o $(DEMO_OUT)/model_final.h5"
	$(BIN) convert fixtures/demo/model_final.pkl -o $(DEMO_OUT)/model_final.h5 --force
	@echo
	@echo "== weightport verify $(DEMO_OUT)/model_final.h5 (against activations recorded by the PyTorch reference)"
	$(BIN) verify $(DEMO_OUT)/model_final.h5 --input fixtures/demo/input.npy --expect fixtures/demo/activations.npz
	@echo
	@echo "bundle: $(DEMO_OUT)/model_final.h5 (inspect it with: $(BIN) inspect $(DEMO_OUT)/model_final.h5)"

fixtures: venv
	$(PY) fixtures/generate.py

bench: build venv
	$(SWIFT) build $(RELEASE) --product wpbench
	$(PY) bench/run.py --weightport $(BIN)

# Coverage-guided fuzzing of every reader (fuzz/run; fuzz/Package.swift holds the targets). The
# toolchain at /opt/swift ships libFuzzer and the sanitizer runtimes, so nothing beyond `deps`
# is installed. One line per target; non-zero exit on any crash, leak, timeout or OOM.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run

# What CI runs after `make test`: every target for about 10 s.
fuzz-smoke: deps
	fuzz/run --smoke

clean:
	rm -rf .build fuzz/.build
