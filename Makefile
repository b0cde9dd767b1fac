# crmgov -- GNU Makefile (the only build system).
#
#   make              build/crmgov and build/plugins/<name>.so for every plugin
#   make demo         run the main job on the bundled demo data
#   make test         the whole suite, then again under ASan + UBSan
#   make bench        benchmarks (print their figures; not tests)
#   make install      PREFIX=/usr/local DESTDIR= : binary, plugins, SDK, config
#   make deps         install missing Debian packages (root; runs apt-get update)
#   make fuzz         libFuzzer targets (clang), not part of `make test`
#
# Plugins: every folder plugins/{connectors,layers,sinks}/NAME builds
# build/plugins/NAME.so from its *.c files; an optional plugin.mk in the folder
# sets NAME_PKGS (pkg-config packages it links); a folder is built as a plugin
# once it has that file. Plugins see include/ only --
# never core/ -- which is how "plugins touch the core only through the host
# table" is enforced.

PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
SANITIZE   ?=
OPT        ?= -O2

LIBDIR     := $(PREFIX)/lib
PLUGINDIR  := $(LIBDIR)/crmgov/plugins
SYSCONFDIR := $(PREFIX)/etc
INCLUDEDIR := $(PREFIX)/include

# Debian package that provides each pkg-config module.
APT_sqlite3       := libsqlite3-dev
APT_inih          := libinih-dev
APT_libcjson      := libcjson-dev
APT_libsodium     := libsodium-dev
APT_cmocka        := libcmocka-dev
APT_libxml-2.0    := libxml2-dev
APT_libcurl       := libcurl4-openssl-dev
APT_libmicrohttpd := libmicrohttpd-dev
APT_zlib          := zlib1g-dev

CORE_PKGS := sqlite3 inih libcjson libsodium
TEST_PKGS := cmocka
-include $(wildcard plugins/*/*/plugin.mk)
# Packages the shared plugin sources under plugins/common/ need to compile.
COMMON_PKGS := $(if $(wildcard plugins/common),libmicrohttpd libcjson libsodium)
PLUGIN_DIRS  := $(sort $(patsubst %/plugin.mk,%,$(wildcard plugins/*/*/plugin.mk)))
PLUGIN_NAMES := $(notdir $(PLUGIN_DIRS))
ALL_PKGS     := $(sort $(CORE_PKGS) $(TEST_PKGS) $(foreach p,$(PLUGIN_NAMES),$($(p)_PKGS)))
# Tools the tests drive (Debian package names).
# Programs the tests and benchmarks run, as command:Debian-package.
TEST_TOOLS := sqlite3:sqlite3 minisign:minisign jq:jq bc:bc /usr/bin/time:time xxd:xxd \
	chromium:chromium gzip:gzip

pkg_cflags = $(if $(1),$(shell pkg-config --cflags $(1)))
pkg_libs   = $(if $(1),$(shell pkg-config --libs $(1)))

ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       := -O1
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE     := -std=gnu11 -D_GNU_SOURCE $(WARN) -g $(OPT) $(SAN_FLAGS) -MMD -MP
CORE_CFLAGS := $(BASE) -Iinclude -Icore -I$(BUILD)/gen $(call pkg_cflags,$(CORE_PKGS)) \
	-DCRMGOV_PLUGIN_DIR='"$(PLUGINDIR)"' -DCRMGOV_SYSCONFDIR='"$(SYSCONFDIR)"'
PLUGIN_CFLAGS := $(BASE) -Iinclude -fPIC -fvisibility=hidden
LDLIBS_CORE := $(call pkg_libs,$(CORE_PKGS)) -ldl -lpthread -lm

