# A thin wrapper over CMake for people. `make help` lists the targets.
BUILD    ?= build
CC       ?= cc
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX   ?= /usr/local
CMAKE_ARGS ?=
CTEST_ARGS ?=

WIN_BUILD ?= build-win

.PHONY: all deps build check asan fuzz-long demo wiki install deb clean help windows check-windows dist-windows

all: build

help:
	@echo "make deps     install the Debian packages the build and tests need (root)"
	@echo "make build    build build/vpndiag"
	@echo "make check    build and run every test (unit, fuzz smoke, lab) through ctest"
	@echo "make asan     the same tests under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
	@echo "make fuzz-long  run every libFuzzer target FUZZ_MINUTES (default 30) minutes each, ASan build"
	@echo "make demo     show vpndiag at work"
	@echo "make wiki     build the error wiki (a static web site) into $(BUILD)/wiki"
	@echo "make install  install vpndiag, its man page and bash completion under $(PREFIX)"
	@echo "make deb      build the Debian package into $(BUILD)/ (dpkg-buildpackage, lintian)"
	@echo "make windows  cross-build $(WIN_BUILD)/vpndiag.exe (mingw-w64; OpenSSL, json-c from Debian sources)"
	@echo "make check-windows  the Windows build's unit tests under Wine, then the Wine lab test"
	@echo "make dist-windows   $(WIN_BUILD)/vpndiag-VERSION-win64.zip and its SHA-256"

deps:
	@sh tools/deps.sh

# Configure once; the stamp is the generated Makefile, so a configure that failed half-way (a
# CMakeCache.txt and no Makefile) is run again next time. A failed configure removes what it left
# and says what to install.
$(BUILD)/Makefile:
	@command -v cmake >/dev/null 2>&1 || { sh tools/deps.sh --check || true; \
	  echo "make: cmake is not installed; run 'sh tools/deps.sh' as root (or 'make deps'), then 'make $(MAKECMDGOALS)' again" >&2; exit 1; }
	@cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=$(CC) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >$(BUILD).configure.log 2>&1 || { \
	  rm -rf $(BUILD)/CMakeCache.txt $(BUILD)/CMakeFiles; sh tools/deps.sh --check || true; \
	  echo "make: configuring $(BUILD) failed (log: $(BUILD).configure.log); install the dependencies with 'sh tools/deps.sh' as root (or 'make deps'), then 'make $(MAKECMDGOALS)' again" >&2; exit 1; }
	@rm -f $(BUILD).configure.log

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The lab's own checks (label ground: set-up, tear-down, ground truth) do not run vpndiag, so the
# sanitizer build skips them.
asan:
	$(MAKE) check BUILD=build-asan CC=clang CTEST_ARGS="-LE ground $(CTEST_ARGS)" \
	  CMAKE_ARGS="-DVPNDIAG_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug"

fuzz-long:
	$(MAKE) build BUILD=build-asan CC=clang \
	  CMAKE_ARGS="-DVPNDIAG_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug"
	sh tools/fuzz-long.sh build-asan

demo: build
	@sh tools/demo.sh $(BUILD)/vpndiag

wiki: build
	$(BUILD)/vpndiag wiki build $(if $(WIKI_BASE_URL),--base-url $(WIKI_BASE_URL)) $(BUILD)/wiki

install: build
	cmake --install $(BUILD)

deb:
	sh tools/deb.sh $(BUILD)

# The Windows build (issue 14). tools/win-deps.sh installs the cross tool chain and Wine (root,
# once) and builds the static libraries once into $(WIN_BUILD)/deps (kept by `make clean`).
windows:
	@WIN_DEPS_PREFIX=$(CURDIR)/$(WIN_BUILD)/deps/prefix sh tools/win-deps.sh
	@test -f $(WIN_BUILD)/Makefile || cmake -S . -B $(WIN_BUILD) -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
	  -DVPNDIAG_WIN_PREFIX=$(CURDIR)/$(WIN_BUILD)/deps/prefix -DCMAKE_BUILD_TYPE=Release -DVPNDIAG_FUZZ=OFF >/dev/null
	cmake --build $(WIN_BUILD) -j $(JOBS)
	@ls -l $(WIN_BUILD)/vpndiag.exe

# The unit tests under Wine (one WINEPREFIX for the run), then the lab test that compares the
# .exe's verdicts with the Linux build's inside the lab's namespaces.
check-windows: windows build
	sh tools/win-test.sh $(WIN_BUILD) $(BUILD)/vpndiag

dist-windows: windows
	sh tools/dist-windows.sh $(WIN_BUILD)

clean:
	rm -rf build build-asan build.configure.log build-asan.configure.log $(WIN_BUILD)/CMakeFiles $(WIN_BUILD)/CMakeCache.txt $(WIN_BUILD)/Makefile
