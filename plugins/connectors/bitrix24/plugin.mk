# bitrix24 connector: libcurl (REST API), cJSON, libsodium (digests), and the
# shared webhook receiver (libmicrohttpd). The shared sources under
# plugins/common/ are linked into this plugin and into hubspot.
bitrix24_PKGS := libcurl libcjson libmicrohttpd libsodium
bitrix24_SRC_EXTRA := plugins/common/webhook/receiver.c plugins/common/webhook/signature.c \
  plugins/common/webhook/form.c plugins/common/restapi/http.c plugins/common/restapi/keymap.c \
  plugins/common/restapi/ledger.c plugins/common/restapi/poller.c
restapi_PKGS := libcurl libcjson

# Tests: the mapping unit tests link b24_map.o, and the loopback test server.
TEST_OBJS_bitrix24 := $(BUILD)/obj/plugins/connectors/bitrix24/b24_map.o tests/support/httpstub.c
TEST_PKGS_bitrix24 := libcurl libcjson libmicrohttpd libsodium