CORE_SRC    := $(wildcard core/*.c) $(wildcard core/cli/*.c)
CORE_LIB_SRC := $(filter-out core/main.c,$(CORE_SRC))
CORE_OBJ    := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_LIB_SRC)) $(BUILD)/obj/gen/schema_sql.o
CORE_LIB    := $(BUILD)/libcrmgov-core.a
HARNESS_LIB := $(BUILD)/libcrmgov-harness.a
BIN         := $(BUILD)/crmgov
PLUGINS     := $(foreach p,$(PLUGIN_NAMES),$(BUILD)/plugins/$(p).so)
GEN         := $(BUILD)/crmgov-gen

.PHONY: all demo test test-run bench install deps check-deps fuzz clean uninstall
all: check-deps $(BIN) $(PLUGINS) $(HARNESS_LIB) $(GEN) $(BUILD)/tests/plugins/stamp

# ---------------------------------------------------------------------------
# dependencies

check-deps:
	@missing=""; $(foreach p,$(ALL_PKGS),pkg-config --exists $(p) 2>/dev/null || missing="$$missing $(APT_$(p))";) \
	if [ -n "$$missing" ]; then \
	  echo "crmgov: missing libraries; install them with: apt-get install$$missing" >&2; \
	  echo "        (or run 'make deps' as root, which does it for you)" >&2; exit 1; fi

deps:
	@apt_pkgs=""; \
	$(foreach p,$(ALL_PKGS),pkg-config --exists $(p) 2>/dev/null || apt_pkgs="$$apt_pkgs $(APT_$(p))";) \
	command -v pkg-config >/dev/null || apt_pkgs="$$apt_pkgs pkg-config"; \
	for t in $(TEST_TOOLS); do command -v $${t%%:*} >/dev/null || apt_pkgs="$$apt_pkgs $${t#*:}"; done; \
	command -v cc >/dev/null || apt_pkgs="$$apt_pkgs gcc"; \
	if [ -n "$$apt_pkgs" ]; then \
	  echo "installing:$$apt_pkgs"; \
	  if [ "$$(id -u)" != 0 ]; then echo "crmgov: run 'make deps' as root" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$apt_pkgs >/dev/null; \
	fi

# ---------------------------------------------------------------------------
# core

$(BUILD)/gen/schema_sql.c: core/schema.sql
	@mkdir -p $(dir $@)
	awk 'BEGIN { print "/* generated from core/schema.sql -- do not edit */"; \
	  print "const char store_schema_sql[] ="; } \
	  { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "    \"" $$0 "\\n\""; } \
	  END { print ";" }' $< > $@

$(BUILD)/obj/gen/schema_sql.o: $(BUILD)/gen/schema_sql.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -c $< -o $@

# The compiled-in paths depend on PREFIX: rebuild when it changes.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
FORCE:
$(BUILD)/obj/core/core_options.o $(BUILD)/obj/core/cli/cli.o: $(BUILD)/prefix.stamp

$(BUILD)/obj/core/%.o: core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/core/main.o $(CORE_LIB)
	$(CC) $(SAN_FLAGS) -rdynamic -o $@ $^ $(LDLIBS_CORE)

# ---------------------------------------------------------------------------
# plugins

$(BUILD)/obj/plugins/%.o: plugins/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) $(call pkg_cflags,$($(word 3,$(subst /, ,$<))_PKGS) $(COMMON_PKGS)) -c $< -o $@

# NAME_SRC_EXTRA (in plugin.mk) adds sources shared by several plugins, such
# as plugins/common/webhook/*.c; they are compiled like plugin code.
define plugin_rule
$(BUILD)/plugins/$(notdir $(1)).so: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c) $($(notdir $(1))_SRC_EXTRA))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(SAN_FLAGS) -shared -o $$@ $$^ $$(call pkg_libs,$$($(notdir $(1))_PKGS))
	@chmod 0755 $$@
endef
$(foreach d,$(PLUGIN_DIRS),$(eval $(call plugin_rule,$(d))))

# ---------------------------------------------------------------------------
# SDK: the harness library plugin authors link into their tests

$(BUILD)/obj/sdk/%.o: sdk/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Isdk/harness -c $< -o $@

$(HARNESS_LIB): $(BUILD)/obj/sdk/harness/harness.o $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------------------
# tools

