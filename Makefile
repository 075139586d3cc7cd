# ecomdata — `make run` and `make test` work on a fresh Debian machine with the Swift toolchain.
SWIFT ?= swift
APT_PACKAGES := librdkafka-dev libjansson-dev libsimdjson-dev kcat pkg-config tzdata libxml2
BIN_RELEASE := .build/release/ecomdata
OUT ?= out

.PHONY: run historical test build release deps bench bench-replay clean golden

# Installs the Debian packages that are missing (needs root or sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# The tests check the JSON reports against docs/report-schema.json with an independent validator.
	@python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet jsonschema

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job: the embedded broker, an hour of normal traffic streamed at x60 (a minute) to the five topics and
# read back as it arrives, audited against the run's manifest and every record regenerated from the seed, validated;
# the verdict is printed and reports/roundtrip.{json,html,xml,md} written. A failing check (exit 1) does not stop
# make; a usage, broker or I/O failure (2, 3) does.
run: release
	@$(BIN_RELEASE) roundtrip --markdown reports/roundtrip.md; status=$$?; [ $$status -le 1 ] || exit $$status

# A day of every record type with catalogs into out/, validated into reports/validation.*.
historical: release
	$(BIN_RELEASE) historical --days 1 --start 2024-09-02 --out $(OUT) --seed 42
	@mkdir -p reports && cp $(OUT)/manifest.json reports/manifest.json && echo "manifest copied to reports/manifest.json"
	-$(BIN_RELEASE) validate $(OUT) --seed 42 --start 2024-09-02 --end 2024-09-03 --catalog $(OUT)/catalog \
		--json reports/validation.json --report reports/validation.html --junit reports/validation.xml --markdown reports/validation.md

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	./bench/run.sh

# Replay pacing: two runs of a minute against their schedule, read back with kcat.
bench-replay: release
	./bench/replay-pacing.sh

clean:
	rm -rf .build $(OUT)

# Rewrites the golden digests after a deliberate change to generated output; review `git diff fixtures/golden`.
golden: build
	./scripts/update-golden.sh
