# hubspot connector: libcurl (REST API), cJSON, and the shared webhook
# receiver (libmicrohttpd, libsodium). The shared sources under
# plugins/common/ are linked into this plugin and into bitrix24.
hubspot_PKGS := libcurl libcjson libmicrohttpd libsodium
hubspot_SRC_EXTRA := plugins/common/webhook/receiver.c plugins/common/webhook/signature.c \
  plugins/common/webhook/form.c plugins/common/restapi/http.c plugins/common/restapi/keymap.c \
  plugins/common/restapi/ledger.c plugins/common/restapi/poller.c
# Flags for compiling plugins/common/restapi/*.c (the Makefile looks up
# <folder>_PKGS for shared sources, plus libmicrohttpd/libcjson/libsodium).
restapi_PKGS := libcurl libcjson

# Tests: the mapping unit tests link hs_map.o; every test of the connectors
# and of the receiver links the loopback test server (a source file, compiled
# into the test program).
HUBSPOT_TEST_PKGS := libcurl libcjson libmicrohttpd libsodium
TEST_OBJS_hubspot := $(BUILD)/obj/plugins/connectors/hubspot/hs_map.o tests/support/httpstub.c \
  $(BUILD)/obj/plugins/common/webhook/signature.o
TEST_PKGS_hubspot := $(HUBSPOT_TEST_PKGS)
TEST_OBJS_httpstub := tests/support/httpstub.c $(BUILD)/obj/plugins/common/webhook/signature.o
TEST_PKGS_httpstub := $(HUBSPOT_TEST_PKGS)
TEST_OBJS_wh_receiver := tests/support/httpstub.c $(BUILD)/obj/plugins/common/webhook/receiver.o \
  $(BUILD)/obj/plugins/common/webhook/signature.o $(BUILD)/obj/plugins/common/webhook/form.o
TEST_PKGS_wh_receiver := $(HUBSPOT_TEST_PKGS)
TEST_OBJS_restapi := tests/support/httpstub.c $(BUILD)/obj/plugins/common/restapi/http.o \
  $(BUILD)/obj/plugins/common/restapi/keymap.o
TEST_PKGS_restapi := $(HUBSPOT_TEST_PKGS)