GEN_SRC := $(wildcard tools/crmgov-gen/*.c)
GEN_PKGS := libsodium libcjson
$(GEN): $(GEN_SRC) $(wildcard tools/crmgov-gen/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -Itools/crmgov-gen $(call pkg_cflags,$(GEN_PKGS)) -o $@ \
	  $(GEN_SRC) $(call pkg_libs,$(GEN_PKGS)) -lm

# ---------------------------------------------------------------------------
# tests

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Plugin tests are built once their plugin folder has its plugin.mk.
PTEST_SRC  := $(filter-out $(if $(wildcard plugins/connectors/salesforce/plugin.mk),,tests/plugins/test_sf_%),$(wildcard tests/plugins/test_*.c))
PTEST_BIN  := $(patsubst tests/plugins/%.c,$(BUILD)/tests/%,$(PTEST_SRC))
TESTPLUG_SRC := $(wildcard tests/plugins/fixtures/*.c)
TESTPLUG   := $(patsubst tests/plugins/fixtures/%.c,$(BUILD)/testplugins/%.so,$(TESTPLUG_SRC))
TEST_LIBS  := $(call pkg_libs,$(TEST_PKGS) libcjson libxml-2.0) $(LDLIBS_CORE)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(call pkg_cflags,cmocka) -o $@ $< $(CORE_LIB) $(TEST_LIBS)

# The generator's unit test links its sources except main.c.
$(BUILD)/tests/test_gen: tests/unit/test_gen.c $(GEN_SRC) $(wildcard tools/crmgov-gen/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -Itools/crmgov-gen $(call pkg_cflags,$(GEN_PKGS) cmocka) -o $@ $< \
	  $(filter-out tools/crmgov-gen/main.c,$(GEN_SRC)) $(call pkg_libs,$(GEN_PKGS) cmocka) -lm

# A plugin test may link objects of the plugin it tests: its plugin.mk sets
# TEST_OBJS_<name> (objects without the plugin's entry point).
.SECONDEXPANSION:
# Every one links tests/support/testfiles.c (file chores shared by the tests).
$(BUILD)/tests/test_%: tests/plugins/test_%.c $(HARNESS_LIB) $$(TEST_OBJS_$$*) \
                       tests/support/testfiles.c tests/support/testfiles.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Isdk/harness -Iplugins $(call pkg_cflags,cmocka $(TEST_PKGS_$*)) \
	  -o $@ $< tests/support/testfiles.c $(TEST_OBJS_$*) $(HARNESS_LIB) $(TEST_LIBS) \
	  $(call pkg_libs,$(TEST_PKGS_$*))

# Plugin fixtures for the loader tests, each wrong in the way its name says.
$(BUILD)/testplugins/%.so: tests/plugins/fixtures/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -shared -o $@ $<
	@chmod 0755 $@

$(BUILD)/tests/plugins/stamp: $(TESTPLUG)
	@mkdir -p $(dir $@) && touch $@

# The driver of the minisign interop test (tests/unit/minisign_interop.sh, run
# by tests/e2e/0730-minisign-interop.sh against the real minisign binary):
# core/minisign.c alone. Not named test_*, so run.sh does not run it itself.
MINISIGN_TOOL := $(BUILD)/tests/minisign_tool
$(MINISIGN_TOOL): tests/unit/minisign_tool.c core/minisign.c core/minisign.h
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -o $@ tests/unit/minisign_tool.c core/minisign.c \
	  $(call pkg_libs,libsodium)

# `make test` and `make demo` install what is missing first, then re-read this
# Makefile (so pkg-config sees the new packages) for the real work.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-run
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer =="
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=1 all test-run

# The loopback HTTP receiver the sink e2e tests start.
$(BUILD)/tests/receiver: tests/support/receiver_main.c tests/support/receiver.c tests/support/receiver.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(call pkg_cflags,libmicrohttpd libsodium libcjson) -o $@ tests/support/receiver_main.c \
	  tests/support/receiver.c $(call pkg_libs,libmicrohttpd libsodium libcjson) -lpthread

test-run: $(UNIT_BIN) $(PTEST_BIN) $(TESTPLUG) $(BUILD)/tests/receiver $(MINISIGN_TOOL)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) sh tests/run.sh

# ---------------------------------------------------------------------------
# benchmarks and fuzzing

bench: all
	@BUILD=$(BUILD) sh bench/run.sh

fuzz:
	@sh tests/fuzz/build.sh

# ---------------------------------------------------------------------------
# demo

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@bash examples/demo/run.sh $(BUILD)

# ---------------------------------------------------------------------------
# install

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCLUDEDIR)/crmgov \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(SYSCONFDIR)/crmgov/conf.d
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/crmgov
	install -m 0755 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 0644 include/crmgov/*.h $(DESTDIR)$(INCLUDEDIR)/crmgov/
	install -d $(DESTDIR)$(INCLUDEDIR)/crmgov/services
	install -m 0644 $(wildcard include/crmgov/services/*.h) $(DESTDIR)$(INCLUDEDIR)/crmgov/services/
	install -m 0644 sdk/harness/crmgov-harness.h $(DESTDIR)$(INCLUDEDIR)/crmgov/harness.h
	install -m 0644 $(HARNESS_LIB) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' \
	  -e 's|@VERSION@|$(shell sed -n 's/.*CRMGOV_VERSION_STRING "\(.*\)"/\1/p' include/crmgov/version.h)|g' \
	  sdk/crmgov-plugin.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/crmgov-plugin.pc
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' \
	  -e 's|@VERSION@|$(shell sed -n 's/.*CRMGOV_VERSION_STRING "\(.*\)"/\1/p' include/crmgov/version.h)|g' \
	  sdk/crmgov-harness.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/crmgov-harness.pc
	sed -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' -e 's|@PREFIX@|$(PREFIX)|g' conf/installed.ini.in \
	  > $(DESTDIR)$(SYSCONFDIR)/crmgov/crmgov.ini

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/crmgov $(DESTDIR)$(LIBDIR)/crmgov \
	  $(DESTDIR)$(INCLUDEDIR)/crmgov $(DESTDIR)$(LIBDIR)/libcrmgov-harness.a \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/crmgov-plugin.pc $(DESTDIR)$(LIBDIR)/pkgconfig/crmgov-harness.pc

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/testplugins -name '*.d' 2>/dev/null)
