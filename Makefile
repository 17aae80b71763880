# Tamu: every command a developer, CI and a new user needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.yaml
# Debian packages for the RTSP test camera (GStreamer), the browser tests, the MQTT broker the
# notification tests start, and the private redis-servers (outages, ACL, TLS) of the
# message-queue tests and the load bench; poppler-utils renders the report PDF in its tests.
SYSTEM_PKGS := ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad chromium fonts-dejavu-core mosquitto \
	redis-server openssl poppler-utils

.PHONY: install run test bench lint system-deps translations clean demo-camera

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --prefer-binary -r requirements.txt
	# face_recognition's metadata names the dlib sdist; dlib-bin provides the module.
	$(BIN)/pip install -q --no-deps --prefer-binary face_recognition==1.3.0
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(MAKE) --no-print-directory translations
	touch $(STAMP)

translations:
	@if ls web/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d web/translations; fi

run: install
	$(BIN)/tamu --config $(CONFIG) db upgrade
	$(BIN)/tamu --config $(CONFIG) run

# A looping demo of the shipped config's two cameras, built from ../shared/faces.
demo-camera: install system-deps
	$(BIN)/tamu --config $(CONFIG) db upgrade
	$(BIN)/python -m tests.support.demo_camera --enrol --config $(CONFIG)

system-deps:
	@missing=$$(for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing test packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null; \
	else \
		echo "NOTE: missing Debian packages: $$missing"; \
		echo "      run 'sudo make system-deps'; RTSP and browser tests will be skipped."; \
	fi

test: install system-deps translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -ra

bench: install system-deps
	$(BIN)/python -m bench

# mypy: strict on core and storage, checked on web and tamu (pyproject.toml [tool.mypy]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
