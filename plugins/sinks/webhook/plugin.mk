# webhook sink: libcurl (HTTP), libcjson (bodies, outbox entries), libsodium
# (HMAC-SHA256 signatures, idempotency keys, jitter). Shares the finding JSON
# of plugins/sinks/common with the jsonl-export sink.
webhook_PKGS := libcurl libcjson libsodium
webhook_SRC_EXTRA := plugins/sinks/common/finding_json.c
WEBHOOK_OBJS := $(foreach f,route policy digest outbox message deliver command,$(BUILD)/obj/plugins/sinks/webhook/$(f).o) \
  $(BUILD)/obj/plugins/sinks/common/finding_json.o
TEST_OBJS_webhook_units := $(WEBHOOK_OBJS)
TEST_PKGS_webhook_units := libcurl libcjson libsodium
TEST_OBJS_webhook := tests/support/receiver.c
TEST_PKGS_webhook := libcjson libsodium libmicrohttpd
