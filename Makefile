# SmartPush Authenticator — developer entry points. `make help` lists them.
#
# Layout: the desktop app is the root Cargo package (sources in src-tauri/src), the core and the
# CLI are workspace members (src-tauri/core, src-tauri/cli), the window's UI is ui/ (Svelte +
# Vite, built into ui/dist, which the app embeds at compile time).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

CARGO ?= cargo
FUZZ_SECONDS ?= 600
NPM ?= npm

# `npm ci` runs again only when the lock file is newer than the last install.
UI_STAMP := ui/node_modules/.npm-ci.stamp
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/package.json ui/tsconfig.json \
	ui/vite.config.ts ui/svelte.config.js
UI_DIST := ui/dist/index.html

# One thing at a time: the tests and the builds each want both cores.
.NOTPARALLEL:

.PHONY: help system-deps deps ui build run test test-rust test-ui test-e2e test-scripts test-package package screenshots bench bench-qr bench-app bench-server fuzz lint fmt icons clean distclean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: system-deps $(UI_STAMP) ## Install missing system packages and the UI's npm packages

system-deps:
	@scripts/deps.sh

$(UI_STAMP): ui/package-lock.json ui/package.json | system-deps
	cd ui && $(NPM) ci --no-audit --no-fund
	@touch $@

$(UI_DIST): $(UI_STAMP) $(UI_SOURCES)
	cd ui && $(NPM) run build

ui: $(UI_DIST) ## Build the UI into ui/dist (type-checked)

build: $(UI_DIST) ## Build the UI, then every crate of the workspace (debug)
	$(CARGO) build --workspace

run: deps build ## Open the app (or, without a display, the CLI)
	@scripts/run.sh

test: deps build ## Every test: cargo tests (bindings freshness included), Vitest, the window end-to-end tests, tests/*.sh (scan-screen, browser, schemathesis, tester-suite)
	@$(MAKE) test-rust test-ui test-e2e test-scripts

test-rust:
	$(CARGO) test --workspace

test-ui: $(UI_STAMP)
	cd ui && $(NPM) test

test-e2e:
	tests/e2e/window.sh
	tests/e2e/app.sh

# Release builds of smartpush-auth and of the app as `tauri build` would make it (tauri's
# custom-protocol feature; `deps` has built the UI), then the bundler (npm @tauri-apps/cli,
# offline) packs them (tauri.conf.json bundle.linux.deb.files). `make bench-app` measures the
# same binaries, so one release build serves both. The UI is built first: the app embeds
# ui/dist, which a fresh clone does not have.
package: deps $(UI_DIST) ## Build the .deb into target/release/bundle/deb (release: the app, smartpush-auth, desktop entry, icons)
	$(CARGO) build --release -p smartpush-auth
	$(CARGO) build --release --features tauri/custom-protocol -p smartpush-authenticator --bin smartpush-authenticator
	ui/node_modules/.bin/tauri bundle --bundles deb
	@ls -l target/release/bundle/deb/*.deb

test-package: package ## Install the .deb (root or sudo), run it, validate the desktop entry, remove it (tests/package.sh)
	SMARTPUSH_TEST_PACKAGE=1 tests/package.sh

screenshots: build ## Rerun the app end-to-end test (light, then dark) and copy its screenshots into docs/screenshots
	UPDATE_SCREENSHOTS=1 tests/e2e/app.sh
	UPDATE_SCREENSHOTS=1 E2E_THEME=dark tests/e2e/app.sh

test-scripts:
	@for t in tests/*.sh; do \
	  [[ -e $$t ]] || continue; \
	  echo "== $$t"; bash "$$t"; \
	done

bench: deps ## Core benchmarks, CLI start-up vs oathtool, Argon2 reference
	$(CARGO) bench -p smartpush-core
	scripts/bench-cli.sh
	@if [[ -f scripts/bench-argon2-ref.sh ]]; then bash scripts/bench-argon2-ref.sh; fi

bench-qr: deps ## QR scanner on ../shared/qr-corpus, beside zbar and zxing-cpp when installed
	scripts/bench-qr.sh

bench-app: deps $(UI_DIST) ## The app against a bare Tauri window under Xvfb (release): launch to first code with 1,000 accounts, idle memory
	scripts/bench-app.sh

bench-server: system-deps ## The mock server under load (release, oha): sign-in, hash bound, reads
	scripts/bench-server.sh

fuzz: ## Every cargo-fuzz target of fuzz/, FUZZ_SECONDS each (default 600), FUZZ_JOBS at a time (default: one per core), niced; not part of `make test`
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

lint: $(UI_DIST) ## rustfmt check and clippy (warnings are errors) on the workspace
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the Rust code
	$(CARGO) fmt --all

icons: $(UI_STAMP) ## Regenerate icons/*.png from icons/icon.svg
	@scripts/icons.sh

clean: ## Remove build outputs (keeps ui/node_modules)
	$(CARGO) clean
	rm -rf ui/dist gen

distclean: clean ## Also remove ui/node_modules
	rm -rf ui/node_modules
